"""A non-browser reader of a RED feed (the AI attendant's aiortc, souk.agent.transports.red): two Chromium pages
in a consult room publish RFC 2198 RED through Janus; an aiortc subscription to the shopper's feed, as the
attendant makes it, decodes the primary blocks as Opus, while the same subscription without the unwrapping
cannot decode what Janus labels "opus" (the reason RED is kept off every other non-browser reader)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from souk.agent.transports.red import unwrap_red
from souk.core.tenancy import RoomKey
from souk.media.types import Jsep
from tests.integration.resilience.call import ROOM, call

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.timeout(150)]


async def listen(media: Any, room: RoomKey, feed_id: int, *, unwrap: bool, seconds: float) -> dict[str, float]:
    """Subscribe to ``feed_id`` with aiortc (as JanusVoiceParticipant.listen does) and read its audio."""
    sub = await media.subscribe(room, [feed_id])
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    pc.on("track", lambda t: got.set_result(t) if t.kind == "audio" and not got.done() else None)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sub.offer.sdp, type="offer"))
        for tr in pc.getTransceivers():
            tr.receiver.transport._set_role("server")
            if unwrap and tr.kind == "audio":
                unwrap_red(tr.receiver)
        await pc.setLocalDescription(await pc.createAnswer())
        await sub.start(Jsep("answer", pc.localDescription.sdp))
        track = await asyncio.wait_for(got, 10)
        frames, loud = 0, 0.0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                frame = await asyncio.wait_for(track.recv(), max(0.05, end - time.monotonic()))
            except (TimeoutError, MediaStreamError):
                continue
            pcm = frame.to_ndarray().astype(np.float64)
            frames += 1
            loud = max(loud, float(np.sqrt(np.mean(pcm * pcm))))
        return {"frames": frames, "loudest_rms": loud}
    finally:
        await pc.close()
        await sub.aclose()


async def test_an_aiortc_reader_decodes_a_red_feed_only_unwrapped(tmp_path: Path) -> None:
    async with call(tmp_path) as c:
        room = RoomKey(c.souk.merchant_id, ROOM)
        member = c.souk.ctx.hub.member(room, "shopper-1")
        assert member is not None and member.red and member.feed_id is not None  # the shopper publishes RED
        media = c.souk.ctx.media
        unwrapped = await listen(media, room, member.feed_id, unwrap=True, seconds=4.0)
        raw = await listen(media, room, member.feed_id, unwrap=False, seconds=4.0)
    print(f"\nunwrapped {unwrapped}\nraw {raw}")
    # 20 ms frames for 4 s, and Chromium's fake microphone's beeps in them
    assert unwrapped["frames"] >= 120 and unwrapped["loudest_rms"] > 300, unwrapped
    # what Janus labels "opus" is RED: aiortc's Opus decoder makes no sound of it
    assert raw["frames"] < 0.5 * unwrapped["frames"] or raw["loudest_rms"] < 0.2 * unwrapped["loudest_rms"], raw
