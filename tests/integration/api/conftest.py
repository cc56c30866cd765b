"""Fixtures shared by the signaling tests on a real Janus: a consult room and two connected peers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from souk.bench.signal_client import SignalClient
from tests.fixtures.browser import Souk


@pytest.fixture
async def room(souk_media: Souk) -> str:
    return str((await souk_media.ctx.storage.rooms.create("lumen", "consult")).id)


@pytest.fixture
async def peers(souk_media: Souk, room: str) -> AsyncIterator[tuple[SignalClient, SignalClient]]:
    t = souk_media.ctx.tokens
    a = await SignalClient.connect(souk_media.ws_url, t.mint(merchant_id="lumen", identity="seller", room=room,
                                                             role="host"))
    b = await SignalClient.connect(souk_media.ws_url, t.mint(merchant_id="lumen", identity="shopper", room=room,
                                                             role="member"))
    yield a, b
    await a.aclose()
    await b.aclose()
