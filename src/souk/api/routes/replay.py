"""Recordings of live shows and their replay (see docs/live-recording.md).

``GET /v1/live/{room}/recordings`` (host side) lists the room's recordings with their status and reason;
``GET /v1/replays/{id}`` and ``GET /v1/replays/{id}/media/{name}`` (any access token for the room; Range
requests served by FileResponse) give the replay. Recording ids are ``"{room}.{show_id}"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import RecordingId, RoomId
from souk.api.routes.live import CartIn
from souk.api.sealed_media import sealed_response
from souk.core.errors import Unavailable
from souk.live.replays import ReplayService
from souk.web.render import page

router = APIRouter()

# what every replay call answers for a recording that is not there or not the token's room
REPLAY = {403: ["wrong_room"], 404: ["recording_not_found"], 503: ["recording_unavailable"]}


def replays(ctx: AppContext) -> ReplayService:
    if ctx.replays is None:
        raise Unavailable("recording is not running", code="recording_unavailable")
    return ctx.replays


@router.get("/v1/live/{room}/recordings", responses=errors(
    {403: ["wrong_room", "not_host"], 503: ["recording_unavailable"]}))
async def recordings(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"recordings": replays(ctx).recordings(claims, room)}


@router.get("/v1/replays/{recording_id}", responses=errors(REPLAY))
async def replay(recording_id: RecordingId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await replays(ctx).replay(claims, recording_id)


@router.get("/v1/replays/{recording_id}/media/{name}", response_class=FileResponse,
            responses=errors(REPLAY, {404: ["replay_media_not_found"]}))
async def media(recording_id: RecordingId, name: str, claims: Claims, ctx: Ctx, request: Request) -> Response:
    source = await replays(ctx).media(claims, recording_id, name)
    if isinstance(source, Path):
        return FileResponse(source, media_type="video/webm")
    # encrypted at rest (souk.privacy.vault): decrypted as it streams, byte ranges served
    return sealed_response(source, request.headers.get("range"), "video/webm")


@router.post("/v1/replays/{recording_id}/cart", responses=errors(REPLAY, {
    403: ["not_a_chapter"], 404: ["product_not_found"], 409: ["out_of_stock"], 413: ["cart_full", "cart_qty_limit"]}))
async def replay_cart_add(recording_id: RecordingId, body: CartIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Add a chapter's product to the viewer's cart of the room (checkout: POST /v1/live/{room}/checkout)."""
    return {"lines": await replays(ctx).add_to_cart(claims, recording_id, body.sku, body.qty)}


@router.get("/replay/{recording_id}", response_class=HTMLResponse)
async def replay_page(recording_id: str) -> HTMLResponse:
    """The replay page; its script takes the token from #token= (or a demo viewer token) and calls the API."""
    return HTMLResponse(page("replay.html", recording_id=recording_id[:200]))
