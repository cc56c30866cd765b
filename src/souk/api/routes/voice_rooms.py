"""Voice rooms over REST (issue 15): open and end a room, read it, and every seat operation.

- ``POST /v1/voice-rooms`` (API key or staff token) opens a room for a host identity; ``POST
  /v1/voice-rooms/{room}/open`` lets the room's host token open it for itself.
- ``GET /v1/voice-rooms/{room}``: any token of the room (listeners too), or a key / staff token.
- ``POST /v1/voice-rooms/{room}/actions``: one seat operation, ``{"op": ...}`` (take, leave, raise_hand,
  lower_hand, invite, answer, cancel_invite, lock, mute, kick, move, resize). Host operations need the host
  side of the room: role host, moderator or service with the moderate privilege in the token.
- ``POST /v1/voice-rooms/{room}/end``: the host token, or a key / staff token.

The routes only check who asks and translate the body; souk.voice.service.VoiceRooms does the rest. Every
change is announced on the room's RTM channel (``seats`` and ``talking`` system messages, docs/voice-rooms.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from souk.api.auth import TOKEN_ERRORS, Claims, Ctx, MerchantAuthDep, key_or_token, require_staff
from souk.api.consent import check_wording, consent_service, customer_of
from souk.api.context import AppContext
from souk.api.openapi import errors, raises
from souk.api.params import NOT_LOBBY, not_lobby
from souk.auth.tokens import ANY_ROOM, AccessClaims, Privilege, Role
from souk.core.errors import Conflict, Unavailable
from souk.core.ids import new_id
from souk.domain.consent import Channel, ConsentKind
from souk.domain.seats import (
    MAX_NAME,
    MAX_SEATS,
    Actor,
    AnswerInvite,
    CancelInvite,
    InviteToSeat,
    Kick,
    LeaveSeat,
    LockSeat,
    LowerHand,
    Move,
    Mute,
    Op,
    RaiseHand,
    Resize,
    TakeSeat,
    not_host,
)
from souk.domain.voice_rooms import MAX_TITLE, VoiceRoomSpec
from souk.voice.service import VoiceRooms, room_view

router = APIRouter()

HOST_ROLES = frozenset({Role.HOST, Role.MODERATOR, Role.SERVICE})
VOICE_ROOM_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"  # room ids as POST /v1/rooms makes them (rooms.id)
VoiceRoomId = Annotated[str, Path(pattern=VOICE_ROOM_PATTERN, json_schema_extra=NOT_LOBBY, description=(
    "a voice room id: 1-64 letters, digits, '_' or '-'; not 'lobby'")), AfterValidator(not_lobby)]

UNAVAILABLE = {503: ["voice_rooms_unavailable", "media_unavailable"]}
NOT_FOUND = {404: ["voice_room_not_found"]}
RULES = {403: ["wrong_room", "not_host", "invite_only", "listener_only"],
         409: ["seat_taken", "seat_locked", "already_seated", "not_seated", "seats_full", "hands_full",
               "invites_full", "no_invite", "seats_occupied", "no_such_seat", "room_ended"],
         503: ["seats_busy"]}
OPEN = {409: ["room_exists"], 403: ["wrong_room", "not_host"]}
CONSENT = {409: ["consent_required"], 404: ["unknown_text_version"], 400: ["bad_subject"]}

Seat = Field(ge=0, le=MAX_SEATS - 1)
Who = Field(min_length=1, max_length=128)
AnySeat = Field(default=None, ge=0, le=MAX_SEATS - 1, description="a seat number; none: the first free one")
Self = Field(default=None, min_length=1, max_length=128, description="another identity (host only); none: yourself")


def voice(ctx: AppContext) -> VoiceRooms:
    if ctx.voice_rooms is None:
        raise Unavailable("voice rooms are not running", code="voice_rooms_unavailable")
    return ctx.voice_rooms


def is_host(claims: AccessClaims) -> bool:
    return claims.role in HOST_ROLES and claims.can(Privilege.MODERATE)


def actor(claims: AccessClaims) -> Actor:
    return Actor(identity=claims.identity, name=(claims.name or claims.identity)[:MAX_NAME], host=is_host(claims),
                 may_seat=claims.role is not Role.GUEST)


def require_host(claims: AccessClaims, room_id: str, action: str) -> None:
    claims.require_room(room_id)
    if not is_host(claims):
        raise not_host(action)


# ------------------------------------------------------------------ bodies


class _Settings(BaseModel):
    title: str = Field(default="", max_length=MAX_TITLE)
    seats: int = Field(default=8, ge=1, le=MAX_SEATS, description="speakers' seats besides the host")
    free_seating: bool = Field(default=False, description="listeners may take a free seat without invitation")
    record: bool = Field(default=False, description="record the room's mix")


class OpenIn(_Settings):
    pass


class CreateIn(_Settings):
    room_id: str | None = Field(default=None, min_length=3, max_length=64, pattern=VOICE_ROOM_PATTERN,
                                json_schema_extra=NOT_LOBBY)
    host_identity: str = Who


class _Consent(BaseModel):
    # a recorded room (souk.voice.service): true: agreed on the recording banner now (stored, channel
    # voice_room); false: did not (refused in a recorded room); left out: a standing yes given before counts
    consent_recording: bool | None = None
    # the recording banner the listener answered (souk.domain.consent): its language and wording version
    language: Literal["en", "es", "zh", "ar", "id", "pt"] = "en"
    text_version: str | None = Field(default=None, min_length=1, max_length=64)


class TakeIn(_Consent):
    op: Literal["take"]
    seat: int | None = AnySeat


class LeaveIn(BaseModel):
    op: Literal["leave"]


class RaiseIn(BaseModel):
    op: Literal["raise_hand"]


class LowerIn(BaseModel):
    op: Literal["lower_hand"]
    identity: str | None = Self


class InviteIn(BaseModel):
    op: Literal["invite"]
    identity: str = Who
    name: str = Field(default="", max_length=MAX_NAME)
    seat: int | None = AnySeat


class AnswerIn(_Consent):
    op: Literal["answer"]
    accept: bool


class CancelIn(BaseModel):
    op: Literal["cancel_invite"]
    identity: str = Who


class LockIn(BaseModel):
    op: Literal["lock"]
    seat: int = Seat
    locked: bool = True


class MuteIn(BaseModel):
    op: Literal["mute"]
    muted: bool
    identity: str | None = Self


class KickIn(BaseModel):
    op: Literal["kick"]
    identity: str = Who


class MoveIn(BaseModel):
    op: Literal["move"]
    to: int = Seat
    identity: str | None = Self


class ResizeIn(BaseModel):
    op: Literal["resize"]
    count: int = Field(ge=1, le=MAX_SEATS)


ActionIn = Annotated[TakeIn | LeaveIn | RaiseIn | LowerIn | InviteIn | AnswerIn | CancelIn | LockIn | MuteIn
                     | KickIn | MoveIn | ResizeIn, Field(discriminator="op")]


def to_op(body: Any) -> Op:
    match body:
        case TakeIn(seat=seat):
            return TakeSeat(seat)
        case LeaveIn():
            return LeaveSeat()
        case RaiseIn():
            return RaiseHand()
        case LowerIn(identity=who):
            return LowerHand(who)
        case InviteIn(identity=who, name=name, seat=seat):
            return InviteToSeat(who, name, seat)
        case AnswerIn(accept=accept):
            return AnswerInvite(accept)
        case CancelIn(identity=who):
            return CancelInvite(who)
        case LockIn(seat=seat, locked=locked):
            return LockSeat(seat, locked)
        case MuteIn(muted=muted, identity=who):
            return Mute(muted, who)
        case KickIn(identity=who):
            return Kick(who)
        case MoveIn(to=to, identity=who):
            return Move(to, who)
        case ResizeIn(count=count):
            return Resize(count)
    raise TypeError(f"unknown action {body!r}")  # pragma: no cover: the union is exhaustive


# ------------------------------------------------------------------ routes


@router.post("/v1/voice-rooms", status_code=201, responses=errors(OPEN, UNAVAILABLE))
async def create(body: CreateIn, auth: MerchantAuthDep, ctx: Ctx) -> dict[str, Any]:
    spec = VoiceRoomSpec(host_identity=body.host_identity, title=body.title, seats=body.seats,
                         free_seating=body.free_seating, record=body.record)
    room = await voice(ctx).open(auth.merchant_id, body.room_id or new_id("voice"), spec)
    return room_view(room)


@router.post("/v1/voice-rooms/{room_id}/open", status_code=201, responses=errors(OPEN, UNAVAILABLE))
async def open_room(room_id: VoiceRoomId, body: OpenIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_host(claims, room_id, "open the voice room")
    spec = VoiceRoomSpec(host_identity=claims.identity, title=body.title, seats=body.seats,
                         free_seating=body.free_seating, record=body.record)
    return room_view(await voice(ctx).open(claims.merchant_id, room_id, spec))


@router.get("/v1/voice-rooms", responses=errors(UNAVAILABLE))
async def list_rooms(auth: MerchantAuthDep, ctx: Ctx, live: bool = True,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return [room_view(r) for r in await voice(ctx).list(auth.merchant_id, live_only=live, limit=limit)]


@raises(TOKEN_ERRORS, {401: ["bad_api_key"]}, {403: ["wrong_room", "staff_only"]})
async def reader(request: Request, room_id: VoiceRoomId, ctx: Ctx) -> str:
    """The merchant, for an API key, a staff token, or any token of this room (listeners too)."""
    merchant, claims = await key_or_token(request, ctx)
    if claims is not None:
        if claims.room == ANY_ROOM:
            require_staff(claims)
        else:
            claims.require_room(room_id)
    return merchant


@raises(TOKEN_ERRORS, {401: ["bad_api_key"]}, {403: ["wrong_room", "not_host", "staff_only"]})
async def host_or_merchant(request: Request, room_id: VoiceRoomId, ctx: Ctx) -> str:
    """The merchant, for an API key, a staff token, or the room's host token."""
    merchant, claims = await key_or_token(request, ctx)
    if claims is not None:
        if claims.room == ANY_ROOM:
            require_staff(claims)
        else:
            require_host(claims, room_id, "end the voice room")
    return merchant


@router.get("/v1/voice-rooms/{room_id}", responses=errors(NOT_FOUND, UNAVAILABLE))
async def get(room_id: VoiceRoomId, merchant: Annotated[str, Depends(reader)], ctx: Ctx) -> dict[str, Any]:
    return room_view(await voice(ctx).get(merchant, room_id))


@router.post("/v1/voice-rooms/{room_id}/actions", responses=errors(NOT_FOUND, RULES, UNAVAILABLE, CONSENT))
async def act(room_id: VoiceRoomId, body: ActionIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room_id)
    rooms = voice(ctx)
    if isinstance(body, TakeIn) or (isinstance(body, AnswerIn) and body.accept):
        await seat_consent(ctx, rooms, claims, room_id, body)
    room = await rooms.act(claims.merchant_id, room_id, actor(claims), to_op(body))
    return room_view(room)


async def seat_consent(ctx: AppContext, rooms: VoiceRooms, claims: AccessClaims, room_id: str, body: _Consent) -> None:
    """The recording banner's answer of a listener taking a seat: a yes is stored (after its wording is checked)
    before the seat is taken, so the seat rules see it; a no in a recorded room is 409 consent_required."""
    if body.consent_recording is None:
        return  # a standing yes counts (souk.voice.service checks it)
    if not body.consent_recording:
        if (await rooms.get(claims.merchant_id, room_id)).record and not is_host(claims):
            raise Conflict("this room is recorded: agree to be recorded to take a seat", code="consent_required")
        return
    check_wording(ctx, body.language, body.text_version)
    await consent_service(ctx).answer(claims.merchant_id, claims.identity, ConsentKind.RECORDING, True,
                                      channel=Channel.VOICE_ROOM, language=body.language,
                                      text_version=body.text_version, customer_id=customer_of(claims))


@router.post("/v1/voice-rooms/{room_id}/end", responses=errors(NOT_FOUND, UNAVAILABLE))
async def end(room_id: VoiceRoomId, merchant: Annotated[str, Depends(host_or_merchant)], ctx: Ctx) -> dict[str, Any]:
    return room_view(await voice(ctx).end(merchant, room_id))
