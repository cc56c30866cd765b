"""A ``souk bench voiceroom`` worker process: aiortc speakers and listeners driven over stdin/stdout JSON lines.

Like :mod:`souk.bench.live.worker` (aiortc is single-threaded per process: the bench spreads its peers), the
worker never talks to Janus; the orchestrator passes offers in and answers out. Requests ``{"id", "op", ...}``,
one reply line each (``"error"`` on failure):

- ``speak`` {pitch, period, burst, offset}: a speaker bot sending stamped bursts; reply ``sid`` and its ``sdp``
- ``accept`` {sid, sdp}: Janus's answer for that speaker
- ``listen`` {offer, cheap}: a listener answering ``offer`` (``cheap``: RTP counted from headers, no decoder,
  :class:`~souk.bench.live.cheap.CheapViewer`; else a decoding :class:`ListenerBot` probe); reply ``vid``, ``sdp``
- ``stats``: ``cpu_s``; since the last ``stats`` (drained) each speaker's burst send times per pitch and each
  probe's onsets per pitch; per listener audio packets received/lost so far
- ``quit`` (or end of stdin): close every peer and exit.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from souk.bench.live.cheap import CheapIdentity, CheapViewer
from souk.bench.voiceroom_bots import ListenerBot, SpeakerBot
from souk.bench.worker_loop import run
from souk.media.netns import VETH_ADDR
from souk.media.types import Jsep

log = logging.getLogger(__name__)


def _drain(values: Any) -> list[float]:
    out = list(values)
    values.clear()
    return out


class Peers:
    def __init__(self) -> None:
        self.speakers: dict[int, SpeakerBot] = {}
        self.probes: dict[int, ListenerBot] = {}
        self.cheap: dict[int, CheapViewer] = {}
        self.identity: CheapIdentity | None = None
        self._next = 0

    def _id(self) -> int:
        self._next += 1
        return self._next

    async def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "speak":
            sid = self._id()
            bot = SpeakerBot(float(req["pitch"]), burst_period_s=float(req["period"]),
                             burst_s=float(req["burst"]), burst_offset_s=float(req["offset"]))
            self.speakers[sid] = bot
            return {"sid": sid, "sdp": (await bot.offer()).sdp}
        if op == "accept":
            await self.speakers[int(req["sid"])].accept(Jsep("answer", str(req["sdp"])))
            return {}
        if op == "listen" and req.get("cheap"):
            if self.identity is None:
                self.identity = CheapIdentity()
            vid = self._id()
            viewer, sdp = await CheapViewer.create(str(req["offer"]), self.identity, VETH_ADDR)
            self.cheap[vid] = viewer
            return {"vid": vid, "sdp": sdp}
        if op == "listen":
            vid = self._id()
            probe = ListenerBot()
            self.probes[vid] = probe
            return {"vid": vid, "sdp": (await probe.answer(Jsep("offer", str(req["offer"])))).sdp}
        if op == "stats":
            return await self.stats()
        raise ValueError(f"unknown op {op!r}")

    async def stats(self) -> dict[str, Any]:
        bursts = {str(b.tone.freq): _drain(b.tone.bursts) for b in self.speakers.values()}
        listeners: dict[str, dict[str, Any]] = {}
        for vid, probe in self.probes.items():
            received = lost = 0
            for st in (await probe.pc.getStats()).values():
                if getattr(st, "type", "") == "inbound-rtp" and getattr(st, "kind", "") == "audio":
                    received += int(st.packetsReceived or 0)
                    lost += int(st.packetsLost or 0)
            onsets = {str(p): _drain(q) for p, q in probe.ear.onsets.items()}
            listeners[str(vid)] = {"received": received, "lost": max(lost, 0), "onsets": onsets, "probe": True}
        for vid, viewer in self.cheap.items():
            st = viewer.stats()
            listeners[str(vid)] = {"received": st["audio_received"], "lost": st["audio_lost"],
                                   "connected": st["connected"], "probe": False}
        return {"cpu_s": time.process_time(), "bursts": bursts, "listeners": listeners}

    async def aclose(self) -> None:
        for viewer in self.cheap.values():
            await viewer.aclose()
        for probe in self.probes.values():
            await probe.aclose()
        for speaker in self.speakers.values():
            await speaker.aclose()


def main() -> int:
    return run(Peers(), "voiceroom-bench-worker")


if __name__ == "__main__":
    sys.exit(main())
