"""Live-room media over REST: the show, the stage (host, co-hosts, raised hands), host controls and PK.

Every call takes an access token for the room (``Authorization: Bearer <jwt>``). Host controls need the
room's host (or a moderator / a server token); co-hosts may not remove or mute each other. Changes go out
as ``system`` messages on the room's RTM channel (the same publisher as live commerce), and to the media
plane and the signaling sessions of the room. See docs/live-stage.md.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.routes.live import RtmPublisher
from souk.signal import messages as m
from souk.auth.tokens import AccessClaims, Role
from souk.core.clock import SystemClock
from souk.core.errors import Conflict, Forbidden, NotFound, SoukError, Unavailable
from souk.domain.rooms import RoomKind
from souk.live.access import HOST_ROLES
from souk.live.stage import LiveStage, PkLink, Show

log = logging.getLogger(__name__)
router = APIRouter()

SHOW_ROLES = frozenset({Role.HOST, Role.MODERATOR, Role.SERVICE})  # who runs the stage (not co-hosts)


async def start(ctx: AppContext, stack: AsyncExitStack) -> None:
    ctx.stage = LiveStage(ctx.clock or SystemClock(), max_cohosts=ctx.settings.live.max_cohosts)


def stage_of(ctx: AppContext) -> LiveStage:
    if ctx.stage is None:
        raise Unavailable("the live stage is not running", code="stage_unavailable")
    stage: LiveStage = ctx.stage
    return stage


def require_show_host(claims: AccessClaims, room: str, action: str) -> None:
    claims.require_room(room)
    if claims.role not in SHOW_ROLES:
        log.warning("room %s: %s (role %s) tried to %s; refused", room, claims.identity, claims.role.value, action)
        raise Forbidden(f"only the host or a moderator may {action}", code="not_host",
                        details={"role": claims.role.value, "action": action})


async def announce(ctx: AppContext, merchant_id: str, room: str, body: dict[str, Any]) -> None:
    """An RTM system message on the room's channel; the stage change stands even when RTM is down."""
    try:
        await RtmPublisher(ctx).publish(merchant_id, room, body)
    except SoukError as exc:
        log.warning("room %s: could not announce %s: %s", room, body.get("type"), exc.message)


# ------------------------------------------------------------------ views


def show_view(ctx: AppContext, claims: AccessClaims, room: str) -> dict[str, Any]:
    stage = stage_of(ctx)
    state = stage.room(room)
    if state is not None and state.merchant_id != claims.merchant_id:
        log.warning("room %s: %s of merchant %s asked for another merchant's show; refused", room,
                    claims.identity, claims.merchant_id)
        raise Forbidden("this room belongs to another merchant", code="wrong_merchant")
    show = state.show if state else None
    members = {x.identity: x for x in ctx.hub.participants(room)}
    on_stage: list[tuple[str, str, str]] = []
    if show is not None and show.live and state is not None:
        host = members.get(show.host)
        on_stage.append((show.host, host.name if host else "", "host"))
        on_stage += [(who, name, "cohost") for who, name in state.cohosts.items()]
    out: dict[str, Any] = {
        "show_id": show.show_id if show else None,
        "status": state.status if state else "idle",
        "title": show.title if show else "",
        "started_at": show.started_at if show else None,
        "ended_at": show.ended_at if show else None,
        "recording": show.recording if show else False,
        "host": show.host if show else None,
        "stage": [_stage_entry(members.get(who), who, name, role) for who, name, role in on_stage],
        "pk": _pk_view(state.pk) if state is not None and state.pk is not None else None,
        "viewers": ctx.hub.viewers(room),
    }
    if claims.role in HOST_ROLES and state is not None:
        out["hands"] = [{"identity": h.identity, "name": h.name, "note": h.note, "at": h.at}
                        for h in state.hands.values()]
        out["invites"] = list(state.invites)
    return out


def _stage_entry(member: Any, identity: str, name: str, role: str) -> dict[str, Any]:
    return {"identity": identity, "name": name or (member.name if member else ""), "role": role,
            "audio_muted": bool(member and member.audio_muted), "video_muted": bool(member and member.video_muted),
            "publishing": bool(member and member.feed_id is not None)}


def _pk_view(link: PkLink) -> dict[str, Any]:
    return {"room": link.partner, "host": link.partner_host, "active": link.active}


def show_event(show: Show) -> dict[str, Any]:
    return {"show_id": show.show_id, "title": show.title, "started_at": show.started_at,
            "recording": show.recording}


# ------------------------------------------------------------------ bodies


Identity = Field(min_length=1, max_length=128)
RoomId = Field(min_length=1, max_length=128)


class ShowIn(BaseModel):
    title: str = Field(default="", max_length=200)
    record: bool | None = None


class HandIn(BaseModel):
    note: str = Field(default="", max_length=140)


class WhoIn(BaseModel):
    identity: str = Identity


class AcceptIn(BaseModel):
    consent_recording: bool = False


class MuteIn(BaseModel):
    identity: str = Identity
    kind: Literal["audio", "video"]
    muted: bool


class PkIn(BaseModel):
    room: str = RoomId


# ------------------------------------------------------------------ the show


async def ensure_live_room(ctx: AppContext, merchant_id: str, room: str) -> None:
    rooms = ctx.storage.rooms
    try:
        record = await rooms.get(merchant_id, room)
    except NotFound:
        try:
            record = await rooms.create(merchant_id, RoomKind.LIVE, room_id=room)
        except Conflict:  # created by a concurrent call
            record = await rooms.get(merchant_id, room)
    if record.kind is not RoomKind.LIVE:
        log.warning("room %s: show start refused: a %s room", room, record.kind.value)
        raise Conflict(f"room {room!r} is a {record.kind.value} room, not a live room", code="not_live_room")
    if not record.is_open:
        log.warning("room %s: show start refused: the room is closed", room)
        raise Conflict(f"room {room!r} is closed", code="room_closed")


@router.post("/v1/live/{room}/show")
async def show_start(room: str, body: ShowIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "start the show")
    stage = stage_of(ctx)
    current = stage.live_show(room)
    if current is None:
        await ensure_live_room(ctx, claims.merchant_id, room)
        if ctx.media is None:
            raise Unavailable("no media plane is running", code="media_unavailable")
        await ctx.media.ensure_room(room, kind="live", max_publishers=stage.max_publishers,
                                    description=f"souk live {room}")
    record = ctx.settings.live.record_by_default if body.record is None else body.record
    show, created = await stage.start_show(claims.merchant_id, room, host=claims.identity, title=body.title,
                                           record=record)
    if created:
        await announce(ctx, show.merchant_id, room, {"type": "show_start", **show_event(show)})
    return show_view(ctx, claims, room)


@router.get("/v1/live/{room}/show")
async def show_get(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    return show_view(ctx, claims, room)


@router.post("/v1/live/{room}/show/end")
async def show_end(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "end the show")
    stage = stage_of(ctx)
    show, link = stage.end_show(claims.merchant_id, room)
    await announce(ctx, show.merchant_id, room, {"type": "show_end", "show_id": show.show_id,
                                                 "ended_at": show.ended_at})
    if link is not None:
        await _pk_over(ctx, show.merchant_id, room, link)
    await ctx.hub.close_room(room, "show_ended")
    if ctx.media is not None:
        try:
            await ctx.media.destroy_room(room)
        except SoukError as exc:
            log.warning("room %s: destroying the media room failed: %s", room, exc.message)
    await stage.show_over(show)
    return show_view(ctx, claims, room)


# ------------------------------------------------------------------ the stage


@router.post("/v1/live/{room}/stage/hand")
async def hand_raise(room: str, body: HandIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    hand = stage_of(ctx).raise_hand(claims.merchant_id, room, claims.identity, claims.name, body.note)
    await announce(ctx, claims.merchant_id, room, {"type": "hand_raised", "identity": hand.identity,
                                                   "name": hand.name, "note": hand.note})
    return {"identity": hand.identity, "name": hand.name, "note": hand.note, "at": hand.at}


@router.delete("/v1/live/{room}/stage/hand")
async def hand_lower(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    lowered = stage_of(ctx).lower_hand(claims.merchant_id, room, claims.identity)
    if lowered:
        await announce(ctx, claims.merchant_id, room, {"type": "hand_lowered", "identity": claims.identity,
                                                       "name": claims.name})
    return {"lowered": lowered}


@router.post("/v1/live/{room}/stage/invite")
async def stage_invite(room: str, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "invite someone on stage")
    stage_of(ctx).invite(claims.merchant_id, room, body.identity)
    await announce(ctx, claims.merchant_id, room, {"type": "stage_invite", "identity": body.identity,
                                                   "by": claims.identity})
    return {"invited": body.identity}


@router.post("/v1/live/{room}/stage/approve")
async def stage_approve(room: str, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "approve a raised hand")
    hand = stage_of(ctx).approve(claims.merchant_id, room, body.identity)
    await announce(ctx, claims.merchant_id, room, {"type": "stage_invite", "identity": hand.identity,
                                                   "name": hand.name, "by": claims.identity})
    return {"invited": hand.identity}


@router.post("/v1/live/{room}/stage/accept")
async def stage_accept(room: str, body: AcceptIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    show = stage_of(ctx).accept(claims.merchant_id, room, claims.identity, claims.name,
                                consent_recording=body.consent_recording)
    token = ctx.tokens.mint(merchant_id=claims.merchant_id, identity=claims.identity, room=room, role=Role.COHOST,
                            name=claims.name)
    await announce(ctx, claims.merchant_id, room, {"type": "stage_joined", "identity": claims.identity,
                                                   "name": claims.name})
    return {"token": token, "role": Role.COHOST.value, "identity": claims.identity, "recording": show.recording}


@router.post("/v1/live/{room}/stage/decline")
async def stage_decline(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    stage_of(ctx).decline(claims.merchant_id, room, claims.identity)
    await announce(ctx, claims.merchant_id, room, {"type": "stage_declined", "identity": claims.identity,
                                                   "name": claims.name})
    return {"declined": True}


async def _off_stage(ctx: AppContext, merchant_id: str, room: str, identity: str, reason: str, by: str) -> None:
    stage_of(ctx).remove(merchant_id, room, identity)
    member = ctx.hub.member(room, identity)
    if member is not None and member.feed_id is not None and ctx.media is not None:
        try:
            await ctx.media.kick(room, member.feed_id)
        except SoukError as exc:  # dropping the publisher below closes it anyway
            log.warning("room %s: kicking %s's feed failed: %s", room, identity, exc.message)
    if member is not None:
        await member.session.leave_stage(reason)
    log.info("room %s: %s off stage (%s by %s)", room, identity, reason, by)
    await announce(ctx, merchant_id, room, {"type": "stage_left", "identity": identity, "reason": reason,
                                            "by": by})


@router.post("/v1/live/{room}/stage/remove")
async def stage_remove(room: str, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "remove a co-host")
    await _off_stage(ctx, claims.merchant_id, room, body.identity, "removed", claims.identity)
    return {"removed": body.identity}


@router.post("/v1/live/{room}/stage/leave")
async def stage_leave(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    await _off_stage(ctx, claims.merchant_id, room, claims.identity, "left", claims.identity)
    return {"left": True}


@router.post("/v1/live/{room}/stage/mute")
async def stage_mute(room: str, body: MuteIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "mute someone on stage")
    stage_of(ctx).require_on_stage(claims.merchant_id, room, body.identity)
    member = ctx.hub.member(room, body.identity)
    if member is None or member.feed_id is None:
        log.warning("room %s: mute of %s refused: not publishing", room, body.identity)
        raise Conflict(f"{body.identity} is not publishing", code="not_publishing")
    if ctx.media is None:
        raise Unavailable("no media plane is running", code="media_unavailable")
    await ctx.media.moderate(room, member.feed_id, **{body.kind: not body.muted})
    setattr(member, f"{body.kind}_muted", body.muted)
    ctx.hub.broadcast(room, m.MediaState(participant=body.identity, audio_muted=member.audio_muted,
                                         video_muted=member.video_muted))
    await announce(ctx, claims.merchant_id, room, {"type": "stage_muted", "identity": body.identity,
                                                   "kind": body.kind, "muted": body.muted, "by": claims.identity})
    return {"identity": body.identity, "audio_muted": member.audio_muted, "video_muted": member.video_muted}


# ------------------------------------------------------------------ PK


@router.post("/v1/live/{room}/pk")
async def pk_invite(room: str, body: PkIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "invite another room to a PK")
    stage = stage_of(ctx)
    other = stage.pk_invite(claims.merchant_id, room, body.room)
    mine = stage.live_show(room)
    await announce(ctx, other.merchant_id, other.room_id, {
        "type": "pk_invite", "room": room, "host": mine.host if mine else claims.identity,
        "title": mine.title if mine else ""})
    return {"pk": {"room": other.room_id, "host": other.host, "active": False}}


@router.post("/v1/live/{room}/pk/accept")
async def pk_accept(room: str, body: PkIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "accept a PK")
    inviter, mine = stage_of(ctx).pk_accept(claims.merchant_id, room, body.room)
    event = {"type": "pk_start", "rooms": [inviter.room_id, mine.room_id], "hosts": [inviter.host, mine.host]}
    await announce(ctx, inviter.merchant_id, inviter.room_id, event)
    await announce(ctx, mine.merchant_id, mine.room_id, event)
    return {"pk": {"room": inviter.room_id, "host": inviter.host, "active": True}}


@router.delete("/v1/live/{room}/pk")
async def pk_end(room: str, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "end a PK")
    link = stage_of(ctx).pk_end(claims.merchant_id, room)
    await _pk_over(ctx, claims.merchant_id, room, link)
    return {"ended": link.partner}


async def _pk_over(ctx: AppContext, merchant_id: str, room: str, link: PkLink) -> None:
    ctx.hub.unlink(room, link.partner)
    event = {"type": "pk_end", "rooms": [room, link.partner]}
    await announce(ctx, merchant_id, room, event)
    await announce(ctx, link.partner_merchant, link.partner, event)
