"""/metrics after a real call (aiortc peers through the embedded Janus) and an RTM chat message, and after an
assistant turn (the desk app with the warmed offline brain), parsed with prometheus_client's text parser; /readyz unready while Janus is killed and ready again
after the supervisor restarts it.

Run alone: python -m souk.media.netns run --fallback -- .venv/bin/python -m pytest -q \
    tests/integration/api/test_metrics_health.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from souk.assistant.offline import OfflineBrain
from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient
from souk.media.types import Jsep
from souk.rtm.client import RtmClient
from tests.fixtures.assistant import brain, snap
from tests.fixtures.browser import CORE_FEATURES, need_media, running_souk
from tests.integration.api.desk_app import desk_souk

__all__ = ["brain", "snap"]

SCRAPE = "scrape-token-for-tests"
FEATURES = (*CORE_FEATURES, "souk.api.routes.metrics", "souk.api.routes.rtm")


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def get(series: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in series.items() if n == name and want <= ls)


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = await http.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE}"})
    assert r.status_code == 200, r.text
    return parse(r.text)


@pytest.mark.janus
async def test_metrics_after_a_call_and_a_chat_message(tmp_path: Path) -> None:
    need_media()
    async with running_souk(tmp_path / "souk", media=True, features=FEATURES, metrics={"token": SCRAPE}) as souk, \
            httpx.AsyncClient(base_url=souk.base_url, timeout=30) as http:
        tokens = souk.ctx.tokens
        room = str((await souk.ctx.storage.rooms.create("lumen", "consult")).id)
        seller = await SignalClient.connect(souk.ws_url, tokens.mint(merchant_id="lumen", identity="seller",
                                                                     room=room, role="host"))
        shopper = await SignalClient.connect(souk.ws_url, tokens.mint(merchant_id="lumen", identity="shopper",
                                                                      room=room, role="member"))
        bots: list[PublisherBot | SubscriberBot] = []
        try:
            # a real call: both join and publish, the shopper receives the seller's frames
            for client in (seller, shopper):
                await client.request({"type": "join", "room": room})
            for client, name in ((seller, "seller"), (shopper, "shopper")):
                pub = PublisherBot()
                bots.append(pub)
                offer = await pub.offer()
                reply = await client.request({"type": "publish", "sdp": offer.sdp})
                await pub.accept(Jsep("answer", reply["sdp"]))
                await client.next_event("media", target="pub", webrtc="up")
            sub = SubscriberBot()
            bots.append(sub)
            offer = await shopper.request({"type": "subscribe", "feed": "seller"})
            answer = await sub.answer(Jsep("offer", offer["sdp"]))
            await shopper.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
            await sub.wait_frames(5)
            in_call = await scrape(http)

            # a chat message on the room's RTM channel (the ASGI socket)
            chat = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws",
                                   tokens.mint(merchant_id="lumen", identity="viewer", room="live-m",
                                               role="audience")).connect()
            await chat.join("live-m")
            await chat.publish("live-m", "hello from the metrics test")
            await chat.until(lambda: len(chat.messages.get("live-m", [])) == 1)
            await chat.close()

            after = await scrape(http)
        finally:
            for bot in bots:
                await bot.aclose()
            await seller.aclose()
            await shopper.aclose()

    # signaling: messages by type, joins, join -> first media up (publisher and subscription)
    assert get(in_call, "souk_socket_messages_total", socket="signal", type="Join") == 2
    assert get(in_call, "souk_socket_messages_total", socket="signal", type="Publish") == 2
    assert get(in_call, "souk_signal_joins_total", result="ok") == 2
    assert get(in_call, "souk_signal_join_to_media_seconds_count", target="pub") == 2
    assert get(in_call, "souk_signal_join_to_media_seconds_count", target="sub") == 1
    assert 0 < get(in_call, "souk_signal_join_to_media_seconds_sum") < 30
    assert get(in_call, "souk_socket_message_duration_seconds_count", socket="signal") >= 5
    assert get(in_call, "souk_websocket_connections", route="/v1/signal") == 2
    assert get(in_call, "souk_signal_members") == 2 and get(in_call, "souk_signal_rooms") == 1
    # the media plane
    assert get(in_call, "souk_janus_up", node="embedded") == 1
    assert get(in_call, "souk_janus_handles", node="embedded") >= 3
    assert ("souk_janus_restarts_total", frozenset({("node", "embedded")})) in in_call
    # RTM: frames in by type, deliveries counted by the hub
    assert get(after, "souk_socket_messages_total", socket="rtm", type="Publish") == 1
    assert get(after, "souk_rtm_deliveries_total") >= 1 and get(after, "souk_rtm_frames_total") >= 1
    assert get(after, "souk_websocket_sessions_total", route="/v1/rtm/ws") == 1
    assert get(after, "souk_http_requests_total", route="/metrics", status="200") >= 1


async def test_metrics_after_an_assistant_turn(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain, metrics={"token": SCRAPE}) as souk:
        async with souk.http(souk.token("shopper-9")) as c:
            r = await c.post("/v1/agent/sessions", json={"language": "en"})
            assert r.status_code == 200, r.text
            sid = r.json()["session_id"]
            r = await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "Do you ship to Spain?"})
            assert r.status_code == 200, r.text
        assert souk.ctx.metrics is not None
        after = parse(souk.ctx.metrics.render().decode())  # what GET /metrics serves (that route: unit tests)
    assert get(after, "souk_assistant_turns_total", channel="text") == 1
    assert get(after, "souk_assistant_turn_duration_seconds_count", channel="text") == 1
    # HTTP by route template, never the session id
    assert get(after, "souk_http_requests_total", route="/v1/agent/sessions/{session_id}/messages",
               status="200") == 1
    assert get(after, "souk_http_request_duration_seconds_count", route="/v1/agent/sessions") == 1
    assert not [ls for (n, ls) in after if n == "souk_http_requests_total" and any(sid in v for _, v in ls)]


@pytest.mark.janus
async def test_readyz_goes_unready_when_janus_is_killed_and_ready_after_its_restart(tmp_path: Path) -> None:
    need_media()
    async with running_souk(tmp_path / "souk", media=True) as souk, \
            httpx.AsyncClient(base_url=souk.base_url, timeout=30) as http:
        r = await http.get("/readyz")
        body = r.json()
        assert r.status_code == 200 and body["ready"], body
        names = {c["name"]: c for c in body["components"]}
        assert names["database"]["ok"] and names["janus:embedded"]["ok"]
        assert "redis" not in names  # none configured: nothing to check
        plane = souk.ctx.media
        assert plane is not None and plane.supervisor is not None and plane.supervisor.pid
        os.kill(plane.supervisor.pid, signal.SIGKILL)
        seen: list[int] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (503 in seen and seen[-1] == 200):
            r = await http.get("/readyz")
            seen.append(r.status_code)
            if r.status_code == 503:
                down = r.json()
                assert not down["ready"] and any(c["name"].startswith("janus") and not c["ok"]
                                                 for c in down["components"]), down
                assert all(c["ok"] for c in down["components"] if c["name"] == "database")
            await asyncio.sleep(0.05)
        assert 503 in seen, seen
        assert seen[-1] == 200, seen[-20:]
        assert plane.supervisor.restarts == 1
