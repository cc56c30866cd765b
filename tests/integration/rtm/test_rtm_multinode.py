"""Two real Souk RTM node processes sharing a real Redis; one is SIGKILLed mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from souk.core.errors import SoukError
from souk.rtm.client import RtmClient
from tests.integration.rtm.rtm_nodes import SECRET

pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nodes(redis_url: str, tmp_path) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, SOUK_AUTH__TOKEN_SECRET=SECRET, SOUK_DATA_DIR=str(tmp_path), SOUK_LOG_LEVEL="WARNING",
               SOUK_RTM__HEARTBEAT_S="0.3", SOUK_RTM__PRESENCE_TTL_S="2.0", SOUK_RTM__USER_RATE_PER_S="500",
               SOUK_RTM__USER_BURST="500")
    out = []
    try:
        for _ in range(2):
            port = _free_port()
            p = subprocess.Popen([sys.executable, "-m", "souk.cli.main", "rtm", "node", "--port", str(port),
                                  "--redis", redis_url], env=env, stdout=subprocess.PIPE)
            assert p.stdout is not None
            line = p.stdout.readline().decode()
            assert line.startswith("READY"), f"node did not start: {line!r}"
            out.append((p, f"ws://127.0.0.1:{port}/rtm/ws"))
        yield out
    finally:
        for p, _ in out:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


async def test_node_killed_mid_stream_loses_no_acknowledged_message(nodes, tokens) -> None:  # type: ignore[no-untyped-def]
    (proc_a, url_a), (_, url_b) = nodes

    async def joined(url: str, who: str) -> RtmClient:
        c = await RtmClient(url, tokens.mint(merchant_id="shop", identity=who, room="live1", role="member")).connect()
        await c.join("live1")
        return c

    pub_a, pub_b = await joined(url_a, "pub-a"), await joined(url_b, "pub-b")
    viewer_a, viewer_b, ghost = await joined(url_a, "viewer-a"), await joined(url_b, "viewer-b"), await joined(url_a, "ghost")
    who = await viewer_b.request({"t": "who", "ch": "live1"})
    assert who["count"] == 5, who  # presence spans both nodes

    acked: list[int] = []
    stop = asyncio.Event()

    async def publish(c: RtmClient, tag: str) -> None:
        n = 0
        while not stop.is_set():
            try:
                acked.append((await c.publish("live1", {"from": tag, "n": n}))["seq"])
            except (TimeoutError, SoukError, ConnectionError):
                return  # its node died; unacknowledged messages may be lost, acknowledged ones may not
            n += 1
            await asyncio.sleep(0.005)

    tasks = [asyncio.create_task(publish(pub_a, "a")), asyncio.create_task(publish(pub_b, "b"))]
    await viewer_a.until(lambda: len(viewer_a.messages.get("live1", [])) >= 40, timeout=10)
    proc_a.send_signal(signal.SIGKILL)  # no goodbye, no flush
    proc_a.wait()
    await asyncio.wait_for(viewer_a._disconnected.wait(), 5)
    before = len(viewer_a.messages["live1"])
    await asyncio.sleep(0.3)  # node B keeps going while viewer A is away
    await viewer_a.reconnect(url_b)  # resumes from its last sequence on the surviving node
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.gather(*tasks)
    final = max(acked)
    for v in (viewer_a, viewer_b):
        await v.until(lambda v=v: v.last_seq.get("live1", 0) >= final, timeout=10)
        seqs = [m["seq"] for m in v.messages["live1"]]
        assert seqs == list(range(1, len(seqs) + 1)), "gap or reorder"
        assert set(acked) <= set(seqs) and v.duplicates == 0
    assert len(viewer_a.messages["live1"]) > before
    # the dead node's members expire from presence (heartbeat TTL 2 s); the survivors stay
    async def settled() -> None:
        while True:
            p = await viewer_b.request({"t": "who", "ch": "live1"})
            if {m["id"] for m in p["members"]} == {"pub-b", "viewer-b", "viewer-a"} and p["count"] == 3:
                return
            await asyncio.sleep(0.2)
    await asyncio.wait_for(settled(), 10)
    for c in (viewer_a, viewer_b, pub_b):
        await c.close()
    del ghost
