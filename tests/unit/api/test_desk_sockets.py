"""The desk sockets' senders cut a client that does not read: a feed that overflowed, or a frame the client
has not taken within the send timeout, ends the socket with 4429 ``slow_consumer``; a feed that closes
normally ends nothing. And the composition root builds the desk after the assistant, hooked to it."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from souk.api import ws as ws_helpers
from souk.api.bootstrap import provide
from souk.api.context import AppContext
from souk.api.routes import agent, desk
from souk.assistant.service import AssistantService, CachedStore
from souk.auth.tokens import TokenService
from souk.core.clock import ManualClock
from souk.core.settings import Settings
from souk.desk.feeds import Feed
from souk.domain.desk.timeline import Channel, Resolution, Status


class FakeWs:
    def __init__(self, *, stall: bool = False) -> None:
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None
        self._stall = stall

    async def send_text(self, text: str) -> None:
        if self._stall:
            await asyncio.Event().wait()
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


async def _staff_pump(ws: FakeWs, feed: Feed) -> ws_helpers.Ending:
    ending = ws_helpers.Ending(ws)  # type: ignore[arg-type]
    await asyncio.wait_for(desk._pump(ws, feed, ending, asyncio.Lock()), 5)  # type: ignore[arg-type]
    await ending.aclose()
    return ending


async def _shopper_pump(ws: FakeWs, feed: Feed) -> ws_helpers.Ending:
    ending = ws_helpers.Ending(ws)  # type: ignore[arg-type]
    await asyncio.wait_for(agent._pump(agent._Out(ws), feed, ending, "conv_1"), 5)  # type: ignore[arg-type]
    await ending.aclose()
    return ending


@pytest.mark.parametrize("pump", [_staff_pump, _shopper_pump])
async def test_an_overflowed_feed_cuts_the_socket(pump: Any) -> None:
    feed = Feed(maxsize=3)
    for i in range(5):  # the socket's reader never ran: the fourth frame overflows
        feed.put({"type": "event", "n": i})
    ws = FakeWs()
    ending = await pump(ws, feed)
    assert feed.overflowed and ending.error is not None and ending.error.code == "slow_consumer"
    assert ws.closed is not None and ws.closed[0] == 4429
    assert len(ws.sent) <= 3


@pytest.mark.parametrize("pump", [_staff_pump, _shopper_pump])
async def test_a_stalled_send_cuts_the_socket(pump: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk, "SEND_TIMEOUT_S", 0.05)
    monkeypatch.setattr(agent, "SEND_TIMEOUT_S", 0.05)
    feed = Feed()
    feed.put({"type": "queues"})
    ws = FakeWs(stall=True)
    ending = await pump(ws, feed)
    assert ending.error is not None and ending.error.code == "slow_consumer"
    assert ws.closed is not None and ws.closed[0] == 4429


@pytest.mark.parametrize("pump", [_staff_pump, _shopper_pump])
async def test_a_feed_closed_by_the_desk_ends_nothing(pump: Any) -> None:
    feed = Feed()
    feed.put({"type": "hello"})
    feed.close()
    ws = FakeWs()
    ending = await pump(ws, feed)
    assert ending.error is None and ws.closed is None and ws.sent == ['{"type": "hello"}']


async def test_the_desk_is_built_after_the_assistant_and_hears_its_sessions_end(tmp_path: Path) -> None:
    assistant = AssistantService(CachedStore(None, demo=True))  # the bundled demo store backs "lumen"
    ctx = AppContext(settings=Settings(data_dir=str(tmp_path), desk={"agent_grace_s": 2.0}),
                     tokens=TokenService("s" * 40), clock=ManualClock(), assistant=assistant)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(assistant.aclose)
        await provide(ctx, stack, ["desk"])
        assert ctx.desk is not None and ctx.desk._grace_s == 2.0
        conv = await assistant.open("lumen", "C-518", "C-518")
        await ctx.desk.ensure("lumen", conv.id, shopper="C-518", channel=Channel.ASSISTANT_TEXT, language="en")
        await ctx.desk.record_turn("lumen", conv.id, shopper="C-518", text="hi", reply_text="hello")
        await assistant.close(conv.id, "lumen", "C-518")  # the shopper left: contained by the AI
        closed, _ = await ctx.desk.conversation("lumen", conv.id)
        assert closed.status is Status.CLOSED and closed.resolution is Resolution.RESOLVED
