"""Path and query parameters shared by the routes, with the patterns and ranges the services accept.

Declaring them here puts the real shape of each id in the OpenAPI document (and refuses a malformed one
with ``422 invalid_request`` before any service runs), instead of a 400/404 from deep inside.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, WithJsonSchema
from pydantic.json_schema import JsonDict

# Room ids as POST /v1/rooms and the live pages accept them. ``lobby`` (any case) and ``*`` are token
# scopes, never rooms: the pattern refuses ``*``, NOT_LOBBY (a JSON Schema ``not``, since pydantic's regex
# engine has no look-ahead) and not_lobby() refuse ``lobby``.
ROOM_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,128}$"
LOBBY_PATTERN = r"^[Ll][Oo][Bb][Bb][Yy]$"
NOT_LOBBY: JsonDict = {"not": {"pattern": LOBBY_PATTERN}}
# RTM channel names (souk.rtm.service): a room id, or a name with '.' or ':' in it.
CHANNEL_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"  # server-made ids: calls, sessions, sales
MERCHANT_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"



def not_lobby(room: str) -> str:
    if room.lower() == "lobby":
        raise ValueError("'lobby' is a token scope, not a room")
    return room


RoomId = Annotated[str, Path(pattern=ROOM_ID_PATTERN, json_schema_extra=NOT_LOBBY, description=(
    "a room id: 1-128 letters, digits, '_' or '-'; not 'lobby' or '*' (token scopes, not rooms)")),
    AfterValidator(not_lobby)]
Channel = Annotated[str, Path(pattern=CHANNEL_PATTERN, description="an RTM channel: 1-128 of A-Z a-z 0-9 _ . : -")]
CallId = Annotated[str, Path(pattern=ID_PATTERN, description="a consult call id, e.g. call_01jd...")]
SessionId = Annotated[str, Path(pattern=ID_PATTERN, description="an assistant session id")]
SaleId = Annotated[str, Path(pattern=ID_PATTERN, description="a flash sale id")]
SkuPath = Annotated[str, Path(min_length=1, max_length=64, description="a product SKU")]
# Coupon codes as souk.domain.coupons takes them (any case). Documented, not enforced here: the domain
# answers any other code 400 bad_coupon (or 409 coupon_invalid for one that is not there), as it always did.
COUPON_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$"
COUPON_SCHEMA: JsonDict = {"pattern": COUPON_PATTERN}
CouponCode = Annotated[str, Path(min_length=1, max_length=40, json_schema_extra=COUPON_SCHEMA,
                                 description="a coupon code")]
# Documented, not enforced: any other value is a recording that does not exist (404 recording_not_found).
RecordingId = Annotated[str, Path(
    json_schema_extra={"pattern": r"^[A-Za-z0-9_\-]{1,128}\.[A-Za-z0-9_\-]{1,64}$"},
    description="a recording id: '{room}.{show_id}'")]
MerchantQuery = Annotated[str, Query(pattern=MERCHANT_ID_PATTERN, description="the merchant whose store to show")]


def money_schema(*, int_digits: int, positive: bool = False, maximum: int | None = None) -> dict[str, Any]:
    """The JSON Schema of an amount: a whole number, or a decimal string with at most 2 decimals.

    Pydantic's own schema for Decimal says only ``number | string``; this one says which strings and how
    large (the field's ``max_digits`` / limits still validate the request)."""
    whole = rf"[1-9][0-9]{{0,{int_digits - 1}}}"
    cents = r"(\.[0-9]{1,2})?"
    pattern = rf"^({whole}{cents}|0\.(0[1-9]|[1-9][0-9]?))$" if positive else rf"^(0|{whole}){cents}$"
    top = maximum if maximum is not None else 10**int_digits - 1
    return {"anyOf": [{"type": "integer", "minimum": 1 if positive else 0, "maximum": top},
                      {"type": "string", "pattern": pattern}]}


def money(*, int_digits: int, positive: bool = False, maximum: int | None = None) -> WithJsonSchema:
    return WithJsonSchema(money_schema(int_digits=int_digits, positive=positive, maximum=maximum))
