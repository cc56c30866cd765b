"""Group video calls over REST (docs/group-calls.md): the call's state, a screen-share token, host controls.

Every call takes an access token for the room (``Authorization: Bearer <jwt>``). Host controls (mute someone,
lower their hand, remove them, end the call) need the host role (or a moderator / a server token) and the
``moderate`` privilege, like a live show's stage. The room is a room of kind ``group`` (``POST /v1/rooms``);
joining, publishing, raised hands and the active speaker go over the signaling socket (souk.signal.group).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import MerchantQuery
from souk.api.params import RoomId as RoomPath
from souk.api.routes.auth import DEMO_MERCHANT
from souk.api.routes.live_pages import PAGE_ERRORS, PageRoom, checked_room
from souk.auth.tokens import AccessClaims, Privilege, Role
from souk.consult.group import GroupCalls, member_view
from souk.core.errors import Conflict, Forbidden
from souk.core.tenancy import RoomKey
from souk.signal import group
from souk.web.render import page

log = logging.getLogger(__name__)
router = APIRouter()

HOST_ROLES = frozenset({Role.HOST, Role.MODERATOR, Role.SERVICE})
HOST = {403: ["wrong_room", "not_host", "privilege_missing"]}
CALL = {404: ["room_not_found"], 409: ["not_group_call", "call_ended"]}
SCREEN_TTL_S = 4 * 3600


def calls(ctx: AppContext) -> GroupCalls:
    """The host's controls over this node's hub, media plane and room store (stateless: built per request)."""
    return GroupCalls(ctx.hub, ctx.media, ctx.storage.rooms, ctx.closer, ctx.guard)


def require_host(claims: AccessClaims, room: str, action: str) -> None:
    claims.require_room(room)
    if claims.role not in HOST_ROLES:
        log.warning("group call %s: %s (role %s) tried to %s; refused", room, claims.identity, claims.role.value,
                    action)
        raise Forbidden(f"only the call's host or a moderator may {action}", code="not_host",
                        details={"role": claims.role.value, "action": action})
    if not claims.can(Privilege.MODERATE):
        raise Forbidden(f"{action} needs the moderate privilege in the token", code="privilege_missing",
                        details={"privilege": Privilege.MODERATE.value, "action": action})


Identity = Field(min_length=1, max_length=128)


class WhoIn(BaseModel):
    identity: str = Identity


class MuteIn(BaseModel):
    identity: str = Identity
    kind: Literal["audio", "video"]
    muted: bool = True


@router.get("/v1/group-calls/{room}", responses=errors({403: ["wrong_room"]}, CALL))
async def call_get(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Who is in the call: on camera or sharing a screen, muted, hands raised."""
    claims.require_room(room)
    return await calls(ctx).view(claims.merchant_id, room)


@router.post("/v1/group-calls/{room}/screen-token", responses=errors(
    {403: ["wrong_room", "privilege_missing"], 409: ["screen_busy", "screen_of_screen"]}, CALL))
async def screen_token(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """A token for the caller's screen share: a second signaling connection of identity
    ``<identity>~screen`` that may only publish, in this room, for no longer than the caller's own token."""
    claims.require_room(room)
    claims.require(Privilege.PUBLISH)
    if group.is_screen(claims.identity):
        raise Conflict("a screen share cannot share a screen", code="screen_of_screen")
    await calls(ctx).call(claims.merchant_id, room)
    sharing = [x.identity for x in ctx.hub.participants(RoomKey(claims.merchant_id, room))
               if group.is_screen(x.identity) and x.identity != group.screen_of(claims.identity)]
    if sharing:  # the join refuses it too (souk.signal.group.admit): this answers before a token is made
        owner = group.owner_of(sharing[0])
        raise Conflict(f"{owner} is sharing a screen: one share at a time", code="screen_busy",
                       details={"sharing": owner})
    left = int(claims.expires_at - ctx.clock.wall())
    ttl = max(1, min(SCREEN_TTL_S, left, ctx.settings.auth.max_token_ttl_s))
    identity = group.screen_of(claims.identity)
    token = ctx.tokens.mint(merchant_id=claims.merchant_id, identity=identity, room=room, role=Role.MEMBER,
                            privileges=[Privilege.PUBLISH.value], ttl_s=ttl,
                            name=f"{claims.name or claims.identity} (screen)")
    return {"token": token, "identity": identity, "room": room, "expires_in": ttl}


@router.post("/v1/group-calls/{room}/mute", responses=errors(
    HOST, CALL, {404: ["not_in_call"], 409: ["not_publishing"], 503: ["media_unavailable"]}))
async def call_mute(room: RoomPath, body: MuteIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Mute (or unmute) someone's audio or video at the media server: they cannot undo it themselves."""
    require_host(claims, room, "mute someone")
    member = await calls(ctx).mute(claims.merchant_id, room, body.identity, body.kind, body.muted,
                                   by=claims.identity)
    return member_view(member)


@router.post("/v1/group-calls/{room}/lower-hand", responses=errors(HOST, CALL, {404: ["not_in_call"]}))
async def call_lower_hand(room: RoomPath, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_host(claims, room, "lower someone's hand")
    lowered = await calls(ctx).lower_hand(claims.merchant_id, room, body.identity, by=claims.identity)
    return {"identity": body.identity, "lowered": lowered}


@router.post("/v1/group-calls/{room}/remove", responses=errors(
    HOST, CALL, {404: ["not_in_call"], 409: ["remove_self"]}))
async def call_remove(room: RoomPath, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Take someone (and their screen share) out of the call; the tokens they joined with are revoked."""
    require_host(claims, room, "remove someone")
    removed = await calls(ctx).remove(claims.merchant_id, room, body.identity, by=claims.identity)
    return {"removed": removed}


@router.post("/v1/group-calls/{room}/end", responses=errors(HOST, CALL))
async def call_end(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """End the call for everyone: the room is closed, every member leaves with ``room.closed`` ``call_ended``."""
    require_host(claims, room, "end the call")
    closed = await calls(ctx).end(claims.merchant_id, room, by=claims.identity)
    return {"room": room, "status": closed.status.value}


@router.get("/call/{room}", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def call_page(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    """The group call page; the access token comes in the URL fragment (``#token=...``), never to the server."""
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("group_call.html", room=checked_room(room), store_name=merchant.name, merchant_id=m))
