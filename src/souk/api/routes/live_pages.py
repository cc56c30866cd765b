"""Live show pages: the host studio (``/live/{room}/studio``) and the viewer page (``/live/{room}``).

The pages hold no secret: the access token comes in the URL fragment (``#token=...``), or, on a server in
demo mode, from ``POST /v1/demo/tokens`` (room ``live-demo``). Everything live (stage, commerce, chat) goes
through the REST, signaling and RTM APIs with that token.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from souk.api.auth import Ctx
from souk.api.openapi import errors
from souk.api.params import NOT_LOBBY, MerchantQuery
from souk.api.routes.auth import DEMO_MERCHANT
from souk.core.errors import BadRequest
from souk.web.render import call_panel_html, esc, page

log = logging.getLogger(__name__)
router = APIRouter()

_ROOM = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # room ids as POST /v1/rooms accepts them
# checked by _room() (400 bad_room, as the pages always answered), documented here
PageRoom = Annotated[str, Path(json_schema_extra={"pattern": _ROOM.pattern, **NOT_LOBBY})]
PAGE_ERRORS = errors({400: ["bad_room"], 404: ["merchant_not_found"]})


def _room(room: str) -> str:
    if not _ROOM.match(room) or room.lower() == "lobby":
        log.warning("live page for a bad room id %r refused", room[:70])
        raise BadRequest(f"not a room id: {room[:70]!r}", code="bad_room")
    return room


checked_room = _room  # the group call page (souk.api.routes.group_calls) checks its room the same way


@router.get("/live/{room}/studio", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def studio(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    products = await ctx.storage.catalog.list(m)
    rows = "".join(
        f'<li data-sku="{esc(p.sku)}" data-price="{esc(p.price)}"><span class="name">{esc(p.name("en"))}</span>'
        f'<span class="price">{esc(merchant.currency)} {esc(p.price)}</span><span class="stock">{esc(p.stock)}</span>'
        f'<button class="pin">Pin</button><button class="sale">Flash sale</button></li>'
        for p in products)
    return HTMLResponse(page("studio.html", room=_room(room), store_name=merchant.name, merchant_id=m,
                             products_html=rows, call_html=call_panel_html()))


@router.get("/live/{room}", response_class=HTMLResponse, responses=PAGE_ERRORS)
async def watch(room: PageRoom, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("watch.html", room=_room(room), store_name=merchant.name, merchant_id=m,
                             currency=merchant.currency, call_html=call_panel_html()))
