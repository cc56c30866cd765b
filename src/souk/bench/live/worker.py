"""A bench worker process: aiortc peers driven over stdin/stdout JSON lines by ``souk bench live``.

aiortc is single-threaded per process, so the bench spreads its peers over several of these. The worker never
talks to Janus: the orchestrator holds the media plane, passes Janus's offers in and the answers back out.
Requests are ``{"id": n, "op": ..., ...}``; each gets one reply line ``{"id": n, ...}`` (``"error"`` on failure):

- ``publish`` {bitrate}: a timestamp-video + tone publisher (VP8 capped at ``bitrate``); reply: its offer ``sdp``
- ``accept`` {sdp}: Janus's answer for that publisher
- ``view`` {offer, decode, stamps, cheap}: a viewer answering ``offer``; reply: ``vid`` and the answer ``sdp``.
  ``cheap``: a :class:`~souk.bench.live.cheap.CheapViewer` (RTP counted and timed from headers, on 127.0.0.2)
  instead of an aiortc peer
- ``stats``: ``cpu_s`` (this process), ``bytes_sent`` (publisher), per viewer packets received/lost and frames,
  and since the last ``stats`` (drained): a probe's glass-to-glass delays and their split (``traces``, see
  :mod:`souk.bench.live.probe`), a cheap viewer's frame lags
- ``quit``: close every peer and exit. End of stdin does the same (the orchestrator went away), so a worker
  never outlives it; SIGINT is ignored here (Ctrl-C reaches the whole process group: the orchestrator decides).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from souk.bench.bots import PublisherBot, SubscriberBot, cap_vp8_bitrate
from souk.bench.live.cheap import CheapIdentity, CheapViewer
from souk.bench.live.probe import TracedProbe
from souk.bench.live.rtpcount import FrameClock, first_payload_type
from souk.bench.worker_loop import run
from souk.media.netns import VETH_ADDR
from souk.media.types import Jsep

log = logging.getLogger(__name__)


class Peers:
    def __init__(self) -> None:
        self.publisher: PublisherBot | None = None
        self.viewers: dict[int, SubscriberBot] = {}
        self.cheap: dict[int, CheapViewer] = {}
        self.identity: CheapIdentity | None = None
        self.send_clock = FrameClock()
        self._next = 0

    async def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "publish":
            if self.publisher is not None:
                raise ValueError("this worker already publishes")
            cap_vp8_bitrate(int(req.get("bitrate", 600_000)))
            self.publisher = PublisherBot(timestamps=True)
            return {"sdp": (await self.publisher.offer()).sdp}
        if op == "accept":
            if self.publisher is None:
                raise ValueError("accept before publish")
            await self.publisher.accept(Jsep("answer", str(req["sdp"])))
            self._time_sends(str(req["sdp"]))
            return {}
        if op == "view" and req.get("cheap"):
            if self.identity is None:
                self.identity = CheapIdentity()
            self._next += 1
            vid = self._next
            viewer, sdp = await CheapViewer.create(str(req["offer"]), self.identity, VETH_ADDR)
            self.cheap[vid] = viewer
            return {"vid": vid, "sdp": sdp}
        if op == "view":
            stamps = bool(req.get("stamps"))
            bot = TracedProbe() if stamps else SubscriberBot(decode=bool(req.get("decode")))
            self._next += 1
            vid = self._next  # taken before the await: concurrent views each keep their own id
            self.viewers[vid] = bot
            answer = await bot.answer(Jsep("offer", str(req["offer"])))
            return {"vid": vid, "sdp": answer.sdp}
        if op == "stats":
            return await self.stats()
        raise ValueError(f"unknown op {op!r}")

    def _time_sends(self, answer_sdp: str) -> None:
        """Note when each video frame's last packet leaves the publisher (plain RTP, before SRTP): the
        publisher's own send lag, to tell a publisher that falls behind from a Janus or kernel that holds
        frames (aiortc 1.16.0: the senders share one DTLS transport, whose ``_send_rtp`` is wrapped)."""
        assert self.publisher is not None
        video_pt = first_payload_type(answer_sdp, "video")
        senders = [s for s in self.publisher.pc.getSenders() if s.track is not None and s.track.kind == "video"]
        if video_pt is None or not senders:
            return
        transport = senders[0].transport
        original = transport._send_rtp
        clock = self.send_clock

        async def send_rtp(data: bytes) -> None:
            await original(data)
            if len(data) >= 12 and data[1] == 0x80 | video_pt:  # marker bit: a frame's last packet
                clock.frame(int.from_bytes(data[4:8], "big"), time.monotonic() * 1000)

        transport._send_rtp = send_rtp  # type: ignore[method-assign]

    async def stats(self) -> dict[str, Any]:
        viewers: dict[str, dict[str, Any]] = {}
        for vid, bot in self.viewers.items():
            received = lost = 0
            for st in (await bot.pc.getStats()).values():
                if getattr(st, "type", "") == "inbound-rtp" and getattr(st, "kind", "") == "video":
                    received += int(st.packetsReceived or 0)
                    lost += int(st.packetsLost or 0)
            delays, bot.delays_ms = bot.delays_ms, []
            viewers[str(vid)] = {"received": received, "lost": max(lost, 0), "frames": bot.frames,
                                 "delays_ms": delays, "bad_stamps": bot.bad_stamps, "skips": bot.skips,
                                 "traces": bot.drain_traces() if isinstance(bot, TracedProbe) else []}
        for vid, viewer in self.cheap.items():
            viewers[str(vid)] = viewer.stats()
        bytes_sent = 0
        if self.publisher is not None:
            for st in (await self.publisher.pc.getStats()).values():
                if getattr(st, "type", "") == "outbound-rtp" and getattr(st, "kind", "") == "video":
                    bytes_sent += int(st.bytesSent or 0)
        return {"cpu_s": time.process_time(), "bytes_sent": bytes_sent, "viewers": viewers,
                "send_lags_ms": self.send_clock.drain_lags()}

    async def aclose(self) -> None:
        for viewer in self.cheap.values():
            await viewer.aclose()
        for bot in self.viewers.values():
            await bot.aclose()
        if self.publisher is not None:
            await self.publisher.aclose()


def main() -> int:
    return run(Peers(), "live-bench-worker")


if __name__ == "__main__":
    sys.exit(main())
