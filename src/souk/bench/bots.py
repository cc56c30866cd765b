"""aiortc bots for tests and benchmarks: a publisher with a frame-counter video track and a tone, a
subscriber that reports time to its first decoded video frame, and a non-decoding subscriber.
``PublisherBot(timestamps=True)`` sends 640x360 frames stamped with the wall-clock send time instead, and
``SubscriberBot(timestamps=True)`` reads them back into glass-to-glass delays (``souk bench live``).

Rules learnt on this machine (NOTES): never ask Google's STUN (``RTCConfiguration(iceServers=[])``);
aiortc gathers every candidate inside setLocalDescription, so its SDP goes to Janus complete (trickle off);
subscribers answer as DTLS *server* (a private aiortc attribute, pinned by ``aiortc==1.16.0`` and checked by
:func:`check_aiortc_internals`), which removes the 1 s DTLS retransmit stall on ~11% of joins.
Decoding subscribers also repair lost video the way a browser does (:meth:`SubscriberBot._repair`): they NACK packets
still missing again every ``RENACK_S`` (Chrome retries each round trip; aiortc asks once per new gap), and
when a hole has blocked the jitter buffer for ``STUCK_S`` they drop what is before the newest frame and ask
for a keyframe (PLI), as Chrome does with a frame it cannot complete. aiortc alone waits for 512 packets
(seconds) before it skips a hole: on a 2 % loss link about one join in 50 showed no first frame in 8 s.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import time
from typing import Any

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack, VideoStreamTrack
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.utils import uint16_add, uint16_gt

from souk.core.clock import RealtimePacer
from souk.core.errors import ConfigError
from souk.core.tasks import TaskOwner
from souk.media.types import Jsep

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 320, 180
BITS = 16
BAND = 48  # rows of the top band that carries the counter
_DECODER_QUEUE_ATTR = "_RTCRtpReceiver__decoder_queue"
_NACK_ATTR = "_RTCRtpReceiver__nack_generator"
_JITTER_ATTR = "_RTCRtpReceiver__jitter_buffer"
RENACK_S = 0.21  # just above Janus's 200 ms "retransmitted just now, skip" window
STUCK_S = 0.5  # a hole older than this (two NACK retries on a 150 ms link): skip to the newest frame, ask a keyframe
REPAIR_TICK_S = 0.01
MAX_STAMP_AGE_MS = 60_000.0  # a "stamp" older than this was read off a frame that carries none


def check_aiortc_internals() -> None:
    """Fail loudly if the private aiortc attributes the bots rely on have moved (aiortc upgrade)."""
    import aiortc
    from aiortc.rtcdtlstransport import RTCDtlsTransport

    if not hasattr(RTCDtlsTransport, "_set_role"):
        raise ConfigError(f"aiortc {aiortc.__version__}: RTCDtlsTransport._set_role is gone; re-check bots")
    names = RTCRtpReceiver.__init__.__code__.co_names
    for attr in (_DECODER_QUEUE_ATTR, "_RTCRtpReceiver__decoder_thread", _NACK_ATTR, _JITTER_ATTR):
        if attr not in names:
            raise ConfigError(f"aiortc {aiortc.__version__}: RTCRtpReceiver.{attr} is gone; re-check bots")


def _config() -> RTCConfiguration:
    return RTCConfiguration(iceServers=[])


# ------------------------------------------------------------------ synthetic media


def counter_frame(n: int, width: int = WIDTH, height: int = HEIGHT) -> av.VideoFrame:
    """A yuv420p frame whose top band shows ``n`` (mod 2**16) as 16 black/white blocks, MSB first."""
    y = np.full((height, width), 90, dtype=np.uint8)
    block = width // BITS
    for bit in range(BITS):
        if (n >> (BITS - 1 - bit)) & 1:
            y[:BAND, bit * block:(bit + 1) * block] = 235
        else:
            y[:BAND, bit * block:(bit + 1) * block] = 16
    # a moving bar below the band so the encoder has motion to code
    x = (n * 4) % width
    y[BAND + 8:, x:x + 8] = 200
    uv = np.full((height // 2, width), 128, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(np.vstack([y, uv]), format="yuv420p")


def read_counter(frame: av.VideoFrame) -> int:
    """Read back the number :func:`counter_frame` drew (robust to VP8 coding at normal quality)."""
    y = frame.to_ndarray(format="gray")
    width = y.shape[1]
    block = width // BITS
    row = BAND // 2
    n = 0
    for bit in range(BITS):
        sample = int(y[row - 4:row + 4, bit * block + block // 4: (bit + 1) * block - block // 4].mean())
        n = (n << 1) | (1 if sample > 128 else 0)
    return n


# timestamp frames: 40 blocks (10 x 4) in the top band = the send time in ms (mod 2**32) + 8 check bits
TS_WIDTH, TS_HEIGHT = 640, 360
TS_COLS, TS_ROWS = 10, 4
TS_BAND = 192  # rows of the top band that carry the stamp (blocks of 64 x 48 pixels)
_TS_MOD = 1 << 32
_TS_SCROLL = 4  # pixels a frame


def _ts_texture() -> np.ndarray:
    """A fixed random texture twice the frame's width, scrolled to give the encoder steady motion: about
    600 kbit/s of VP8 at 30 fps (fresh noise every frame would need ~3 Mbit/s whatever the encoder's target)."""
    rng = np.random.default_rng(5)
    return (120 + rng.integers(-30, 30, size=(TS_HEIGHT - TS_BAND - 8, 2 * TS_WIDTH))).astype(np.uint8)


def ts_texture_at(texture: np.ndarray, n: int) -> np.ndarray:
    x = (n * _TS_SCROLL) % TS_WIDTH
    return texture[:, x:x + TS_WIDTH]


def _ts_check(value: int) -> int:
    return (sum(value.to_bytes(4, "big")) ^ 0xA5) & 0xFF


def timestamp_frame(ms: int, n: int = 0, width: int = TS_WIDTH, height: int = TS_HEIGHT,
                    noise: np.ndarray | None = None) -> av.VideoFrame:
    """A yuv420p frame whose top band shows ``ms`` (mod 2**32) and a check byte as large black/white blocks.

    Below the band: a moving bar and, if given, a (cycled) noise texture so the encoder has real work."""
    value = ms % _TS_MOD
    word = (value << 8) | _ts_check(value)
    y = np.full((height, width), 90, dtype=np.uint8)
    bw, bh = width // TS_COLS, (height * TS_BAND // TS_HEIGHT) // TS_ROWS
    for i in range(TS_COLS * TS_ROWS):
        r, c = divmod(i, TS_COLS)
        y[r * bh:(r + 1) * bh, c * bw:(c + 1) * bw] = 235 if (word >> (39 - i)) & 1 else 16
    top = bh * TS_ROWS + 8
    if noise is not None:
        y[top:top + noise.shape[0], :noise.shape[1]] = noise[:height - top, :width]
    x = (n * 6) % width
    y[top:, x:x + 12] = 220
    uv = np.full((height // 2, width), 128, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(np.vstack([y, uv]), format="yuv420p")


def read_timestamp(frame: av.VideoFrame) -> int | None:
    """The ms value :func:`timestamp_frame` drew, or None when the check byte does not match (damaged)."""
    y = frame.to_ndarray(format="gray")
    height, width = y.shape
    bw, bh = width // TS_COLS, (height * TS_BAND // TS_HEIGHT) // TS_ROWS
    word = 0
    for i in range(TS_COLS * TS_ROWS):
        r, c = divmod(i, TS_COLS)
        cell = y[r * bh + bh // 4:(r + 1) * bh - bh // 4, c * bw + bw // 4:(c + 1) * bw - bw // 4]
        word = (word << 1) | (1 if int(cell.mean()) > 128 else 0)
    value = word >> 8
    return value if _ts_check(value) == word & 0xFF else None


def timestamp_age_ms(stamp: int, now_ms: float) -> float:
    """Milliseconds from a stamp to ``now_ms`` (same clock; a float keeps sub-ms), across the 2**32 wrap."""
    return (now_ms - stamp) % _TS_MOD


def cap_vp8_bitrate(bps: int) -> None:
    """Cap (and start) aiortc's VP8 encoder at ``bps`` in THIS process (module globals: a bench worker only)."""
    from aiortc.codecs import vpx

    vpx.MAX_BITRATE = bps
    vpx.DEFAULT_BITRATE = min(vpx.DEFAULT_BITRATE, bps)
    vpx.MIN_BITRATE = min(vpx.MIN_BITRATE, bps)


class TimestampVideoTrack(VideoStreamTrack):
    """30 fps 640x360 video; each frame carries ``int(time.time() * 1000)`` taken when it is produced."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._texture = _ts_texture()

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = timestamp_frame(int(time.time() * 1000), self.count, noise=ts_texture_at(self._texture, self.count))
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


class CounterVideoTrack(VideoStreamTrack):
    """30 fps synthetic video; frame i carries counter i."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = counter_frame(self.count)
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


class ToneAudioTrack(MediaStreamTrack):
    """A 440 Hz tone, 48 kHz mono, 20 ms frames, paced in real time."""

    kind = "audio"
    RATE = 48000
    SAMPLES = 960

    def __init__(self) -> None:
        super().__init__()
        self._pacer = RealtimePacer(0.02)
        t = np.arange(self.SAMPLES * 50) / self.RATE
        self._wave = (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        offset = (n % 50) * self.SAMPLES
        frame = av.AudioFrame.from_ndarray(self._wave[None, offset:offset + self.SAMPLES], format="s16",
                                           layout="mono")
        frame.sample_rate = self.RATE
        frame.pts = n * self.SAMPLES
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame


# ------------------------------------------------------------------ peers


def _newest_frame_start(jitter: Any, packets: list[Any]) -> int:
    """The sequence number of the first packet of the newest frame held by an aiortc jitter buffer."""
    origin = jitter._origin
    newest = max(packets, key=lambda p: uint16_add(p.sequence_number, -origin))
    by_seq = {p.sequence_number: p for p in packets}
    start = newest.sequence_number
    while True:
        prev = by_seq.get(uint16_add(start, -1))
        if prev is None or prev.timestamp != newest.timestamp:
            return start
        start = prev.sequence_number


def _complete_keyframe_after_hole(jitter: Any, packets: list[Any]) -> int | None:
    """The first sequence number of the newest VP8 keyframe held whole (start to marker, no gap) past the
    jitter buffer's first hole, or None. aiortc keeps depayloaded VP8 in ``packet._data``: a frame's first
    byte has the inverse key-frame bit (0 = keyframe)."""
    origin = jitter._origin
    by_seq = {p.sequence_number: p for p in packets}
    if origin not in by_seq:
        hole = origin
    else:
        hole = next((uint16_add(origin, i) for i in range(1, jitter.capacity)
                     if uint16_add(origin, i) not in by_seq), None)
        if hole is None:
            return None
    best = None
    for p in packets:
        seq = p.sequence_number
        data = getattr(p, "_data", b"")
        if not uint16_gt(seq, hole) or not data or data[0] & 0x01:
            continue
        prev = by_seq.get(uint16_add(seq, -1))
        if prev is not None and prev.timestamp == p.timestamp:
            continue  # not the frame's first packet
        cur = p
        while not cur.marker:
            nxt = by_seq.get(uint16_add(cur.sequence_number, 1))
            if nxt is None or nxt.timestamp != p.timestamp:
                break
            cur = nxt
        if cur.marker and (best is None or uint16_gt(seq, best)):
            best = seq
    return best


class PublisherBot:
    """Publishes the counter video (and optionally the tone). ``offer()`` -> Janus -> ``accept(answer)``.

    ``timestamps=True`` publishes :class:`TimestampVideoTrack` (640x360, send time in each frame) instead."""

    def __init__(self, *, audio: bool = True, video: bool = True, timestamps: bool = False) -> None:
        self.pc = RTCPeerConnection(_config())
        self.video: CounterVideoTrack | TimestampVideoTrack | None = None
        if video:
            self.video = TimestampVideoTrack() if timestamps else CounterVideoTrack()
        if self.video is not None:
            self.pc.addTrack(self.video)
        if audio:
            self.pc.addTrack(ToneAudioTrack())

    async def offer(self) -> Jsep:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return Jsep("offer", self.pc.localDescription.sdp, trickle=False)  # aiortc gathers everything first

    async def accept(self, answer: Jsep) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))

    @property
    def frames_sent(self) -> int:
        return self.video.count if self.video else 0

    async def aclose(self) -> None:
        await self.pc.close()


class _NoDecodeQueue(queue.Queue):  # type: ignore[type-arg]
    """Stands in for aiortc's decoder queue: counts encoded frames instead of decoding them."""

    def __init__(self, on_frame: Any) -> None:
        super().__init__()
        self._on_frame = on_frame

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:  # the receiver stopping: let the decoder thread exit
            super().put(None, block, timeout)
        else:
            self._on_frame(item)


class SubscriberBot:
    """Answers Janus's offer as DTLS server and counts video frames (decoded, or encoded when decode=False).

    ``first_frame_at`` is the ``time.monotonic()`` of the first video frame; ``wait_first_frame()`` waits
    for it. With decode=True, ``last_counter`` is the counter read from the latest decoded frame; with
    ``timestamps=True`` (implies decoding) each decoded frame's stamp is read instead and its age on arrival
    (ms, same machine clock) appended to ``delays_ms``; ``bad_stamps`` counts frames whose stamp did not read.
    """

    def __init__(self, *, decode: bool = True, timestamps: bool = False) -> None:
        self.decode = decode or timestamps
        self.timestamps = timestamps
        self.delays_ms: list[float] = []
        self.bad_stamps = 0
        self.pc = RTCPeerConnection(_config())
        self.frames = 0
        self.audio_frames = 0
        self.last_counter = -1
        self.first_frame_at: float | None = None
        self._first = asyncio.get_running_loop().create_future()
        self._tasks = TaskOwner("subscriber-bot")
        self.skips = 0  # holes skipped by _repair (each followed by a keyframe request)
        self._stamp_waiters: list[asyncio.Future[float]] = []
        self.pc.on("track", self._on_track)
        if self.decode:  # a frame counter needs no repair: the many non-decoding bench viewers skip its ticks
            self._tasks.spawn(self._repair(), "repair")

    def _frame(self) -> None:
        self.frames += 1
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
            if not self._first.done():
                self._first.set_result(self.first_frame_at)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self.decode:
            self._tasks.spawn(self._read_video(track), "video")
        elif track.kind == "audio" and self.decode:
            self._tasks.spawn(self._drain_audio(track), "audio")

    async def _read_video(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                self._frame()
                if isinstance(frame, av.VideoFrame) and self.timestamps:
                    stamp = read_timestamp(frame)
                    age = None if stamp is None else timestamp_age_ms(stamp, time.time() * 1000)
                    if age is None or age > MAX_STAMP_AGE_MS:  # unreadable, or another feed's frame that
                        self.bad_stamps += 1                     # happened to pass the 8-bit check
                    else:
                        self.delays_ms.append(round(age, 2))
                        at = time.monotonic()
                        for waiter in self._stamp_waiters:
                            if not waiter.done():
                                waiter.set_result(at)
                        self._stamp_waiters.clear()
                elif isinstance(frame, av.VideoFrame):
                    self.last_counter = read_counter(frame)
        except MediaStreamError:
            return

    async def _drain_audio(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.audio_frames += 1
        except MediaStreamError:
            return

    async def answer(self, offer: Jsep) -> Jsep:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
        for tr in self.pc.getTransceivers():
            tr.receiver.transport._set_role("server")  # DTLS server: see module docstring
            # swap the decoder queue only before the receiver starts its decoder thread (first negotiation):
            # a thread already waiting on a queue must get its stop signal through that same queue
            started = getattr(tr.receiver, "_RTCRtpReceiver__decoder_thread", None) is not None
            if not self.decode and not started and not isinstance(
                    getattr(tr.receiver, _DECODER_QUEUE_ATTR, None), _NoDecodeQueue):
                kind = tr.kind

                def on_frame(_item: Any, kind: str = kind) -> None:
                    if kind == "video":
                        self._frame()
                    else:
                        self.audio_frames += 1

                setattr(tr.receiver, _DECODER_QUEUE_ATTR, _NoDecodeQueue(on_frame))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return Jsep("answer", self.pc.localDescription.sdp, trickle=False)

    async def _repair(self) -> None:
        """Browser-like loss repair on every video receiver (see the module docstring)."""
        loop = asyncio.get_running_loop()
        last_nack: dict[int, float] = {}
        stuck: dict[int, tuple[int, float]] = {}  # receiver -> (jitter origin, since when)
        while True:
            await asyncio.sleep(REPAIR_TICK_S)
            now = loop.time()
            for tr in self.pc.getTransceivers():
                rx, key = tr.receiver, id(tr.receiver)
                gen, jitter = getattr(rx, _NACK_ATTR, None), getattr(rx, _JITTER_ATTR, None)
                if tr.kind != "video" or gen is None or jitter is None or jitter._origin is None or not gen.missing:
                    stuck.pop(key, None)
                    continue
                packets = [p for p in jitter._packets if p is not None]
                if not packets:
                    continue
                ssrc = packets[0].ssrc
                keyframe = _complete_keyframe_after_hole(jitter, packets)
                if keyframe is not None:  # a browser decodes a whole keyframe whatever came before it
                    self._skip_to(jitter, gen, keyframe)
                    stuck.pop(key, None)
                    continue
                if now - last_nack.get(key, 0.0) >= RENACK_S:
                    last_nack[key] = now
                    await rx._send_rtcp_nack(ssrc, sorted(gen.missing))
                origin, since = stuck.get(key, (jitter._origin, now))
                if origin != jitter._origin:
                    origin, since = jitter._origin, now  # it moved on: not stuck
                stuck[key] = (origin, since)
                if now - since >= STUCK_S:  # give up on the hole: newest frame, and ask for a keyframe
                    self._skip_to(jitter, gen, _newest_frame_start(jitter, packets))
                    await rx._send_rtcp_pli(ssrc)
                    stuck.pop(key, None)

    def _skip_to(self, jitter: Any, gen: Any, start: int) -> None:
        skip = uint16_add(start, -jitter._origin)
        if 0 < skip < jitter.capacity:
            jitter.remove(skip)
            gen.missing = {x for x in gen.missing if not uint16_gt(start, x)}
            self.skips += 1

    async def wait_first_frame(self, timeout: float = 10.0) -> float:
        return await asyncio.wait_for(asyncio.shield(self._first), timeout)

    async def wait_stamped_frame(self, timeout: float = 10.0) -> float:
        """``time.monotonic()`` of the next decoded frame that carries a readable timestamp (``timestamps=True``):
        a :class:`TimestampVideoTrack` publisher's frame, not another feed's counter."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._stamp_waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            if waiter in self._stamp_waiters:
                self._stamp_waiters.remove(waiter)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Until the PeerConnection (ICE and DTLS) is connected; TimeoutError if it fails or takes too long."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pc.connectionState != "connected":
            if self.pc.connectionState in ("failed", "closed") or loop.time() > deadline:
                raise TimeoutError(f"PeerConnection {self.pc.connectionState} after {timeout} s")
            await asyncio.sleep(0.01)

    async def wait_frames(self, n: int, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.frames < n:
            if loop.time() > deadline:
                raise TimeoutError(f"got {self.frames} of {n} video frames in {timeout}s")
            await asyncio.sleep(0.02)

    async def aclose(self) -> None:
        await self._tasks.aclose()
        await self.pc.close()
