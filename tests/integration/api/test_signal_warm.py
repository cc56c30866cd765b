"""Warm subscriptions through Souk to a real Janus: the shopper's subscriber connection comes up while the
consult rings (held on her own feed: primed, then nothing relayed) and a ``switch`` points it at the seller's feed."""

from __future__ import annotations

import asyncio

import pytest

from souk.bench.bots import SubscriberBot
from souk.bench.shaping import shape_datagrams
from souk.bench.signal_client import SignalClient, SignalError
from souk.media.types import Jsep
from tests.fixtures.browser import Souk
from tests.integration.api.test_signal_media import handles, publish_bot, settle_handles

pytestmark = [pytest.mark.janus]


async def test_warm_connection_carries_nothing_until_it_switches_to_the_seller(
        souk_media: Souk, room: str, peers: tuple[SignalClient, SignalClient]) -> None:
    seller, shopper = peers
    base = await handles(souk_media)
    await shopper.request({"type": "join", "room": room})
    own = await publish_bot(shopper)
    warm_bot = SubscriberBot(timestamps=True)  # reads the seller's stamped frames; the shopper's counter fails
    seller_bot = None
    try:
        offer = await shopper.request({"type": "warm"})
        assert offer["type"] == "offer" and offer["warm"] is True and offer["feed"] == "shopper"
        # a 20 ms link for the warm connection only: Janus sizes its NACK queue when it measures a round trip,
        # and on bare loopback it measures 0 ms and may never do so
        unshape = shape_datagrams(asyncio.get_running_loop(), delay_s=0.01, loss=0.0)
        try:
            answer = await warm_bot.answer(Jsep("offer", offer["sdp"]))
        finally:
            unshape()
        await shopper.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        await warm_bot.wait_connected()
        # our own video flows until Janus keeps it for retransmission (primed), then everything is held
        warmed = await shopper.next_event("warmed", timeout=15, sub=offer["sub"])
        assert warmed["primed"] is True
        assert warm_bot.audio_frames == 0  # audio was held from the start
        await asyncio.sleep(0.5)  # what was in flight when the hold came
        frames = warm_bot.frames
        await asyncio.sleep(0.7)
        assert warm_bot.frames == frames and warm_bot.audio_frames == 0  # held: Janus relays nothing now
        assert not warm_bot.delays_ms  # nothing stamped yet: only the shopper's own counter video came

        await seller.request({"type": "join", "room": room})
        seller_bot = await publish_bot(seller, timestamps=True)
        await shopper.next_event("published", timeout=10, feed__participant="seller")
        switched = await shopper.request({"type": "switch", "sub": offer["sub"], "feed": "seller"})
        assert switched == {"type": "switched", "id": switched["id"], "sub": offer["sub"], "feed": "seller",
                            "kinds": ["audio", "video"]}
        first = warm_bot.frames
        await warm_bot.wait_frames(first + 10, timeout=10)
        bad = warm_bot.bad_stamps
        await warm_bot.wait_frames(warm_bot.frames + 10, timeout=10)
        assert warm_bot.bad_stamps == bad and len(warm_bot.delays_ms) >= 10  # now only the seller's stamped video
        for _ in range(100):
            if warm_bot.audio_frames:
                break
            await asyncio.sleep(0.05)
        assert warm_bot.audio_frames > 0
        assert await settle_handles(souk_media, base + 3) == base + 3  # 2 publishers, 1 subscriber: no extra

        # a switched subscription is an ordinary one: it goes when the seller's feed goes
        await seller.request({"type": "unpublish"})
        await shopper.next_event("unpublished", timeout=10, participant="seller")
        with pytest.raises(SignalError) as err:
            await shopper.request({"type": "switch", "sub": offer["sub"], "feed": "seller"})
        assert err.value.code == "unknown_subscription"
        assert await settle_handles(souk_media, base + 1) == base + 1
    finally:
        await warm_bot.aclose()
        await own.aclose()
        if seller_bot is not None:
            await seller_bot.aclose()
    await shopper.request({"type": "leave"})
    await seller.request({"type": "leave"})
    assert await settle_handles(souk_media, base) == base


async def test_warm_and_switch_refusals_leak_no_handle(
        souk_media: Souk, room: str, peers: tuple[SignalClient, SignalClient]) -> None:
    seller, shopper = peers
    base = await handles(souk_media)

    async def refused(msg: dict[str, object], code: str) -> None:
        with pytest.raises(SignalError) as err:
            await shopper.request(msg)
        assert err.value.code == code, err.value

    await refused({"type": "warm"}, "not_joined")
    await shopper.request({"type": "join", "room": room})
    await refused({"type": "warm"}, "not_publishing")
    await refused({"type": "switch", "sub": "sub_nope", "feed": "seller"}, "unknown_subscription")
    await refused({"type": "switch", "feed": "seller"}, "malformed")
    own = await publish_bot(shopper)
    try:
        offer = await shopper.request({"type": "warm"})
        await refused({"type": "warm"}, "already_warm")
        await refused({"type": "switch", "sub": offer["sub"], "feed": "seller"}, "unknown_feed")  # not there
        await refused({"type": "switch", "sub": offer["sub"], "feed": "shopper"}, "unknown_feed")  # ourselves
        await seller.request({"type": "join", "room": room})
        await refused({"type": "switch", "sub": offer["sub"], "feed": "seller"}, "unknown_feed")  # not publishing
        assert await settle_handles(souk_media, base + 2) == base + 2  # our publisher and the warm subscription

        # the warm subscription is held on our own feed: unpublishing takes it along
        await shopper.request({"type": "unpublish"})
        await refused({"type": "switch", "sub": offer["sub"], "feed": "seller"}, "unknown_subscription")
        assert await settle_handles(souk_media, base) == base
    finally:
        await own.aclose()
    # and a new publish can warm again
    own = await publish_bot(shopper)
    try:
        offer = await shopper.request({"type": "warm"})
        assert offer["warm"] is True
    finally:
        await own.aclose()
    await shopper.request({"type": "leave"})
    await seller.request({"type": "leave"})
    assert await settle_handles(souk_media, base) == base
