"""Voice room pages: the room (``/voice/{room}``: seats, talking rings, listeners, hand, chat, the pinned offer)
and the host view (``/voice/{room}/host``: the same room with seat controls and the hand queue).

The pages hold no secret: the access token comes in the URL fragment (``#token=...``). Everything goes through
the voice-room REST API, the signaling socket (the voice plane) and RTM with that token; the host view only
shows controls, the API decides who may use them.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from souk.api.auth import Ctx
from souk.api.params import MerchantQuery
from souk.api.routes.auth import DEMO_MERCHANT
from souk.api.routes.live_pages import PAGE_ERRORS, PageRoom, _room
from souk.web.render import page

log = logging.getLogger(__name__)
router = APIRouter()


async def _page(ctx: Ctx, room: str, m: str, *, host: bool) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("voiceroom.html", room=_room(room), store_name=merchant.name, merchant_id=m,
                             view="host" if host else "room"))


@router.get("/voice/{room}", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def voice_room(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    return await _page(ctx, room, m, host=False)


@router.get("/voice/{room}/host", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def voice_host(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    return await _page(ctx, room, m, host=True)
