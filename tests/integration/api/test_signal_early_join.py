"""``/v1/signal?join=<room>``: the server joins the room as soon as the socket is up and sends the ``joined``
reply (id ``join``) right after the welcome, a round trip sooner than a ``join`` sent after it; a refused
early join is an ``error`` with that id, and the socket stays usable."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.fixtures.browser import Souk

pytestmark = [pytest.mark.janus]


async def until_id(ws: websockets.ClientConnection, id_: str) -> list[dict[str, object]]:
    """Every message up to the one with ``id_``, ``call`` events left out."""
    seen: list[dict[str, object]] = []
    while not seen or seen[-1].get("id") != id_:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if msg["type"] != "call":
            seen.append(msg)
    return seen


async def test_the_early_join_is_answered_right_after_the_welcome(souk_media: Souk) -> None:
    ctx, tokens = souk_media.ctx, souk_media.ctx.tokens
    call = await ctx.calls.request("lumen", shopper="shopper-1", product_sku="AP-1001", language="en")
    token = tokens.mint(merchant_id="lumen", identity="shopper-1", room=call.room_id, role="member")
    ws = await websockets.connect(f"{souk_media.ws_url}?token={token}&join={call.room_id}", open_timeout=10)
    try:
        welcome, joined = await until_id(ws, "join")  # nothing asked: the welcome, then the join's reply
        assert welcome["type"] == "welcome"
        assert joined["type"] == "joined" and joined["room"] == call.room_id
        assert [m.identity for state in ctx.hub.rooms.values() for m in state.members.values()] == ["shopper-1"]
        await ws.send(json.dumps({"type": "ping", "id": "p"}))  # the socket goes on as usual
        assert await until_id(ws, "p") == [{"type": "pong", "id": "p"}]
    finally:
        await ws.close()


async def test_a_refused_early_join_is_an_error_with_its_id_and_the_socket_stays(souk_media: Souk) -> None:
    ctx, tokens = souk_media.ctx, souk_media.ctx.tokens
    call = await ctx.calls.request("lumen", shopper="shopper-2", product_sku="AP-1001", language="en")
    token = tokens.mint(merchant_id="lumen", identity="shopper-2", room=call.room_id, role="member")
    ws = await websockets.connect(f"{souk_media.ws_url}?token={token}&join=someone-elses-room", open_timeout=10)
    try:
        refused = (await until_id(ws, "join"))[-1]
        assert refused["type"] == "error" and refused["code"] == "wrong_room", refused
        await ws.send(json.dumps({"type": "join", "room": call.room_id, "id": "j"}))
        assert (await until_id(ws, "j"))[-1]["type"] == "joined"
    finally:
        await ws.close()
