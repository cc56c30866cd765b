"""Recordings of live shows and their replay (see docs/live-recording.md).

``GET /v1/live/{room}/recordings`` (host side) lists the room's recordings with their status and reason;
``GET /v1/replays/{id}`` and ``GET /v1/replays/{id}/media/{name}`` (any access token for the room; Range
requests served by FileResponse) give the replay. Recording ids are ``"{room}.{show_id}"``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import RecordingId, RoomId
from souk.api.routes.live import CartIn, live
from souk.auth.tokens import ANY_ROOM, DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.errors import Forbidden, NotFound, SoukError, Unavailable
from souk.live.access import require_host
from souk.live.recording import Recorder
from souk.live.replay import assemble, decode
from souk.web.render import page

log = logging.getLogger(__name__)
router = APIRouter()

# what every replay call answers for a recording that is not there or not the token's room
REPLAY = {403: ["wrong_room"], 404: ["recording_not_found"], 503: ["recording_unavailable"]}


def recorder(ctx: AppContext) -> Recorder:
    if ctx.recorder is None:
        raise Unavailable("recording is not running", code="recording_unavailable")
    return ctx.recorder


def _public(data: dict[str, Any]) -> dict[str, Any]:
    started, ended = data.get("started_at"), data.get("ended_at")
    return {
        "id": data["id"], "room": data["room"], "title": data.get("title", ""), "status": data["status"],
        "reason": data.get("reason"), "started_at": started, "ended_at": ended,
        "duration_s": round(ended - started, 2) if started and ended else None,
        "participants": data.get("participants", []),
    }


@router.get("/v1/live/{room}/recordings", responses=errors(
    {403: ["wrong_room", "not_host"], 503: ["recording_unavailable"]}))
async def recordings(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    require_host(claims, room, "list recordings")
    return {"recordings": [_public(d) for d in recorder(ctx).list_room(claims.merchant_id, room)]}


@router.get("/v1/replays/{recording_id}", responses=errors(REPLAY))
async def replay(recording_id: RecordingId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    _, data = recorder(ctx).get(claims.merchant_id, recording_id)
    claims.require_room(data["room"])
    out = _public(data)
    main = next((p for p in out["participants"] if p.get("main")), None)
    out["video_url"] = f"/v1/replays/{recording_id}/media/{main['file']}" if main else None
    out["chapters"], out["chat"] = await _history(ctx, claims.merchant_id, data)
    return out


async def _history(ctx: AppContext, merchant_id: str, data: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Chapters and chat from the room channel's RTM history (the last 1000 messages); empty without RTM."""
    node = ctx.rtm
    if node is None or not data.get("started_at"):
        return [], []
    claims = AccessClaims(merchant_id=merchant_id, identity="live", room=ANY_ROOM, role=Role.SERVICE,
                          privileges=DEFAULT_PRIVILEGES[Role.SERVICE], expires_at=math.inf, name="live")
    try:
        raws = await node.service.history(claims, data["room"], since=None, limit=1000)
    except SoukError as exc:
        log.warning("replay %s: no RTM history: %s", data["id"], exc.message)
        return [], []
    return assemble(decode(raws), float(data["started_at"]), data.get("ended_at"))


@router.get("/v1/replays/{recording_id}/media/{name}", response_class=FileResponse,
            responses=errors(REPLAY, {404: ["replay_media_not_found"]}))
async def media(recording_id: RecordingId, name: str, claims: Claims, ctx: Ctx) -> FileResponse:
    folder, data = recorder(ctx).get(claims.merchant_id, recording_id)
    claims.require_room(data["room"])
    files = {p["file"] for p in data.get("participants", [])}
    if data["status"] != "ready" or name not in files:
        log.warning("replay %s: media %r refused (status %s)", recording_id, name, data["status"])
        raise NotFound("no such replay file", code="replay_media_not_found")
    return FileResponse(folder / name, media_type="video/webm")


@router.post("/v1/replays/{recording_id}/cart", responses=errors(REPLAY, {
    403: ["not_a_chapter"], 404: ["product_not_found"], 409: ["out_of_stock"], 413: ["cart_full", "cart_qty_limit"]}))
async def replay_cart_add(recording_id: RecordingId, body: CartIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Add a chapter's product to the viewer's cart of the room (checkout: POST /v1/live/{room}/checkout)."""
    _, data = recorder(ctx).get(claims.merchant_id, recording_id)
    claims.require_room(data["room"])
    chapters, _ = await _history(ctx, claims.merchant_id, data)
    if body.sku not in {c["sku"] for c in chapters}:
        log.warning("replay %s: %s tried to add %s, not a chapter; refused", recording_id, claims.identity, body.sku)
        raise Forbidden("only products shown in the replay's chapters may be added", code="not_a_chapter",
                        details={"sku": body.sku})
    return {"lines": await live(ctx).cart_add(claims, data["room"], body.sku, body.qty, require_pin=False)}


@router.get("/replay/{recording_id}", response_class=HTMLResponse)
async def replay_page(recording_id: str) -> HTMLResponse:
    """The replay page; its script takes the token from #token= (or a demo viewer token) and calls the API."""
    return HTMLResponse(page("replay.html", recording_id=recording_id[:200]))
