"""Janus SIGKILLed during a two-way call with aiortc peers: the supervisor restarts it, the media plane
re-creates the room, each peer is told ``media.reset {room}`` once, its server-side publisher and
subscriptions are gone (republishing is not ``already_publishing``), no ``janus_<n>`` code reaches it, and
both decode each other again after republishing and resubscribing.

Run alone: python -m souk.media.netns run --fallback -- .venv/bin/python -m pytest -q \
    tests/integration/api/test_janus_restart.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.core.tenancy import RoomKey
from souk.media.types import Jsep
from tests.fixtures.browser import CORE_FEATURES, Souk, media_souk

pytestmark = [pytest.mark.janus]

BACK_WITHIN_S = 3.0  # the bound: media back within 3 s of Janus's restart
LIVE = "live-reset"


@dataclass
class Peer:
    name: str
    client: SignalClient
    pub: PublisherBot | None = None
    subs: list[SubscriberBot] = field(default_factory=list)

    async def publish(self) -> None:
        self.pub = PublisherBot()
        offer = await self.pub.offer()
        reply = await self.client.request({"type": "publish", "sdp": offer.sdp})
        await self.pub.accept(Jsep("answer", reply["sdp"]))

    async def subscribe(self, feed: str) -> SubscriberBot:
        bot = SubscriberBot()
        self.subs.append(bot)
        offer = await self.client.request({"type": "subscribe", "feed": feed})
        answer = await bot.answer(Jsep("offer", offer["sdp"]))
        await self.client.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        return bot

    async def drop_media(self) -> None:
        """What the SDK does on media.reset: close every dead PeerConnection."""
        for bot in self.subs:
            await bot.aclose()
        self.subs.clear()
        if self.pub is not None:
            await self.pub.aclose()
            self.pub = None


async def test_janus_sigkill_mid_call_media_back_with_one_reset_event(souk_media: Souk, room: str, peers) -> None:
    seller, shopper = Peer("seller", peers[0]), Peer("shopper", peers[1])
    plane = souk_media.ctx.media
    assert plane is not None and plane.supervisor is not None
    try:
        for p in (seller, shopper):
            await p.client.request({"type": "join", "room": room})
        for p, other in ((seller, shopper), (shopper, seller)):
            await p.publish()
            await other.client.next_event("published", feed__participant=p.name)
        seller_sees = await seller.subscribe("shopper")
        shopper_sees = await shopper.subscribe("seller")
        await asyncio.gather(seller_sees.wait_frames(5), shopper_sees.wait_frames(5))
        sessions = {m.identity: m.session for m in souk_media.ctx.hub.participants(RoomKey("lumen", room))}
        stale_sub = next(iter(sessions["shopper"].subs))  # type: ignore[attr-defined]

        first = plane.supervisor.pid
        assert first is not None
        restarts = plane.supervisor.restarts
        killed_at = time.monotonic()
        os.kill(first, signal.SIGKILL)

        resets = await asyncio.gather(*(p.client.next_event("media.reset", timeout=15) for p in (seller, shopper)))
        reset_at = time.monotonic()
        assert [r["room"] for r in resets] == [room, room]
        assert plane.supervisor.restarts == restarts + 1 and plane.supervisor.pid not in (None, first)
        # the server forgot both peers' media: nothing of theirs is left to answer already_publishing
        for identity in ("seller", "shopper"):
            assert sessions[identity].publisher is None and not sessions[identity].subs  # type: ignore[attr-defined]
        # a request on a handle of the dead Janus gets a documented code, never janus_459
        with pytest.raises(SignalError) as err:
            await shopper.client.request({"type": "trickle", "target": stale_sub, "candidate": None})
        assert err.value.code == "unknown_subscription"
        with pytest.raises(SignalError) as err:
            await shopper.client.request({"type": "trickle", "target": "pub", "candidate": None})
        assert err.value.code == "not_publishing"

        for p in (seller, shopper):
            await p.drop_media()
        for p, other in ((seller, shopper), (shopper, seller)):
            await p.publish()  # not already_publishing
            await other.client.next_event("published", feed__participant=p.name)
        seller_sees = await seller.subscribe("shopper")
        shopper_sees = await shopper.subscribe("seller")
        await asyncio.gather(seller_sees.wait_frames(3), shopper_sees.wait_frames(3))
        back_at = time.monotonic()
        print(f"\nkill -> media.reset {reset_at - killed_at:.2f} s; media.reset -> both decoding "
              f"{back_at - reset_at:.2f} s")
        # media.reset is sent once the room is on the restarted Janus: the restart is before it
        assert back_at - reset_at < BACK_WITHIN_S
        # one reset per peer, not one per dead handle
        await asyncio.sleep(0.3)
        for p in (seller, shopper):
            assert not [e for e in list(p.client.events._queue) if e.get("type") == "media.reset"]  # type: ignore[attr-defined]
    finally:
        for p in (seller, shopper):
            await p.drop_media()


async def test_janus_sigkill_during_a_live_show_host_and_viewer_recover(tmp_path: Path) -> None:
    """A live show: the host republishes after media.reset and the viewer (audience, through plane.watch)
    resubscribes when the host's feed is published again."""
    async with media_souk(tmp_path, (*CORE_FEATURES, "souk.api.routes.stage")) as souk:
        plane = souk.ctx.media
        assert plane is not None and plane.supervisor is not None
        mint = souk.ctx.tokens.mint
        host_token = mint(merchant_id=souk.merchant_id, identity="hana", room=LIVE, role="host")
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            r = await http.post(f"/v1/live/{LIVE}/show", json={"title": "reset"},
                                headers={"Authorization": f"Bearer {host_token}"})
            assert r.status_code == 200, r.text
        host = Peer("hana", await SignalClient.connect(souk.ws_url, host_token))
        viewer = Peer("v1", await SignalClient.connect(souk.ws_url, mint(
            merchant_id=souk.merchant_id, identity="v1", room=LIVE, role="audience")))
        try:
            for p in (host, viewer):
                await p.client.request({"type": "join", "room": LIVE})
            await host.publish()
            await viewer.client.next_event("published", feed__participant="hana")
            await (await viewer.subscribe("hana")).wait_frames(5)

            os.kill(plane.supervisor.pid or 0, signal.SIGKILL)
            for p in (host, viewer):
                assert (await p.client.next_event("media.reset", timeout=15))["room"] == LIVE
                await p.drop_media()
            reset_at = time.monotonic()
            await host.publish()  # not already_publishing; the host may always publish in its live room
            await viewer.client.next_event("published", feed__participant="hana")
            await (await viewer.subscribe("hana")).wait_frames(3)
            assert time.monotonic() - reset_at < BACK_WITHIN_S
            async with httpx.AsyncClient(base_url=souk.base_url) as http:
                show = (await http.get(f"/v1/live/{LIVE}/show",
                                       headers={"Authorization": f"Bearer {host_token}"})).json()
            assert show["status"] == "live" and show["viewers"] == 1, show  # the show went on
        finally:
            for p in (host, viewer):
                await p.drop_media()
                await p.client.aclose()
