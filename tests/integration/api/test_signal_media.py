"""Signaling through Souk to a real Janus, with aiortc peers: publish, subscribe, decoded frames, mute,
and no leaked Janus handle whatever the client sends or however it leaves."""

from __future__ import annotations

import asyncio

import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.core.tenancy import RoomKey
from souk.media.types import Jsep
from tests.fixtures.browser import Souk

pytestmark = [pytest.mark.janus]


async def handles(souk: Souk) -> int:
    admin = await souk.ctx.media.admin()
    try:
        return await admin.count_handles()
    finally:
        await admin.aclose()


async def settle_handles(souk: Souk, expected: int, timeout: float = 5.0) -> int:
    n = await handles(souk)
    for _ in range(int(timeout / 0.05)):
        if n == expected:
            break
        await asyncio.sleep(0.05)
        n = await handles(souk)
    return n


async def publish_bot(client: SignalClient, *, timestamps: bool = False) -> PublisherBot:
    bot = PublisherBot(timestamps=timestamps)
    offer = await bot.offer()
    reply = await client.request({"type": "publish", "sdp": offer.sdp})
    await bot.accept(Jsep("answer", reply["sdp"]))
    return bot


async def test_publish_subscribe_frames_mute_and_clean_leave(souk_media: Souk, room: str, peers) -> None:
    seller, shopper = peers
    base = await handles(souk_media)
    await seller.request({"type": "join", "room": room})
    joined = await shopper.request({"type": "join", "room": room})
    assert [p["identity"] for p in joined["participants"]] == ["seller"] and joined["feeds"] == []
    bot = await publish_bot(seller)
    published = await shopper.next_event("published", feed__participant="seller")
    assert published["feed"]["video"] is True
    sub_bot = SubscriberBot()
    try:
        offer = await shopper.request({"type": "subscribe", "feed": "seller"})
        answer = await sub_bot.answer(Jsep("offer", offer["sdp"]))
        await shopper.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        await sub_bot.wait_frames(5, timeout=10)
        assert sub_bot.last_counter >= 0
        await seller.request({"type": "mute", "kind": "audio", "muted": True})
        state = await shopper.next_event("media", participant="seller")
        assert state["audio_muted"] is True and state["video_muted"] is False
        assert await handles(souk_media) == base + 2
        participants = {p.identity: p for p in souk_media.ctx.hub.participants(RoomKey("lumen", room))}
        assert participants["seller"].feed_id is not None
        await shopper.request({"type": "leave"})
        await seller.request({"type": "leave"})
        assert await settle_handles(souk_media, base) == base
    finally:
        await sub_bot.aclose()
        await bot.aclose()


async def test_garbage_and_refusals_leak_no_handle(souk_media: Souk, room: str, peers) -> None:
    seller, shopper = peers
    base = await handles(souk_media)
    await seller.request({"type": "join", "room": room})
    for sdp, code in [("garbage", "bad_sdp"), ("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "bad_sdp")]:
        with pytest.raises(SignalError) as err:
            await seller.request({"type": "publish", "sdp": sdp})
        assert err.value.code == code, err.value.message
    assert await settle_handles(souk_media, base) == base
    with pytest.raises(SignalError) as err:
        await shopper.request({"type": "subscribe", "feed": "seller"})
    assert err.value.code == "not_joined"
    await shopper.request({"type": "join", "room": room})
    with pytest.raises(SignalError) as err:
        await shopper.request({"type": "subscribe", "feed": "seller"})  # joined but not publishing
    assert err.value.code == "unknown_feed"
    # an audience token may watch but not publish
    viewer = await SignalClient.connect(souk_media.ws_url, souk_media.ctx.tokens.mint(
        merchant_id="lumen", identity="viewer", room=room, role="audience"))
    try:
        await viewer.request({"type": "join", "room": room})
        with pytest.raises(SignalError) as err:
            await viewer.request({"type": "publish", "sdp": (await PublisherBot().offer()).sdp})
        assert err.value.code == "privilege_missing"
    finally:
        await viewer.aclose()
    bot = await publish_bot(seller)
    try:
        await shopper.next_event("published", feed__participant="seller")
        offer = await shopper.request({"type": "subscribe", "feed": "seller"})
        with pytest.raises(SignalError) as err:
            await shopper.request({"type": "answer", "sub": offer["sub"], "sdp": "v=0\r\nm=audio 0 nothing\r\n"})
        assert err.value.code == "bad_sdp"
        assert (await shopper.request({"type": "ping"}))["type"] == "pong"  # the socket survived all of it
        assert await settle_handles(souk_media, base + 1) == base + 1  # only the publisher is left
        # disconnecting without a word releases everything that client held
        await seller.aclose()
        left = await shopper.next_event("participant.left", identity="seller")
        assert left["identity"] == "seller"
        assert await settle_handles(souk_media, base) == base
    finally:
        await bot.aclose()


async def test_janus_api_is_loopback_only_and_needs_the_secret(souk_media: Souk) -> None:
    """Shoppers reach Souk only: Janus's APIs listen on 127.0.0.1 and refuse requests without the secret."""
    import json
    from urllib.parse import urlsplit

    import websockets

    node = souk_media.ctx.media.pool.nodes()[0]
    for url in (node.url, node.admin_url):
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        with pytest.raises(OSError):  # the netns's non-loopback-interface address: nothing listens there
            await websockets.connect(f"ws://127.0.0.2:{parts.port}", subprotocols=["janus-protocol"],
                                     open_timeout=3)
    async with websockets.connect(node.url, subprotocols=["janus-protocol"]) as ws:
        await ws.send(json.dumps({"janus": "create", "transaction": "no-secret"}))
        reply = json.loads(await ws.recv())
    assert reply["janus"] == "error" and reply["error"]["code"] == 403


async def test_a_dead_publisher_connection_withdraws_its_feed(souk_media: Souk, room: str, peers) -> None:
    seller, shopper = peers
    await seller.request({"type": "join", "room": room})
    await shopper.request({"type": "join", "room": room})
    bot = await publish_bot(seller)
    await shopper.next_event("published", feed__participant="seller")
    await bot.aclose()  # the seller's PeerConnection goes away; its socket stays
    gone = await shopper.next_event("unpublished", timeout=10, participant="seller")
    assert gone["participant"] == "seller"
    with pytest.raises(SignalError) as err:
        await shopper.request({"type": "subscribe", "feed": "seller"})
    assert err.value.code == "unknown_feed"
