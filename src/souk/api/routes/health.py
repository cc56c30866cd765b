"""Liveness and readiness (docs/operate.md).

``/healthz``: the process is up (and how its media plane looks). ``/readyz``: ready to serve: the database,
Redis when configured, every Janus node of the media plane, and the model files of the voice services this
process runs, each with its status and time (souk.ops.health, the same checks as ``souk doctor``); any
required component down answers 503. Both stay unauthenticated (load balancers and orchestrators probe
them) and out of the OpenAPI document's integration API for /readyz: they reveal no merchant data.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from souk.api.auth import Ctx
from souk.api.context import AppContext
from souk.core.errors import SoukError
from souk.ops.health import Component, Readiness, check_database, check_janus, check_models, check_redis

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


async def readiness(ctx: AppContext) -> Readiness:
    settings = ctx.settings
    checks: list[Any] = [check_redis(settings.redis_url)]
    if ctx.core is not None:
        checks.append(check_database(ctx.storage))
    if ctx.media is not None:
        checks.append(check_janus(ctx.media.health))
    results = await asyncio.gather(*checks)
    components: list[Component] = []
    for r in results:
        if isinstance(r, list):
            components.extend(r)
        elif r is not None:
            components.append(r)
    if ctx.voice is not None or ctx.attendant is not None:  # the voice services need their offline models
        components.extend(await asyncio.to_thread(check_models, settings, verify=False, required=True))
    return Readiness(tuple(components))


@router.get("/readyz", include_in_schema=False)
async def readyz(ctx: Ctx) -> JSONResponse:
    ready = await readiness(ctx)
    return JSONResponse(ready.as_dict(), status_code=200 if ready.ready else 503)
