"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from souk.api.auth import Ctx
from souk.core.errors import SoukError

router = APIRouter()


@router.get("/healthz")
async def healthz(ctx: Ctx) -> dict[str, Any]:
    media_ok: bool | None = None
    if ctx.media is not None:
        try:
            media_ok = all(n.up for n in await ctx.media.health())
        except SoukError:  # reported, not raised: this is the health endpoint
            media_ok = False
    return {"ok": media_ok is not False, "media": media_ok, "rooms_live": len(ctx.hub.rooms)}
