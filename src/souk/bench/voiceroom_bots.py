"""aiortc bots for voice rooms: speakers that send a tone of their own pitch (continuous, or stamped bursts),
and ears that decode what they receive and measure each pitch's level (Goertzel, per 20 ms frame).

A speaker bot is one AudioBridge participant; an ear is either a listener on the mix mountpoint or the
speaker's own incoming mix (the others, never itself). With ``burst_period_s`` a speaker sends its tone only
for ``burst_s`` at the start of each period, aligned to the wall clock, and notes each burst's send time (when
the frame is handed to the encoder: the "mouth"); an ear notes when a burst's first loud frame comes out of
its decoder (the "ear"). Both run on one machine's clock, so the difference is the mouth-to-ear latency
through Janus (``souk bench voiceroom``).
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import deque
from typing import Any

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from souk.core.clock import RealtimePacer
from souk.core.tasks import TaskOwner
from souk.media.types import Jsep

RATE = 48000
SAMPLES = 960  # 20 ms
PITCHES = (440.0, 700.0, 1000.0, 1300.0, 1600.0, 1900.0)
AMPLITUDE = 6000
HISTORY = 3000  # frames an ear keeps (60 s)


def level(pcm: np.ndarray, freq: float) -> float:
    """The amplitude of ``freq`` in a frame of mono samples: one DFT bin under a Hann window (so a tone a few
    hundred hertz away leaks next to nothing into it), normalised so that a sine of amplitude A reads about A."""
    n = pcm.shape[0]
    t = np.arange(n) / RATE
    w = np.hanning(n)
    x = pcm * w
    re = float(np.dot(x, np.cos(2 * np.pi * freq * t)))
    im = float(np.dot(x, np.sin(2 * np.pi * freq * t)))
    return 2.0 * float(np.hypot(re, im)) / float(w.sum())


class ToneTrack(MediaStreamTrack):
    """A tone of ``freq`` Hz, 48 kHz mono, 20 ms frames paced in real time; silent while ``playing`` is False.
    With ``burst_period_s`` it sounds only for ``burst_s`` from each period's start (wall clock, shifted by
    ``burst_offset_s``: speakers take turns) and records each burst's send time in ``bursts``."""

    kind = "audio"

    def __init__(self, freq: float, *, amplitude: int = AMPLITUDE, burst_period_s: float = 0.0,
                 burst_s: float = 0.2, burst_offset_s: float = 0.0) -> None:
        super().__init__()
        self.freq = freq
        self.amplitude = amplitude
        self.playing = True
        self.burst_period_s = burst_period_s
        self.burst_s = burst_s
        self.burst_offset_s = burst_offset_s
        self.bursts: deque[float] = deque(maxlen=HISTORY)
        self._pacer = RealtimePacer(SAMPLES / RATE)
        self._phase = 0
        self._sounding = False

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        now = time.time()
        loud = self.playing
        if self.burst_period_s > 0:
            loud = loud and ((now - self.burst_offset_s) % self.burst_period_s) < self.burst_s
            if loud and not self._sounding:
                self.bursts.append(now)
        self._sounding = loud
        if loud:
            t = (np.arange(SAMPLES) + self._phase) / RATE
            wave = (np.sin(2 * np.pi * self.freq * t) * self.amplitude).astype(np.int16)
        else:
            wave = np.zeros(SAMPLES, dtype=np.int16)
        self._phase += SAMPLES
        frame = av.AudioFrame.from_ndarray(wave[None, :], format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = n * SAMPLES
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


class Ear:
    """Decodes one incoming audio track and keeps, per frame, its arrival time and each pitch's level."""

    def __init__(self, pitches: tuple[float, ...] = PITCHES, *, threshold: float = 600.0) -> None:
        self.pitches = pitches
        self.threshold = threshold
        self.frames: deque[tuple[float, tuple[float, ...]]] = deque(maxlen=HISTORY)
        self.onsets: dict[float, deque[float]] = {p: deque(maxlen=HISTORY) for p in pitches}
        self._loud: dict[float, bool] = dict.fromkeys(pitches, False)
        self.count = 0

    def feed(self, frame: av.AudioFrame) -> None:
        now = time.time()
        arr = frame.to_ndarray()
        channels = len(frame.layout.channels)
        pcm = (arr.reshape(-1)[::channels] if channels > 1 else arr.reshape(-1)).astype(np.float64)
        levels = tuple(level(pcm, p) for p in self.pitches)
        self.frames.append((now, levels))
        self.count += 1
        for pitch, value in zip(self.pitches, levels, strict=True):
            loud = value >= self.threshold
            if loud and not self._loud[pitch]:
                self.onsets[pitch].append(now)
            self._loud[pitch] = loud

    def heard(self, pitch: float, since: float = 0.0) -> float:
        """The loudest level of ``pitch`` in the frames that arrived after ``since``."""
        i = self.pitches.index(pitch)
        return max((lv[i] for t, lv in self.frames if t >= since), default=0.0)

    def typical(self, pitch: float, since: float = 0.0) -> float:
        """The median level of ``pitch`` over the frames that arrived after ``since`` (0 when none did): robust
        to the odd frame of codec leakage that :meth:`heard` (a maximum) would report."""
        i = self.pitches.index(pitch)
        values = [lv[i] for t, lv in self.frames if t >= since]
        return float(np.median(values)) if values else 0.0

    async def run(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                self.feed(await track.recv())  # type: ignore[arg-type]
        except MediaStreamError:
            return


def _config() -> RTCConfiguration:
    return RTCConfiguration(iceServers=[])  # never Google's STUN (NOTES)


class SpeakerBot:
    """An AudioBridge speaker: sends :class:`ToneTrack` and hears the room's mix (the others) in ``ear``."""

    def __init__(self, freq: float, *, burst_period_s: float = 0.0, burst_s: float = 0.2,
                 burst_offset_s: float = 0.0, pitches: tuple[float, ...] = PITCHES) -> None:
        self.pc = RTCPeerConnection(_config())
        self.tone = ToneTrack(freq, burst_period_s=burst_period_s, burst_s=burst_s, burst_offset_s=burst_offset_s)
        self.pc.addTransceiver(self.tone, direction="sendrecv")
        self.ear = Ear(pitches)
        self._tasks = TaskOwner(f"speaker-bot-{freq:.0f}")
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._tasks.spawn(self.ear.run(track), "ear")

    async def offer(self) -> Jsep:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return Jsep("offer", self.pc.localDescription.sdp, trickle=False)  # aiortc gathers everything first

    async def accept(self, answer: Jsep) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))

    async def aclose(self) -> None:
        await self.pc.close()
        await self._tasks.aclose()


class ListenerBot:
    """A listener of a mix mountpoint: answers Janus's offer (as DTLS server, see souk.bench.bots) and
    decodes the mix into ``ear``."""

    def __init__(self, pitches: tuple[float, ...] = PITCHES) -> None:
        self.pc = RTCPeerConnection(_config())
        self.ear = Ear(pitches)
        self._tasks = TaskOwner("listener-bot")
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._tasks.spawn(self.ear.run(track), "ear")

    async def answer(self, offer: Jsep) -> Jsep:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
        for tr in self.pc.getTransceivers():
            tr.receiver.transport._set_role("server")  # DTLS server: no 1 s retransmit stall (souk.bench.bots)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return Jsep("answer", self.pc.localDescription.sdp, trickle=False)

    async def aclose(self) -> None:
        await self.pc.close()
        await self._tasks.aclose()


async def until(cond: Any, timeout: float, what: str) -> None:
    """Wait for ``cond()`` to be true (polled every 50 ms); TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.05)
