"""Real media through Janus with aiortc bots (needs the network namespace: make test runs pytest in one)."""

from __future__ import annotations

import asyncio

import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.core.tenancy import RoomKey
from souk.media.admin import JanusAdmin
from souk.media.errors import RoomFull
from souk.media.events import MediaEvent, MediaState, PublisherJoined, PublisherLeft, WebrtcUp
from souk.media.plane import MediaPlane, Publisher

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]


async def _publish(plane: MediaPlane, room: RoomKey, display: str, *, wait: bool = True) -> tuple[Publisher, PublisherBot]:
    bot = PublisherBot()
    pub = await plane.join_publisher(room, display=display)
    await bot.accept(await pub.publish(await bot.offer()))
    if wait:
        await pub.wait_webrtcup(10)
    return pub, bot


async def _next_of(pub: Publisher, cls: type, timeout: float = 5.0) -> MediaEvent:
    while True:
        ev = await pub.next_event(timeout)
        if isinstance(ev, cls):
            return ev


async def test_publish_subscribe_decoded_frames_and_clean_up(
        media_plane: MediaPlane, janus_admin: JanusAdmin, netns: None) -> None:
    sid = media_plane.session_id()
    assert sid is not None
    base = len(await janus_admin.list_handles(sid))
    await media_plane.ensure_room(RoomKey("shop", "room_media"), kind="consult", max_publishers=2)
    watcher = await media_plane.join_publisher(RoomKey("shop", "room_media"), display="watcher")  # sees others publish
    pub, pub_bot = await _publish(media_plane, RoomKey("shop", "room_media"), "alice", wait=False)
    # subscribe right away: before the publisher's webrtcup Janus answers 428, the plane waits it out
    sub = await media_plane.subscribe(RoomKey("shop", "room_media"), [pub.feed_id], wait_s=10)
    sub_bot = SubscriberBot(decode=True)
    answer = await sub_bot.answer(sub.offer)
    assert "a=setup:passive" in answer.sdp and "a=setup:active" not in answer.sdp  # we are the DTLS server
    await sub.start(answer)
    await sub.wait_webrtcup(10)
    await sub_bot.wait_frames(15, timeout=10)
    first = sub_bot.last_counter
    await sub_bot.wait_frames(sub_bot.frames + 10, timeout=10)
    assert 0 <= first < sub_bot.last_counter <= pub_bot.frames_sent  # real frames from this publisher, in order
    joined = await _next_of(watcher, PublisherJoined)
    assert isinstance(joined, PublisherJoined) and joined.feed.feed_id == pub.feed_id
    assert joined.feed.display == "alice" and joined.feed.video and joined.feed.audio
    assert len(await janus_admin.list_handles(sid)) == base + 3

    # mute video at Janus: the subscriber stops getting frames; unmute: they come back
    await pub.set_media(video=False)
    await asyncio.sleep(1.0)  # let frames already in flight or queued for decoding drain
    stalled = sub_bot.frames
    await asyncio.sleep(0.8)
    assert sub_bot.frames - stalled <= 3  # ~24 would arrive at 30 fps if Janus still relayed video
    await pub.set_media(video=True)
    await sub_bot.wait_frames(stalled + 10, timeout=10)

    await sub.aclose()
    await sub_bot.aclose()
    await pub.aclose()
    await pub_bot.aclose()
    left = await _next_of(watcher, PublisherLeft)
    assert isinstance(left, PublisherLeft) and left.feed_id == pub.feed_id
    await watcher.aclose()
    assert len(await janus_admin.list_handles(sid)) == base
    assert media_plane.participants == 0


async def test_non_decoding_subscriber_counts_frames(media_plane: MediaPlane, netns: None) -> None:
    await media_plane.ensure_room(RoomKey("shop", "room_nodecode"))
    pub, pub_bot = await _publish(media_plane, RoomKey("shop", "room_nodecode"), "p")
    sub = await media_plane.subscribe(RoomKey("shop", "room_nodecode"), [pub.feed_id])
    bot = SubscriberBot(decode=False)
    try:
        await sub.start(await bot.answer(sub.offer))
        await bot.wait_first_frame(10)
        await bot.wait_frames(20, timeout=10)
        assert bot.last_counter == -1 and bot.audio_frames > 0  # counted, never decoded
        # the publisher's own handle reported its PeerConnection and incoming media, as typed events
        assert await _next_of(pub, WebrtcUp) == WebrtcUp()
        media = await _next_of(pub, MediaState)
        assert isinstance(media, MediaState) and media.receiving and media.kind in ("audio", "video")
    finally:
        await sub.aclose()
        await bot.aclose()
        await pub.aclose()
        await pub_bot.aclose()
async def test_room_full(media_plane: MediaPlane, netns: None) -> None:
    await media_plane.ensure_room(RoomKey("shop", "room_cap"), max_publishers=1)
    from souk.bench.bots import PublisherBot

    bots = [PublisherBot(audio=False), PublisherBot(audio=False)]
    pubs = [await media_plane.join_publisher(RoomKey("shop", "room_cap"), display=str(i)) for i in range(2)]
    try:
        await bots[0].accept(await pubs[0].publish(await bots[0].offer()))
        await pubs[0].wait_webrtcup(10)
        with pytest.raises(RoomFull) as err:
            await pubs[1].publish(await bots[1].offer())
        assert err.value.janus_code == 432
    finally:
        for p in pubs:
            await p.aclose()
        for b in bots:
            await b.aclose()




async def test_publisher_recording_lands_in_the_recordings_dir(media_plane: MediaPlane, netns: None) -> None:
    await media_plane.ensure_room(RoomKey("shop", "room_rec"))
    bot = PublisherBot()
    pub = await media_plane.join_publisher(RoomKey("shop", "room_rec"), display="rec")
    try:
        await bot.accept(await pub.publish(await bot.offer(), record=True))
        await pub.wait_webrtcup(10)
        await asyncio.sleep(1.0)
        await pub.unpublish()
    finally:
        await pub.aclose()
        await bot.aclose()
    files = sorted(p.name for p in media_plane.recordings_dir.glob("*.mjr"))
    prefix = f"{pub.janus_room}-{pub.feed_id}"
    assert [f.rsplit("-", 2)[-2] for f in files] == ["audio", "video"] and all(f.startswith(prefix) for f in files)
    assert all((media_plane.recordings_dir / f).stat().st_size > 1000 for f in files)


async def test_subscriber_update_adds_a_feed_with_renegotiation(media_plane: MediaPlane, netns: None) -> None:
    from souk.media.sdp import media_mids

    await media_plane.ensure_room(RoomKey("shop", "room_update"), max_publishers=2)
    a, a_bot = await _publish(media_plane, RoomKey("shop", "room_update"), "a")
    b, b_bot = await _publish(media_plane, RoomKey("shop", "room_update"), "b")
    sub = await media_plane.subscribe(RoomKey("shop", "room_update"), [a.feed_id])
    bot = SubscriberBot(decode=False)
    try:
        await sub.start(await bot.answer(sub.offer))
        await bot.wait_frames(5, timeout=10)
        assert len(media_mids(sub.offer.sdp).get("video", [])) == 1
        offer = await sub.update(subscribe=[b.feed_id])
        assert offer is not None and offer.type == "offer"
        assert len(media_mids(offer.sdp).get("video", [])) == 2 and sub.feeds == (a.feed_id, b.feed_id)
        await sub.start(await bot.answer(offer))
        await bot.wait_frames(bot.frames + 20, timeout=10)
    finally:
        for closer in (sub, bot, a, a_bot, b, b_bot):
            await closer.aclose()
