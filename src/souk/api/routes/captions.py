"""Live captions (docs/translation.md "Live captions"): the host turns them on or off for the show, a viewer
tells the server its caption language, and a replay reads the show's stored captions.

``POST /v1/live/{room}/captions`` (host side) ``{"enabled": true, "lang": "en"}`` (``lang``: the speakers'
language, detected per utterance when left out); ``GET`` the same path: the state; ``POST
/v1/live/{room}/captions/language`` ``{"lang": "es"}`` (any token for the room, repeated while watching);
``GET /v1/replays/{id}/captions?lang=es``; ``POST``/``GET /v1/voice-rooms/{room}/captions`` for a voice room's
mix (its listeners pick their language through the same ``captions/language`` route). Captions arrive on the room's RTM channel as ``system`` messages
of ``type`` ``caption``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import RecordingId
from souk.api.params import RoomId as RoomPath
from souk.api.routes.replay import REPLAY, replays
from souk.api.routes.stage import SHOW_HOST, require_show_host
from souk.api.routes.voice_rooms import VoiceRoomId
from souk.api.routes.voice_rooms import require_host as require_voice_host
from souk.core.errors import Unavailable
from souk.live.captions import CaptionService

router = APIRouter()

LANG = r"^[a-z]{2}$"
OFF = {503: ["captions_unavailable"]}  # captions not served by this process (or no speech model: on only)


def captions(ctx: AppContext) -> CaptionService:
    if ctx.captions is None:
        raise Unavailable("live captions are not running", code="captions_unavailable")
    return ctx.captions


class CaptionsIn(BaseModel):
    enabled: bool
    lang: str | None = Field(default=None, pattern=LANG, description="the speakers' language; None: detected")


class LanguageIn(BaseModel):
    lang: str = Field(pattern=LANG, description="the caption language this viewer reads (ISO 639-1)")


@router.post("/v1/live/{room}/captions", responses=errors(SHOW_HOST, OFF, {
    409: ["show_not_live"], 503: ["media_unavailable", "captions_busy"]}))
async def captions_set(room: RoomPath, body: CaptionsIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Turn the show's captions on (loads the speech model on first use) or off."""
    require_show_host(claims, room, "turn captions on or off")
    return await captions(ctx).set_enabled(claims.merchant_id, room, body.enabled, lang=body.lang)


@router.get("/v1/live/{room}/captions", responses=errors({403: ["wrong_room"]}, OFF))
async def captions_get(room: RoomPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room)
    return captions(ctx).state(claims.merchant_id, room)


@router.post("/v1/live/{room}/captions/language", responses=errors({403: ["wrong_room"], 413: [
    "too_many_viewers", "too_many_caption_languages"]}, OFF))
async def captions_language(room: RoomPath, body: LanguageIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """This viewer reads captions in ``lang`` (lapses after ``ttl_s`` unless repeated)."""
    claims.require_room(room)
    return captions(ctx).choose_language(claims.merchant_id, room, claims.identity, body.lang)


@router.post("/v1/voice-rooms/{room_id}/captions", responses=errors(OFF, {
    403: ["wrong_room", "not_host"], 404: ["voice_room_not_found"], 409: ["voice_room_ended"],
    503: ["media_unavailable", "captions_busy", "voice_rooms_unavailable"]}))
async def voice_captions_set(room_id: VoiceRoomId, body: CaptionsIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Caption the voice room's mix (every seat; the captions' speaker is ``room``) or stop."""
    require_voice_host(claims, room_id, "turn captions on or off")
    return await captions(ctx).set_voice_enabled(claims.merchant_id, room_id, body.enabled, lang=body.lang)


@router.get("/v1/voice-rooms/{room_id}/captions", responses=errors({403: ["wrong_room"]}, OFF))
async def voice_captions_get(room_id: VoiceRoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    claims.require_room(room_id)
    return captions(ctx).state(claims.merchant_id, room_id)


@router.get("/v1/replays/{recording_id}/captions", responses=errors(REPLAY, OFF))
async def replay_captions(recording_id: RecordingId, claims: Claims, ctx: Ctx,
                          lang: str | None = Query(default=None, pattern=LANG)) -> dict[str, Any]:
    """The show's final captions at offsets from its start; with ``lang``, each in that language."""
    data = replays(ctx).manifest(claims, recording_id)
    show_id = str(data.get("show_id") or recording_id.split(".", 1)[-1])  # ids are "{room}.{show_id}"
    items = await captions(ctx).replay(claims.merchant_id, show_id, lang)
    return {"recording": recording_id, "lang": lang, "captions": items}
