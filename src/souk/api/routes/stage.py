"""Live-room media over REST: the show, the stage (host, co-hosts, raised hands), host controls and PK.

Every call takes an access token for the room (``Authorization: Bearer <jwt>``). Host controls need the
room's host (or a moderator / a server token); co-hosts may not remove or mute each other. The routes check
who is asking and call :class:`souk.live.shows.ShowService`, which keeps the stage, the media plane, the
signaling sessions of the room and its RTM ``system`` announcements in step. See docs/live-stage.md.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.consent import check_wording, record_stage_consent, standing_consent
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import ROOM_ID_PATTERN
from souk.api.params import RoomId as RoomPath
from souk.auth.tokens import AccessClaims, Privilege, Role
from souk.core.errors import Forbidden, Unavailable
from souk.live.access import HOST_ROLES
from souk.live.shows import ShowService

log = logging.getLogger(__name__)
router = APIRouter()

SHOW_ROLES = frozenset({Role.HOST, Role.MODERATOR, Role.SERVICE})  # who runs the stage (not co-hosts)
# what the stage's checks answer (souk.live.stage): the host side only; a show that must be live; the stage
SHOW_HOST = {403: ["wrong_room", "not_host", "privilege_missing"]}
LIVE = {409: ["show_not_live"], 503: ["stage_unavailable"]}
ON_STAGE = {409: ["already_on_stage"]}


def shows(ctx: AppContext) -> ShowService:
    if ctx.shows is None:
        raise Unavailable("the live stage is not running", code="stage_unavailable")
    return ctx.shows


def require_show_host(claims: AccessClaims, room: str, action: str) -> None:
    claims.require_room(room)
    if claims.role not in SHOW_ROLES:
        log.warning("room %s: %s (role %s) tried to %s; refused", room, claims.identity, claims.role.value, action)
        raise Forbidden(f"only the host or a moderator may {action}", code="not_host",
                        details={"role": claims.role.value, "action": action})
    if not claims.can(Privilege.MODERATE):  # the role alone is not enough: a token minted without it may not
        log.warning("room %s: %s (role %s, no moderate privilege) tried to %s; refused", room, claims.identity,
                    claims.role.value, action)
        raise Forbidden(f"{action} needs the moderate privilege in the token", code="privilege_missing",
                        details={"privilege": Privilege.MODERATE.value, "action": action})


def show_view(ctx: AppContext, claims: AccessClaims, room: str) -> dict[str, Any]:
    """The asker's merchant's show in ``room`` (another merchant's room of the same id is another room)."""
    return shows(ctx).view(claims.merchant_id, room, for_host=claims.role in HOST_ROLES)


# ------------------------------------------------------------------ bodies


Identity = Field(min_length=1, max_length=128)
RoomId = Field(min_length=1, max_length=128, pattern=ROOM_ID_PATTERN)


class ShowIn(BaseModel):
    title: str = Field(default="", max_length=200)
    record: bool | None = None


class HandIn(BaseModel):
    note: str = Field(default="", max_length=140)


class WhoIn(BaseModel):
    identity: str = Identity


class AcceptIn(BaseModel):
    # true: agreed on the recording banner now; false: did not; left out: a standing yes given before counts
    consent_recording: bool | None = None
    # the recording banner the viewer answered (souk.domain.consent): its language and wording version
    language: Literal["en", "es", "zh", "ar", "id", "pt"] = "en"
    text_version: str | None = Field(default=None, min_length=1, max_length=64)


class MuteIn(BaseModel):
    identity: str = Identity
    kind: Literal["audio", "video"]
    muted: bool


class PkIn(BaseModel):
    room: str = RoomId


# ------------------------------------------------------------------ the show


@router.post("/v1/live/{room}/show", responses=errors(SHOW_HOST, {409: ["not_live_room", "room_closed"], 503: ["media_unavailable", "too_many_shows"]}))
async def show_start(room: RoomPath, body: ShowIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "start the show")
    await shows(ctx).go_live(claims.merchant_id, room, host=claims.identity, title=body.title, record=body.record)
    return show_view(ctx, claims, room)


@router.get("/v1/live/{room}/show", responses=errors({403: ["wrong_room"]}))
async def show_get(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    await shows(ctx).stage.refresh(claims.merchant_id, room)  # another node may have changed it just now
    return show_view(ctx, claims, room)


@router.post("/v1/live/{room}/show/end", responses=errors(SHOW_HOST, LIVE))
async def show_end(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "end the show")
    await shows(ctx).end(claims.merchant_id, room)
    return show_view(ctx, claims, room)


# ------------------------------------------------------------------ the stage


@router.post("/v1/live/{room}/stage/hand", responses=errors({403: ["wrong_room"], 413: ["too_many_hands"]}, LIVE, ON_STAGE))
async def hand_raise(room: RoomPath, body: HandIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    hand = await shows(ctx).raise_hand(claims.merchant_id, room, claims.identity, claims.name, body.note)
    return {"identity": hand.identity, "name": hand.name, "note": hand.note, "at": hand.at}


@router.delete("/v1/live/{room}/stage/hand", responses=errors({403: ["wrong_room"]}, LIVE))
async def hand_lower(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    return {"lowered": await shows(ctx).lower_hand(claims.merchant_id, room, claims.identity, claims.name)}


@router.post("/v1/live/{room}/stage/invite", responses=errors(SHOW_HOST, LIVE, ON_STAGE, {413: ["too_many_invites"]}))
async def stage_invite(room: RoomPath, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "invite someone on stage")
    await shows(ctx).invite(claims.merchant_id, room, body.identity, by=claims.identity)
    return {"invited": body.identity}


@router.post("/v1/live/{room}/stage/approve", responses=errors(SHOW_HOST, LIVE, ON_STAGE, {404: ["no_hand"]}))
async def stage_approve(room: RoomPath, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "approve a raised hand")
    hand = await shows(ctx).approve(claims.merchant_id, room, body.identity, by=claims.identity)
    return {"invited": hand.identity}


@router.post("/v1/live/{room}/stage/accept", responses=errors({403: ["wrong_room", "not_invited"], 404: ["not_invited"],
                    409: ["consent_required", "stage_full"]}, {404: ["unknown_text_version"]}, LIVE, ON_STAGE))
async def stage_accept(room: RoomPath, body: AcceptIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """The invited viewer accepts: the answer carries a co-host token for the room."""
    claims.require_room(room)
    consent = body.consent_recording
    if consent:  # the banner's wording must be one we showed (404 unknown_text_version), before going on stage
        check_wording(ctx, body.language, body.text_version)
    if consent is None:
        consent = await standing_consent(ctx, claims)
    show = await shows(ctx).accept(claims.merchant_id, room, claims.identity, claims.name,
                                   consent_recording=consent)
    if body.consent_recording and show.recording:
        await record_stage_consent(ctx, claims, body.language, body.text_version)
    token = ctx.tokens.mint(merchant_id=claims.merchant_id, identity=claims.identity, room=room, role=Role.COHOST,
                            name=claims.name)
    return {"token": token, "role": Role.COHOST.value, "identity": claims.identity, "recording": show.recording}


@router.post("/v1/live/{room}/stage/decline", responses=errors({403: ["wrong_room"], 404: ["not_invited"]}, LIVE))
async def stage_decline(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    await shows(ctx).decline(claims.merchant_id, room, claims.identity, claims.name)
    return {"declined": True}


@router.post("/v1/live/{room}/stage/remove", responses=errors(SHOW_HOST, LIVE, {404: ["not_on_stage"]}))
async def stage_remove(room: RoomPath, body: WhoIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "remove a co-host")
    await shows(ctx).off_stage(claims.merchant_id, room, body.identity, reason="removed", by=claims.identity)
    return {"removed": body.identity}


@router.post("/v1/live/{room}/stage/leave", responses=errors({403: ["wrong_room"], 404: ["not_on_stage"]}, LIVE))
async def stage_leave(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    await shows(ctx).off_stage(claims.merchant_id, room, claims.identity, reason="left", by=claims.identity)
    return {"left": True}


@router.post("/v1/live/{room}/stage/mute", responses=errors(SHOW_HOST, LIVE, {404: ["not_on_stage"], 409: ["not_publishing"],
                    503: ["media_unavailable"]}))
async def stage_mute(room: RoomPath, body: MuteIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "mute someone on stage")
    member = await shows(ctx).mute(claims.merchant_id, room, body.identity, body.kind, body.muted,
                                   by=claims.identity)
    return {"identity": body.identity, "audio_muted": member.audio_muted, "video_muted": member.video_muted}


# ------------------------------------------------------------------ PK


@router.post("/v1/live/{room}/pk", responses=errors(SHOW_HOST, LIVE, {404: ["partner_not_live"], 409: ["bad_pk", "partner_not_live", "pk_busy"]}))
async def pk_invite(room: RoomPath, body: PkIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "invite another room to a PK")
    other = await shows(ctx).pk_invite(claims.merchant_id, room, body.room, by=claims.identity)
    return {"pk": {"room": other.room_id, "host": other.host, "active": False}}


@router.post("/v1/live/{room}/pk/accept", responses=errors(SHOW_HOST, LIVE, {404: ["no_pk_invite"], 409: ["pk_busy"]}))
async def pk_accept(room: RoomPath, body: PkIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "accept a PK")
    inviter = await shows(ctx).pk_accept(claims.merchant_id, room, body.room)
    return {"pk": {"room": inviter.room_id, "host": inviter.host, "active": True}}


@router.delete("/v1/live/{room}/pk", responses=errors(SHOW_HOST, LIVE, {404: ["not_linked"]}))
async def pk_end(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_show_host(claims, room, "end a PK")
    link = await shows(ctx).pk_end(claims.merchant_id, room)
    return {"ended": link.partner}
