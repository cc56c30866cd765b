"""The live bench's cheap viewer against a real Janus: ICE and DTLS complete (Janus says webrtcup), and it
counts the publisher's real frames and packets without decoding (needs the media network namespace)."""

from __future__ import annotations

import asyncio

import pytest

from souk.bench.bots import PublisherBot
from souk.bench.live.cheap import CheapIdentity, CheapViewer
from souk.core.tenancy import RoomKey
from souk.media.admin import JanusAdmin
from souk.media.netns import VETH_ADDR
from souk.media.plane import MediaPlane

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]


async def _until(cond: object, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_cheap_viewer_connects_and_counts_real_frames(media_plane: MediaPlane, janus_admin: JanusAdmin,
                                                            netns: None) -> None:
    room = RoomKey("shop", "room_cheap")
    await media_plane.ensure_room(room, kind="live")
    bot = PublisherBot()
    pub = await media_plane.join_publisher(room, display="host")
    await bot.accept(await pub.publish(await bot.offer()))
    await pub.wait_webrtcup(10)
    identity = CheapIdentity()
    viewers = []
    subs = []
    try:
        for _ in range(2):  # two viewers of one worker share its certificate, each on its own socket
            sub = await media_plane.subscribe(room, [pub.feed_id], wait_s=10)
            viewer, answer = await CheapViewer.create(sub.offer.sdp, identity, VETH_ADDR)
            viewers.append(viewer)
            subs.append(sub)
            assert "a=setup:passive" in answer and f"udp 2130706431 {VETH_ADDR}" in answer
            await sub.start(type(sub.offer)("answer", answer, trickle=False))
            await sub.wait_webrtcup(10)  # Janus's ICE and DTLS with it are done
        v = viewers[0]
        await _until(lambda: v.clock.frames >= 30, 10)
        assert v.ice_ok_at is not None and v.dtls_ok_at is not None

        # over 2 s it counts about the frames the publisher sent (30 fps), and the audio packets (50/s)
        f0, sent0, a0 = v.clock.frames, bot.frames_sent, v.streams["audio"].received
        await asyncio.sleep(2.0)
        frames, sent = v.clock.frames - f0, bot.frames_sent - sent0
        assert abs(frames - sent) <= 6 and frames >= 40
        assert v.streams["audio"].received - a0 >= 70
        stats = v.stats()
        assert stats["connected"] and stats["lost"] == 0 and stats["received"] > frames
        assert stats["lags_ms"] and min(stats["lags_ms"]) >= 0.0
        assert viewers[1].stats()["received"] > 0

        # its receiver reports reach Janus (SRTCP keys from the handshake): Janus rates both outgoing streams
        # from them (a stream no report named stays at 0)
        await _until(lambda: v.reports_sent >= 6, 8)  # three rounds: Janus rates a stream from its reports' deltas
        info = await janus_admin.handle_info(media_plane.session_id(), subs[0].handle.handle_id)
        quality = {m["type"]: m["rtcp"]["main"]["out-link-quality"] for m in info["webrtc"]["media"].values()}
        assert quality["video"] > 0 and quality["audio"] > 0, quality

        # Janus stops relaying video: the count stops with it (real media, not a clock)
        await pub.set_media(video=False)
        await asyncio.sleep(1.0)
        stalled = v.clock.frames
        await asyncio.sleep(0.8)
        assert v.clock.frames - stalled <= 2
        # and when video comes back, the pause is one W3C freeze of about its length
        freezes = v.clock.freezes
        await pub.set_media(video=True)
        await _until(lambda: v.clock.frames >= stalled + 10, 10)
        assert v.clock.freezes >= freezes + 1 and v.clock.max_gap_ms >= 1500
    finally:
        for sub in subs:
            await sub.aclose()
        for viewer in viewers:
            await viewer.aclose()
        await pub.aclose()
        await bot.aclose()
