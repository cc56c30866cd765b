"""The last stage: paces the agent's audio out in real time and turns frames into transport events."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from souk.agent.frames import (
    AgentText,
    AudioOut,
    Cancel,
    ErrorFrame,
    Frame,
    Interrupt,
    MetricsFrame,
    ResumeOutput,
    Transcript,
    UserSpeechStarted,
    UtteranceEnd,
)
from souk.agent.metrics import TurnMetrics
from souk.agent.pipeline import Processor
from souk.agent.playback import FRAME_S, Playback
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)


class VoiceOutput(Protocol):
    """Where the session's output goes (a WebSocket, an aiortc track, a test recorder).

    A transport that buffers audio (an outbox, a track's queue) should also have ``flush_audio()`` (plain,
    not async): called the moment the agent is interrupted, it drops every agent audio frame not yet sent.
    """

    async def send_audio(self, pcm: bytes) -> None: ...

    async def send_event(self, event: dict[str, Any]) -> None: ...


def flush_transport(transport: object) -> None:
    flush = getattr(transport, "flush_audio", None)
    if callable(flush):
        flush()


class OutputProcessor(Processor):
    name = "output"

    def __init__(self, transport: VoiceOutput, playback: Playback) -> None:
        super().__init__()
        self._tx = transport
        self._pb = playback
        self._wake = asyncio.Event()
        self._tasks = TaskOwner("voice-output")
        self._metrics: dict[int, TurnMetrics] = {}  # utterance id -> the turn's metrics
        self._cut: tuple[int, int] | None = None  # (utterance id, frames played) of a cut not yet announced

    def start(self) -> None:
        self._tasks.spawn(self._playout(), "playout")

    def watch(self, utterance_id: int, metrics: TurnMetrics) -> None:
        self._metrics[utterance_id] = metrics

    async def process(self, frame: Frame) -> None:
        pb = self._pb
        if isinstance(frame, AudioOut):
            if pb.handle is not None and pb.handle.id == frame.utterance_id:
                pb.append(frame.pcm)
                self._wake.set()
        elif isinstance(frame, Interrupt):
            self.cut(frame)
            if self._cut is not None:
                uid, played = self._cut
                self._cut = None
                event: dict[str, Any] = {"type": "interrupted", "utterance": uid, "reason": frame.reason,
                                         "played_ms": played * 20}
                if frame.onset_t:
                    event["detect_ms"] = round((frame.t - frame.onset_t) * 1000, 1)
                await self._tx.send_event(event)
        elif isinstance(frame, ResumeOutput):
            if pb.handle is not None and pb.paused:
                pb.resume()
                await self._tx.send_event({"type": "resumed", "utterance": pb.handle.id})
                self._wake.set()
        elif isinstance(frame, Cancel):
            self._metrics.pop(frame.utterance_id, None)
            await self._tx.send_event({"type": "audio_end", "utterance": frame.utterance_id, "interrupted": True,
                                       "heard_text": frame.heard_text})
        elif isinstance(frame, AgentText):
            await self._tx.send_event({"type": "agent_text", "utterance": frame.utterance_id,
                                       "text": frame.text, "language": frame.language, **frame.payload})
        elif isinstance(frame, UtteranceEnd):
            if pb.handle is not None and pb.handle.id == frame.utterance_id:
                pb.handle.synthesis_done = True
            self._wake.set()
        elif isinstance(frame, Transcript):
            await self._tx.send_event({"type": "transcript", "final": frame.final, "text": frame.text,
                                       "language": frame.language, "turn": frame.turn_id})
        elif isinstance(frame, UserSpeechStarted):
            await self._tx.send_event({"type": "vad", "state": "speech_start"})
        elif isinstance(frame, MetricsFrame):
            await self._tx.send_event({"type": "metrics", "turn": frame.turn_id, **frame.values})
        elif isinstance(frame, ErrorFrame):
            await self._tx.send_event({"type": "error", "code": frame.code, "message": frame.message,
                                       "permanent": frame.permanent})

    def cut(self, frame: Interrupt) -> None:
        """Stop the agent's audio now: pause playback and drop every frame the transport has not sent yet.

        Synchronous, so the stage that detects the interruption calls it in the same step; the
        ``interrupted`` event follows when the Interrupt frame reaches this stage."""
        pb = self._pb
        if pb.handle is None or pb.paused:
            return
        played = pb.pause()
        flush_transport(self._tx)
        self._cut = (pb.handle.id, played)
        self._wake.set()

    async def _playout(self) -> None:
        pb = self._pb
        clock = pb.clock
        while True:
            h = pb.handle
            if h is None or pb.paused or pb.cursor >= len(pb.frames):
                if h is not None and not pb.paused and h.synthesis_done and pb.cursor >= len(pb.frames):
                    await self._finish_when_played()
                    continue
                self._wake.clear()
                await self._wake.wait()
                continue
            now = clock.now()
            if now > pb.start_t + pb.cursor * FRAME_S:
                # first frame, or the synthesizer fell behind: playback (re)starts now
                pb.start_t = now + pb.lead_s - pb.cursor * FRAME_S
            due = pb.start_t + pb.cursor * FRAME_S - pb.lead_s
            if due > now:
                await clock.sleep(due - now)
                continue  # state may have changed while sleeping (pause, new utterance)
            frame = pb.frames[pb.cursor]
            pb.echo.played(pb.start_t + pb.cursor * FRAME_S, frame)
            pb.cursor += 1
            if pb.cursor == 1 and not pb.first_frame_t:
                pb.first_frame_t = clock.now()
                await self._first_audio(h.id)
                if pb.paused or pb.handle is not h:  # cut while the event went out: not one more frame
                    continue
            await self._tx.send_audio(frame)

    async def _first_audio(self, utterance_id: int) -> None:
        m = self._metrics.pop(utterance_id, None)
        await self._tx.send_event({"type": "audio_start", "utterance": utterance_id})
        if m is not None:
            m.first_audio_out = self._pb.clock.now()
            await self._tx.send_event({"type": "metrics", "turn": m.turn_id, **m.as_ms()})

    async def _finish_when_played(self) -> None:
        pb = self._pb
        h = pb.handle
        if h is None:
            return
        end_t = pb.start_t + len(pb.frames) * FRAME_S
        now = pb.clock.now()
        if now < end_t:
            await pb.clock.sleep(end_t - now)
            return  # re-check: a barge-in may have paused it meanwhile
        h.mark_played(h.total_samples)
        h.done = True
        pb.finish()
        await self._tx.send_event({"type": "audio_end", "utterance": h.id, "interrupted": False})

    async def aclose(self) -> None:
        await self._tasks.aclose()
