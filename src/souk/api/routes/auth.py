"""Access tokens.

``POST /v1/tokens`` (merchant API key: ``Authorization: Bearer sk_...``) mints a short-lived access token
for one identity, one room (or ``*`` for staff consoles, ``lobby`` for a shopper about to request a consult),
a role and optional explicit privileges. This is what a merchant's own backend calls.

``POST /v1/demo/tokens`` exists only when Settings.demo is true (``souk demo``): it hands the bundled demo
pages a shopper token (``lobby``), a seller console token (``*``, role agent) or a live-chat viewer token
(room ``live-demo``, role audience) or the live host's token (``host-demo`` in ``live-demo``, role host)
for the demo merchant
without an API key. Never enable demo mode on a public host.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import LOBBY_ROOM, ApiKeyMerchant, Ctx, api_key_merchant
from souk.api.limit_deps import limits_of
from souk.api.limits import Who, client_address
from souk.api.openapi import errors
from souk.api.params import CHANNEL_PATTERN
from souk.auth.tokens import ANY_ROOM, Privilege, Role
from souk.core.errors import BadRequest, NotFound, SoukError, Unavailable
from souk.core.ids import new_id

router = APIRouter()

DEMO_MERCHANT = "lumen"
DEMO_TTL_S = 2 * 3600
DEMO_LIVE_ROOM = "live-demo"  # the channel of the bundled live-room chat demo page


class TokenRequest(BaseModel):
    identity: str = Field(min_length=1, max_length=128)
    room: str = Field(min_length=1, max_length=128, json_schema_extra={
        "pattern": rf"^(\*|{CHANNEL_PATTERN[1:-1]})$",
        "description": "a room id, '*' (staff consoles: any room of the merchant) or 'lobby' (a shopper who may "
                       "only request a consult)"})
    role: Role
    # unknown names answer 400 bad_privilege (checked by the token service, not here)
    privileges: list[str] | None = Field(default=None, json_schema_extra={
        "items": {"type": "string", "enum": [p.value for p in Privilege]}})
    ttl_s: int | None = Field(default=None, ge=1, le=24 * 3600, description=(
        "seconds; at most auth.max_token_ttl_s (24 h by default; a lower setting answers 400 bad_ttl)"))
    name: str = Field(default="", max_length=80)
    # where the holder is, e.g. "ap-southeast": a live show's audience is placed on media nodes of that
    # region first when it spills over to edge nodes (janus.regions)
    region: str | None = Field(default=None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")


class TokenResponse(BaseModel):
    token: str
    identity: str
    room: str
    role: str
    merchant_id: str
    expires_in: int
    jti: str = ""  # the token's id: what POST /v1/tokens/revoke and `souk token revoke` take


@router.post("/v1/tokens", response_model=TokenResponse, responses=errors(
    {400: ["bad_privilege", "bad_ttl"], 429: ["rate_limited"]}))
async def mint_token(body: TokenRequest, merchant_id: ApiKeyMerchant, ctx: Ctx, request: Request) -> TokenResponse:
    await limits_of(ctx).mint(Who(merchant_id, "api-key", client_address(request)))
    token = ctx.tokens.mint(merchant_id=merchant_id, identity=body.identity, room=body.room, role=body.role,
                            privileges=body.privileges, ttl_s=body.ttl_s, name=body.name,
                            metadata={"region": body.region} if body.region else None)
    claims = ctx.tokens.verify(token)
    return TokenResponse(token=token, identity=claims.identity, room=claims.room, role=claims.role.value,
                         merchant_id=merchant_id, expires_in=int(claims.expires_at - claims.issued_at),
                         jti=claims.token_id)


class RevokeRequest(BaseModel):
    """One of: the token's id (``jti``, from the mint response) or the token itself."""

    # exactly one of the two (both or neither answer 400 revoke_what): the schema says so, for clients and
    # for the fuzzer's "valid request" (tests/integration/api/test_openapi_fuzz.py)
    model_config = {"json_schema_extra": {"oneOf": [
        {"required": ["jti"], "properties": {"jti": {"type": "string"}, "token": {"type": "null"}}},
        {"required": ["token"], "properties": {"token": {"type": "string"}, "jti": {"type": "null"}}}]}}

    jti: str | None = Field(default=None, min_length=1, max_length=128)
    token: str | None = Field(default=None, min_length=1, max_length=8192)


class RevokeResponse(BaseModel):
    jti: str
    revoked: bool  # False: it already was
    until: float  # unix time until which the id is kept (the token's expiry, or the longest TTL from now)


@router.post("/v1/tokens/revoke", response_model=RevokeResponse, responses=errors(
    {400: ["revoke_what"], 404: ["token_not_found"]}), dependencies=[audited(api_key_merchant, "token.revoke", "token")])
async def revoke_token(body: RevokeRequest, merchant_id: ApiKeyMerchant, ctx: Ctx) -> RevokeResponse:
    """Revoke one of the merchant's access tokens: it is refused from now on, and every socket it opened
    closes (4403 ``token_revoked``) on every node within Settings.limits.revocation_poll_s. Another merchant's
    token, or an id Souk never issued, is 404."""
    if (body.jti is None) == (body.token is None):
        raise BadRequest("give exactly one of jti or token", code="revoke_what")
    not_found = NotFound("no such token of this merchant", code="token_not_found")
    if body.token is not None:
        try:
            claims = ctx.tokens.decode_unchecked_expiry(body.token)
        except SoukError as exc:
            raise not_found from exc
        if claims.merchant_id != merchant_id or not claims.token_id:
            raise not_found
        jti, until = claims.token_id, claims.expires_at
    else:
        jti = body.jti or ""
        if not ctx.tokens.owns(merchant_id, jti):
            raise not_found
        until = ctx.clock.wall() + ctx.settings.auth.max_token_ttl_s  # outlives any token it could name
    if ctx.guard is None:
        raise Unavailable("the token guard is not running", code="guard_unavailable")
    added = await ctx.guard.revoke(jti, merchant_id, until)
    return RevokeResponse(jti=jti, revoked=added, until=until)


class DemoTokenRequest(BaseModel):
    as_: Literal["shopper", "seller", "viewer", "host"] = Field(alias="as")
    name: str = Field(default="", max_length=80)


@router.post("/v1/demo/tokens", response_model=TokenResponse, responses=errors(
    {404: ["demo_disabled"], 429: ["rate_limited"]}))
async def demo_token(body: DemoTokenRequest, ctx: Ctx, request: Request) -> TokenResponse:
    if not ctx.settings.demo:
        raise NotFound("demo tokens are only available in demo mode", code="demo_disabled")
    await limits_of(ctx).mint(Who(DEMO_MERCHANT, "demo", client_address(request)))
    if body.as_ == "shopper":
        identity, room, role = new_id("shopper"), LOBBY_ROOM, Role.MEMBER
        name = body.name or "Shopper"
    elif body.as_ == "viewer":
        identity, room, role = new_id("viewer"), DEMO_LIVE_ROOM, Role.AUDIENCE
        name = body.name or "Viewer"
    elif body.as_ == "host":
        identity, room, role = "host-demo", DEMO_LIVE_ROOM, Role.HOST
        name = body.name or "Lumen host"
    else:
        identity, room, role = "seller-demo", ANY_ROOM, Role.AGENT
        name = body.name or "Lumen seller"
    token = ctx.tokens.mint(merchant_id=DEMO_MERCHANT, identity=identity, room=room, role=role,
                            ttl_s=DEMO_TTL_S, name=name)
    return TokenResponse(token=token, identity=identity, room=room, role=role.value, merchant_id=DEMO_MERCHANT,
                         expires_in=DEMO_TTL_S, jti=ctx.tokens.verify(token).token_id)
