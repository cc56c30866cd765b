"""The dedicated RTM listener (picows): a refused token gets a close code, open connections end when their
token expires or is revoked, and a raw client that only pings and never reads is reset with its resume
points while the node's memory stays put."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from souk.auth.guard import TokenGuard
from souk.auth.revocation import MemoryRevocations
from souk.auth.tokens import TokenService
from souk.bench.rawws import connect, flood, rss_mb
from souk.core.errors import SoukError
from souk.rtm.client import RtmClient
from souk.rtm.config import RtmConfig
from souk.rtm.node import RtmNode, start_node

SECRET = "rtm-limits-secret-" + "y" * 24


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[tuple[RtmNode, TokenService, TokenGuard]]:
    tokens = TokenService(SECRET)
    guard = TokenGuard(MemoryRevocations(), poll_s=0.1)
    tokens.use_revocations(guard.is_revoked)
    await guard.start()
    n = await start_node(RtmConfig(high_water=64 * 1024), tokens, guard=guard,
                         sqlite_path=tempfile.mktemp(dir=tmp_path, suffix=".db"))
    yield n, tokens, guard
    await n.aclose()
    await guard.aclose()


def url(n: RtmNode) -> str:
    return f"ws://127.0.0.1:{n.port}/rtm/ws"


async def test_open_connections_end_when_their_token_expires_or_is_revoked(node) -> None:  # type: ignore[no-untyped-def]
    n, tokens, guard = node
    short = await RtmClient(url(n), tokens.mint(merchant_id="m1", identity="a", room="live1", role="audience",
                                               ttl_s=1)).connect()
    token = tokens.mint(merchant_id="m1", identity="b", room="live1", role="audience")
    kept = await RtmClient(url(n), token).connect()
    await kept.join("live1")
    await short.until(lambda: short.close_code is not None, timeout=5)
    assert short.close_code == 4401 and short.frames[-1]["code"] == "token_expired"
    assert kept.close_code is None
    claims = tokens.verify(token)
    await guard.revoke(claims.token_id, "m1", claims.expires_at)
    await kept.until(lambda: kept.close_code is not None, timeout=5)
    assert kept.close_code == 4403 and kept.frames[-1]["code"] == "token_revoked"
    again = RtmClient(url(n), token)
    with pytest.raises(SoukError) as e:
        await again.connect()
    assert e.value.code == "token_revoked"
    await asyncio.sleep(0.2)
    assert not n.server.sessions  # type: ignore[union-attr]


async def test_a_client_that_only_pings_and_never_reads_is_reset(node) -> None:  # type: ignore[no-untyped-def]
    n, tokens, _ = node
    token = tokens.mint(merchant_id="m1", identity="slow", room="live1", role="audience")
    before = rss_mb()
    sock = await asyncio.to_thread(connect, "127.0.0.1", n.port, f"/rtm/ws?token={token}")
    stop = threading.Event()
    started = time.monotonic()
    result = await asyncio.to_thread(flood, sock, b'{"t":"ping","id":"' + b"p" * 4000 + b'"}', seconds=60,
                                     stop=stop)
    assert result.cut_after_s is not None, f"not reset after {result.sent} unread pings"
    await asyncio.sleep(0.3)
    assert not n.server.sessions  # type: ignore[union-attr]
    grown = rss_mb() - before
    assert grown < 64, f"node memory grew {grown:.0f} MB ({result.sent} pings, {time.monotonic() - started:.1f} s)"
