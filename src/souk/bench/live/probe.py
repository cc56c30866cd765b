"""A decoding live-bench probe that says where each frame's glass-to-glass time went.

:class:`TracedProbe` is the bench's :class:`~souk.bench.bots.SubscriberBot` (timestamps, browser-like repair)
with three clocks added on its video receivers (aiortc 1.16.0 internals, as the bots already pin):

- ``first``: the frame's first RTP packet handed to the receiver (after SRTP, in the event loop),
- ``assembled``: the jitter buffer hands the whole encoded frame to the decoder thread's queue,
- ``shown``: the decoded frame reaches the reader (``track.recv()``), where its stamp is read.

Each decoded frame then splits into ``send_ms`` (stamp -> first packet: encode, publisher pacing, Janus,
sockets), ``assemble_ms`` (first packet -> whole frame: the frame's other packets, repairs of lost ones, and
aiortc's wait for the next frame's first packet, which is how its jitter buffer sees a frame end) and
``decode_ms`` (queue, libvpx in the decoder thread, the hop back to the event loop). :func:`split_slow` turns a
step's traces into the figures the bench reports: which part made the slow frames slow.

The probe's video jitter buffer is :class:`MarkerJitterBuffer`: a frame is complete at its marker packet, as
in a browser, instead of aiortc's wait for the next frame's first packet (which put one frame interval on
every glass-to-glass figure and, after a repaired hole, freed the frames behind it one per arriving packet).
"""

from __future__ import annotations

import queue
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import av
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from souk.bench.bots import MAX_STAMP_AGE_MS, SubscriberBot, read_timestamp, timestamp_age_ms
from souk.core.stats import percentile

_HANDLE = "_handle_rtp_packet"
_QUEUE = "_RTCRtpReceiver__decoder_queue"
_THREAD = "_RTCRtpReceiver__decoder_thread"
_MAPPER = "_RTCRtpReceiver__timestamp_mapper"
_JITTER = "_RTCRtpReceiver__jitter_buffer"
AIORTC_VIDEO_CAPACITY = 512  # aiortc 1.16.0's video jitter buffer
KEEP = 512  # frames remembered per receiver between arrival and display
MAX_TRACES = 20_000
PARTS = ("send_ms", "assemble_ms", "decode_ms")


class MarkerJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, completing a frame as a browser does: at its marker packet (the frame's
    last), not when the next frame's first packet arrives (aiortc: one frame interval, ~33 ms, on every frame);
    and every frame completed by one packet (a repaired hole frees all those behind it) leaves at once, where
    aiortc frees one frame per arriving packet. Same storage and fields, so the bots' repair works on it."""

    def __init__(self) -> None:
        super().__init__(capacity=AIORTC_VIDEO_CAPACITY, is_video=True)
        self.ready: list[JitterFrame] = []

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        while (frame := self._complete_first()) is not None:
            self.ready.append(frame)
        return self.ready.pop(0) if self.ready else None

    def _complete_first(self) -> JitterFrame | None:
        if self._origin is None:
            return None
        packets: list[Any] = []
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]
            if packet is None:
                return None  # a hole
            if packets and packet.timestamp != packets[0].timestamp:  # no marker, but the next frame follows
                self.remove(count)  # without a gap: complete by aiortc's own rule
                return JitterFrame(data=b"".join(p._data for p in packets), timestamp=packets[0].timestamp)
            packets.append(packet)
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(p._data for p in packets), timestamp=packets[0].timestamp)
        return None


class _TimedQueue(queue.Queue):  # type: ignore[type-arg]
    """aiortc's decoder queue, noting when each encoded frame (by its mapped timestamp) was handed over."""

    def __init__(self, marks: OrderedDict[int, float]) -> None:
        super().__init__()
        self._marks = marks
        self.codec: Any = None

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is not None:
            self.codec = item[0]
            self._marks[int(item[1].timestamp)] = time.time() * 1000
            while len(self._marks) > KEEP:
                self._marks.popitem(last=False)
        super().put(item, block, timeout)


class _ReceiverClocks:
    def __init__(self, receiver: Any) -> None:
        self.receiver = receiver
        self.first: OrderedDict[int, float] = OrderedDict()  # RTP timestamp -> first packet (wall ms)
        self.assembled: OrderedDict[int, float] = OrderedDict()  # mapped timestamp -> handed to the decoder
        original = getattr(receiver, _HANDLE)
        jitter = MarkerJitterBuffer()
        setattr(receiver, _JITTER, jitter)
        timed = _TimedQueue(self.assembled)

        async def handle(packet: Any, arrival_time_ms: int) -> None:
            if packet.timestamp not in self.first:
                self.first[packet.timestamp] = time.time() * 1000
                while len(self.first) > KEEP:
                    self.first.popitem(last=False)
            await original(packet, arrival_time_ms=arrival_time_ms)
            # the frames this packet completed beyond the one aiortc took: to the decoder now, in order
            queue_ = getattr(receiver, _QUEUE)
            del jitter.ready[:-KEEP]  # bounded, should the decoder never start
            while jitter.ready and timed.codec is not None and getattr(receiver, _THREAD, None) is not None:
                frame = jitter.ready.pop(0)
                frame.timestamp = getattr(receiver, _MAPPER).map(frame.timestamp)
                queue_.put((timed.codec, frame))

        setattr(receiver, _HANDLE, handle)
        if getattr(receiver, _THREAD, None) is None:  # the decoder thread takes its queue when it starts
            setattr(receiver, _QUEUE, timed)

    def times(self, pts: int) -> tuple[float | None, float | None]:
        """(first packet, assembled) wall ms of the decoded frame whose pts (aiortc's mapped timestamp) is ``pts``."""
        mapper = getattr(self.receiver, _MAPPER, None)
        origin = getattr(mapper, "_origin", None)
        first = None if origin is None else self.first.get((pts + origin) % (1 << 32))
        return first, self.assembled.get(pts)


class TracedProbe(SubscriberBot):
    def __init__(self) -> None:
        super().__init__(decode=True, timestamps=True)
        self.traces: list[tuple[float, float, float, float]] = []  # (total, send, assemble, decode) ms
        self._clocks: list[_ReceiverClocks] = []

    async def answer(self, offer: Any) -> Any:
        answer = await super().answer(offer)
        for tr in self.pc.getTransceivers():
            if tr.kind == "video" and not any(c.receiver is tr.receiver for c in self._clocks):
                self._clocks.append(_ReceiverClocks(tr.receiver))
        return answer

    async def _read_video(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                self._frame()
                if not isinstance(frame, av.VideoFrame):
                    continue
                shown = time.time() * 1000
                stamp = read_timestamp(frame)
                age = None if stamp is None else timestamp_age_ms(stamp, shown)
                if age is None or age > MAX_STAMP_AGE_MS:
                    self.bad_stamps += 1
                    continue
                self.delays_ms.append(round(age, 2))
                self._trace(age, shown, frame.pts)
        except MediaStreamError:
            return

    def _trace(self, age: float, shown: float, pts: int | None) -> None:
        if pts is None or len(self.traces) >= MAX_TRACES:
            return
        for clocks in self._clocks:
            first, assembled = clocks.times(int(pts))
            if first is None or assembled is None or not first <= assembled <= shown + 1:
                continue
            send = age - (shown - first)
            self.traces.append((round(age, 2), round(send, 2), round(assembled - first, 2),
                                round(shown - assembled, 2)))
            return

    def drain_traces(self) -> list[tuple[float, float, float, float]]:
        out, self.traces = self.traces, []
        return out


def split_slow(traces: Sequence[Sequence[float]], slow_ms: float) -> dict[str, Any]:
    """Where the time went: each part's p50/p95 over all traced frames, and over the frames slower than
    ``slow_ms`` their count, each part's median, and how many each part dominated."""
    out: dict[str, Any] = {"traced_frames": len(traces), "slow_ms": slow_ms}
    for i, name in enumerate(PARTS, start=1):
        values = [t[i] for t in traces]
        out[name] = {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
    slow = [t for t in traces if t[0] > slow_ms]
    out["slow_frames"] = len(slow)
    out["slow_median"] = {name: percentile([t[i] for t in slow], 0.5) for i, name in enumerate(PARTS, start=1)}
    dominant = {name: 0 for name in PARTS}
    for t in slow:
        dominant[PARTS[max(range(3), key=lambda k: t[k + 1])]] += 1
    out["slow_dominated_by"] = dominant
    return out
