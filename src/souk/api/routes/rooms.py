"""Rooms REST, tenant-scoped: create, get, list, close, participants.

Managing rooms takes a merchant API key or a staff token (room ``*``); reading one room (and its
participants) also works with an access token for that room.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import LOBBY_ROOM, Ctx, MerchantAuth, MerchantAuthDep, bearer, get_ctx, merchant_auth
from souk.api.context import AppContext
from souk.api.openapi import errors, raises
from souk.api.params import NOT_LOBBY, ROOM_ID_PATTERN, RoomId
from souk.auth.apikeys import PREFIX as API_KEY_PREFIX
from souk.core.errors import BadRequest, NotFound
from souk.core.tenancy import RoomKey
from souk.domain.rooms import Room, RoomKind, RoomStatus

router = APIRouter()

# token room values with a meaning of their own ("*" cannot pass the id pattern anyway)
RESERVED_ROOM_IDS = frozenset({LOBBY_ROOM})


class RoomCreate(BaseModel):
    kind: RoomKind
    # 'lobby' passes the pattern and answers 400 reserved_room_id; the schema says so with its "not"
    room_id: str | None = Field(default=None, min_length=3, max_length=64, pattern=ROOM_ID_PATTERN,
                                json_schema_extra=NOT_LOBBY)
    metadata: dict[str, Any] = Field(default_factory=dict)


class RoomOut(BaseModel):
    id: str
    kind: str
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    metadata: dict[str, Any]
    live_participants: int = 0

    @classmethod
    def of(cls, room: Room, live: int = 0) -> RoomOut:
        return cls(id=room.id, kind=room.kind.value, status=room.status.value, created_at=room.created_at,
                   closed_at=room.closed_at, metadata=dict(room.metadata), live_participants=live)


class ParticipantOut(BaseModel):
    identity: str
    role: str
    name: str
    joined_at: dt.datetime | None = None
    left_at: dt.datetime | None = None
    connected: bool = False
    publishing: bool = False
    audio_muted: bool = False
    video_muted: bool = False


@raises({401: ["token_missing", "token_invalid", "token_expired", "bad_api_key"],
         403: ["wrong_room", "staff_only"]})
async def room_reader(request: Request, room_id: RoomId, ctx: Annotated[AppContext, Depends(get_ctx)]) -> str:
    """The merchant id, for an API key / staff token, or an access token for exactly this room."""
    token = bearer(request)
    if token is not None and not token.startswith(API_KEY_PREFIX):
        claims = ctx.tokens.verify(token)
        if claims.room != "*":
            claims.require_room(room_id)
            return claims.merchant_id
    auth: MerchantAuth = await merchant_auth(request, ctx)
    return auth.merchant_id


RoomReader = Annotated[str, Depends(room_reader)]


@router.post("/v1/rooms", response_model=RoomOut, status_code=201,
             responses=errors({400: ["reserved_room_id"], 409: ["room_exists"]}))
async def create_room(body: RoomCreate, auth: MerchantAuthDep, ctx: Ctx) -> RoomOut:
    if body.room_id is not None and body.room_id.lower() in RESERVED_ROOM_IDS:
        raise BadRequest(f"room id {body.room_id!r} is reserved", code="reserved_room_id")
    room = await ctx.storage.rooms.create(auth.merchant_id, body.kind, room_id=body.room_id,
                                          metadata=body.metadata)
    return RoomOut.of(room)


@router.get("/v1/rooms", response_model=list[RoomOut])
async def list_rooms(
    auth: MerchantAuthDep, ctx: Ctx, status: RoomStatus | None = None, kind: RoomKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RoomOut]:
    rooms = await ctx.storage.rooms.list(auth.merchant_id, status=status, kind=kind, limit=limit)
    return [RoomOut.of(r, len(ctx.hub.participants(RoomKey(auth.merchant_id, r.id)))) for r in rooms]


@router.get("/v1/rooms/{room_id}", response_model=RoomOut, responses=errors({404: ["unknown_room"]}))
async def get_room(room_id: RoomId, merchant_id: RoomReader, ctx: Ctx) -> RoomOut:
    room = await _room(ctx, merchant_id, room_id)
    return RoomOut.of(room, len(ctx.hub.participants(RoomKey(merchant_id, room_id))))


@router.post("/v1/rooms/{room_id}/close", response_model=RoomOut,
             responses=errors({404: ["unknown_room"], 409: ["call_finished"]}),
             dependencies=[audited(merchant_auth, "room.close", "room", "room_id")])
async def close_room(room_id: RoomId, auth: MerchantAuthDep, ctx: Ctx) -> RoomOut:
    await _room(ctx, auth.merchant_id, room_id)  # another merchant's room: 404 unknown_room
    key = RoomKey(auth.merchant_id, room_id)
    call = ctx.calls.by_room(key)
    if call is not None:
        await ctx.calls.hangup(auth.merchant_id, call.id, call.seller or auth.actor)
    else:
        await ctx.closer.close_room(key, "closed")
    room = await ctx.storage.rooms.close(auth.merchant_id, room_id)
    return RoomOut.of(room)


@router.get("/v1/rooms/{room_id}/participants", response_model=list[ParticipantOut],
            responses=errors({404: ["unknown_room"]}))
async def participants(room_id: RoomId, merchant_id: RoomReader, ctx: Ctx,
                       present_only: bool = True) -> list[ParticipantOut]:
    await _room(ctx, merchant_id, room_id)
    live = {m.identity: m for m in ctx.hub.participants(RoomKey(merchant_id, room_id))}
    out = []
    for p in await ctx.storage.rooms.participants(merchant_id, room_id, present_only=present_only):
        m = live.get(p.identity)
        out.append(ParticipantOut(
            identity=p.identity, role=p.role, name=p.name, joined_at=p.joined_at, left_at=p.left_at,
            connected=m is not None and p.left_at is None, publishing=m is not None and m.feed_id is not None,
            audio_muted=bool(m and m.audio_muted), video_muted=bool(m and m.video_muted)))
    return out


async def _room(ctx: AppContext, merchant_id: str, room_id: str) -> Room:
    try:
        room: Room = await ctx.storage.rooms.get(merchant_id, room_id)
    except NotFound as exc:
        raise NotFound(f"no room {room_id!r}", code="unknown_room") from exc
    return room
