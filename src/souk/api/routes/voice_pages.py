"""Voice room pages: the room (``/voice/{room}``: seats, talking rings, listeners, hand, chat, the pinned offer)
and the host view (``/voice/{room}/host``: the same room with seat controls, the hand queue, the merchant's products
to pin and the group-buy form).

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
from souk.web.render import esc, page

log = logging.getLogger(__name__)
router = APIRouter()


async def _page(ctx: Ctx, room: str, m: str, *, host: bool) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    room = _room(room)
    rows = ""
    if host:  # the products the host may pin (as the studio lists them); the pins API checks the host token
        rows = "".join(
            f'<li data-sku="{esc(p.sku)}" data-price="{esc(p.price)}"><span class="name">{esc(p.name("en"))}</span>'
            f'<span class="price">{esc(merchant.currency)} {esc(p.price)}</span><span class="stock">{esc(p.stock)}</span>'
            f'<button type="button" class="pin">Pin</button></li>'
            for p in await ctx.storage.catalog.list(m))
    return HTMLResponse(page("voiceroom.html", room=room, store_name=merchant.name, merchant_id=m,
                             view="host" if host else "room", products_html=rows))


@router.get("/voice/{room}", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def voice_room(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    return await _page(ctx, room, m, host=False)


@router.get("/voice/{room}/host", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def voice_host(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    return await _page(ctx, room, m, host=True)
