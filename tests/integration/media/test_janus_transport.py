"""The WebSocket transport and client against a misbehaving Janus stand-in (a real WebSocket server).

Real Janus never sends bad JSON, so this stand-in plays it: garbage frames, wrong types, a dropped line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from websockets.asyncio.server import Server, ServerConnection, serve

from souk.core.errors import Timeout, Unavailable
from souk.media import messages as m
from souk.media.client import JanusConnection
from souk.media.errors import JanusError
from souk.media.transport import JANUS_PROTOCOL, connect_ws

pytestmark = pytest.mark.timeout(20)


async def _misbehave(ws: ServerConnection) -> None:
    async for raw in ws:
        req = json.loads(raw)
        tx = req["transaction"]
        if req["janus"] == "info":
            await ws.send("this is not json")
            await ws.send(json.dumps({"janus": "no-such-kind", "transaction": "other"}))
            await ws.send(json.dumps({"janus": "server_info", "transaction": tx, "name": "fake",
                                      "version_string": "1.1.2"}))
        elif req["janus"] == "create":
            await ws.send(json.dumps({"janus": "success", "transaction": tx, "data": {"id": "not-an-int"}}))
        elif req["janus"] == "keepalive":
            await ws.send('{"janus": "ack", "transaction": "' + tx + '"')  # truncated JSON, with our tx
        elif req["janus"] == "destroy":
            await ws.close()
            return
        # anything else: silence


@pytest_asyncio.fixture
async def fake_janus() -> AsyncIterator[str]:
    server: Server = await serve(_misbehave, "127.0.0.1", 0, subprotocols=[JANUS_PROTOCOL])  # type: ignore[list-item]
    port = next(iter(server.sockets)).getsockname()[1]
    yield f"ws://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_bad_json_is_counted_and_skipped(fake_janus: str) -> None:
    conn = await JanusConnection.open(fake_janus, api_secret="s", timeout=2.0)
    try:
        info = await conn.info()
        assert info.name == "fake"
        assert conn.bad_frames == 2 and conn.is_open
        with pytest.raises(JanusError, match="unexpected reply to create"):  # id is not a number
            await conn.create_session()
        with pytest.raises(m.BadMessage):  # truncated JSON still names our transaction: fails fast
            await conn.request(m.KeepAlive(transaction="", session_id=1), ack_final=True)
        with pytest.raises(Timeout):
            await conn.request(m.Hangup(transaction="", session_id=1, handle_id=2), timeout=0.3)
        assert (await conn.info()).name == "fake"  # still usable after all that
        with pytest.raises(Unavailable):  # the server drops the line
            await conn.request(m.DestroySession(transaction="", session_id=1))
        await asyncio.wait_for(conn.closed.wait(), 2)
    finally:
        await conn.aclose()


async def test_connect_errors_are_clear() -> None:
    with pytest.raises(Unavailable, match="cannot connect to Janus at ws://127.0.0.1:9"):
        await connect_ws("ws://127.0.0.1:9", timeout=1.0)
