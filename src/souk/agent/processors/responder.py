"""Turn events -> speech-to-text -> brain -> text-to-speech, with speculation and barge-in handling.

* At the first non-speech window of a turn (``UserPaused``) the transcription starts speculatively, unless
  the speech-to-text engine is already busy (back-off under load). Speech resuming discards it; the end of
  the turn adopts it (the audio since the pause is silence, so the result stands).
* A barge-in pauses the agent (the output stage stops at once). When the user's turn ends, a cough or a
  backchannel ("mm-hm", "ok", "sí", "嗯") resumes the agent where it stopped; anything else cuts the
  utterance, and the brain keeps in its history only what the user heard.
* The brain is called only once a turn is confirmed: brain sessions keep state and cannot un-hear a turn.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from souk.agent.brain import BrainReply, BrainSession
from souk.agent.frames import (
    AgentText,
    AudioOut,
    Cancel,
    EndOfTurn,
    ErrorFrame,
    Frame,
    Interrupt,
    ResumeOutput,
    Say,
    TextIn,
    Transcript,
    UserPaused,
    UserResumed,
    UtteranceEnd,
)
from souk.agent.handle import UtteranceHandle
from souk.agent.metrics import TurnMetrics
from souk.agent.pipeline import Processor
from souk.agent.playback import Playback
from souk.agent.processors.output import OutputProcessor
from souk.agent.providers.base import SpeechToText, SttResult, TextToSpeech
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

BACKCHANNELS = frozenset({
    "mm", "mmm", "mhm", "mm-hm", "mm-hmm", "mmhmm", "uh-huh", "uh huh", "hmm", "hm", "ah", "oh", "ok", "okay",
    "yeah", "yes", "yep", "right", "sure", "i see", "got it", "alright",
    "sí", "si", "vale", "ajá", "aja", "claro", "ya", "iya", "oke", "sim", "tá", "ta", "certo",
    "嗯", "嗯嗯", "对", "好", "哦", "是", "نعم", "اه", "ايوه", "تمام",
})
_PUNCT = re.compile(r"[^\w\s'-]+", re.UNICODE)


def is_backchannel(text: str) -> bool:
    t = _PUNCT.sub(" ", text.lower()).strip()
    t = re.sub(r"\s+", " ", t)
    return not t or t in BACKCHANNELS or all(w in BACKCHANNELS for w in t.split())


class SpeculationPolicy:
    """Shared by the sessions of a process: speculate only while the STT engine has spare capacity."""

    def __init__(self, max_in_flight: int = 1) -> None:
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.started = 0
        self.wasted = 0
        self.skipped = 0

    def allow(self, engine_busy: int | None = None) -> bool:
        """``engine_busy``: decodes the STT engine is really running (wasted ones included), when it knows."""
        busy = self.in_flight if engine_busy is None else max(self.in_flight, engine_busy)
        if busy >= self.max_in_flight:
            self.skipped += 1
            return False
        return True


@dataclass(slots=True)
class _Spec:
    turn_id: int
    audio_len: int
    task: asyncio.Task[SttResult]


class Responder(Processor):
    name = "responder"

    def __init__(self, *, stt: SpeechToText, tts: TextToSpeech, brain: BrainSession, playback: Playback,
                 output: OutputProcessor, speculation: SpeculationPolicy, language: str | None = None,
                 min_turn_speech_ms: float = 160.0, max_reply_chars: int = 2000) -> None:
        super().__init__()
        self._stt = stt
        self._tts = tts
        self._brain = brain
        self._pb = playback
        self._output = output
        self._policy = speculation
        self.language = language  # fixed by the client; None = detect per turn
        self._min_speech_ms = min_turn_speech_ms
        self._max_reply = max_reply_chars
        self._tasks = TaskOwner("voice-responder")
        self._spec: _Spec | None = None
        self._reply: asyncio.Task[None] | None = None
        self._turn_lock = asyncio.Lock()
        self._utterance = 0
        self._scripted = 0  # the latest utterance spoken by say() (see frames.Say)
        self.turns_done = 0

    async def process(self, frame: Frame) -> None:
        clock = self._pb.clock
        if isinstance(frame, UserPaused):
            self._start_speculation(frame)
        elif isinstance(frame, UserResumed):
            self._drop_speculation(wasted=True)
        elif isinstance(frame, EndOfTurn):
            await self._end_of_turn(frame)
        elif isinstance(frame, TextIn):
            await self._cut_current()
            m = TurnMetrics(frame.turn_id, clock.now(), vad_end=clock.now())
            self._reply = self._tasks.spawn(self._answer(frame.text, None, m), f"text-{frame.turn_id}")
        elif isinstance(frame, Say):
            await self._cut_current()
            m = TurnMetrics(0, clock.now())
            reply = BrainReply(frame.text, frame.language, metadata={"scripted": True})
            self._reply = self._tasks.spawn(self._speak(reply, m), "say")
        elif isinstance(frame, Interrupt):
            await self.push(frame)
            if frame.reason == "client":
                await self._cut_current()
        else:
            await self.push(frame)

    # speculation -------------------------------------------------------------------------------

    def _start_speculation(self, frame: UserPaused) -> None:
        self._drop_speculation(wasted=True)
        if not self._policy.allow(getattr(self._stt, "in_flight", None)):
            return
        self._policy.started += 1
        self._policy.in_flight += 1
        task = self._tasks.spawn(self._stt.transcribe(frame.audio, language=self.language),
                                 f"stt-spec-{frame.turn_id}")
        task.add_done_callback(self._spec_done)
        self._spec = _Spec(frame.turn_id, len(frame.audio), task)

    def speculation_for(self, turn_id: int) -> asyncio.Task[SttResult] | None:
        """The speculative transcription of ``turn_id``'s current pause, if one is running or done."""
        spec = self._spec
        return spec.task if spec is not None and spec.turn_id == turn_id and not spec.task.cancelled() else None

    def _spec_done(self, _: asyncio.Task[SttResult]) -> None:
        self._policy.in_flight -= 1

    def _drop_speculation(self, *, wasted: bool) -> None:
        if self._spec is not None:
            if wasted:
                self._policy.wasted += 1
            if not self._spec.task.done():
                self._spec.task.cancel()  # the thread finishes its decode, the result is ignored
            self._spec = None

    # turns -------------------------------------------------------------------------------------

    async def _end_of_turn(self, eot: EndOfTurn) -> None:
        spec = self._spec if self._spec is not None and self._spec.turn_id == eot.turn_id else None
        if spec is None:
            self._drop_speculation(wasted=True)
        self._spec = None
        if eot.speech_ms < self._min_speech_ms:  # a cough, a click: not a turn
            if spec is not None:
                spec.task.cancel()
            if self._pb.paused:
                await self.push(ResumeOutput(eot.t))
            return
        m = TurnMetrics(eot.turn_id, eot.speech_end_t, vad_end=eot.t, stt_audio_s=len(eot.audio) / 32000,
                        eot_reason=eot.reason, eot_probability=eot.probability, smart_turn_ms=eot.check_ms)
        self._tasks.spawn(self._turn(eot, spec, m), f"turn-{eot.turn_id}")

    async def _turn(self, eot: EndOfTurn, spec: _Spec | None, m: TurnMetrics) -> None:
        try:
            if spec is not None:
                m.stt_speculative = True
                result = await spec.task
            else:
                result = await self._stt.transcribe(eot.audio, language=self.language)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any engine failure fails this turn only; reported below
            log.warning("speech-to-text failed on turn %d: %s", eot.turn_id, exc)
            await self.push(ErrorFrame("stt_failed", str(exc), permanent=False))
            if self._pb.paused:
                await self.push(ResumeOutput(self._pb.clock.now()))
            return
        m.stt_done = self._pb.clock.now()
        text = result.text.strip()
        if self._pb.paused and is_backchannel(text):
            await self.push(Transcript(text, result.language, True, eot.turn_id))
            await self.push(ResumeOutput(self._pb.clock.now()))
            return
        if not text:
            return
        await self.push(Transcript(text, result.language, True, eot.turn_id))
        await self._cut_current()
        self._reply = asyncio.current_task()  # type: ignore[assignment]
        await self._answer(text, result.language or None, m)

    async def _cut_current(self) -> None:
        """The user took the floor: end the agent's utterance; history keeps only what was heard."""
        if self._reply is not None and self._reply is not asyncio.current_task() and not self._reply.done():
            self._reply.cancel()
        h = self._pb.handle
        if h is not None:
            if not self._pb.paused:
                self._pb.pause()
            h.interrupt()
            self._pb.finish()
            heard = h.heard_text()
            if h.id != self._scripted:  # a scripted line never was the brain's reply: its history stays
                try:
                    self._brain.truncate_last_reply(heard)
                except Exception:  # a brain bug must not break the voice session
                    log.exception("truncate_last_reply failed")
            await self.push(Cancel(h.id, heard, "barge_in"))

    async def _answer(self, text: str, language: str | None, m: TurnMetrics) -> None:
        clock = self._pb.clock
        async with self._turn_lock:
            try:
                reply = await self._brain.reply(text, language_hint=language or self.language)
            except asyncio.CancelledError:
                raise
            except SoukError as exc:
                await self.push(ErrorFrame(exc.code, exc.message, permanent=False))
                return
            except Exception as exc:
                log.exception("brain failed")
                await self.push(ErrorFrame("brain_failed", str(exc), permanent=False))
                return
            m.brain_done = clock.now()
            await self._speak(reply, m)
            self.turns_done += 1

    async def _speak(self, reply: BrainReply, m: TurnMetrics) -> None:
        self._utterance += 1
        uid = self._utterance
        if reply.metadata.get("scripted"):
            self._scripted = uid
        spoken = reply.text[: self._max_reply]
        handle = UtteranceHandle(uid, spoken, reply.language)
        self._pb.begin(handle)
        self._output.watch(uid, m)
        await self.push(AgentText(reply.text, reply.language, uid, _payload(reply)))
        try:
            async for clause, pcm in self._tts.stream(spoken, reply.language):
                if not m.tts_first:
                    m.tts_first = self._pb.clock.now()
                handle.add_segment(clause, len(pcm))
                await self.push(AudioOut(pcm, uid))
                while self._pb.paused and self._pb.handle is handle:
                    # barged in on: synthesize no further clause (CPU for the user's turn) until the
                    # agent resumes (a cough, "mm-hm") or the utterance is cut (this task is cancelled)
                    await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the client; the session goes on
            log.warning("text-to-speech failed: %s", exc)
            await self.push(ErrorFrame("tts_failed", str(exc), permanent=False))
        await self.push(UtteranceEnd(uid))

    async def aclose(self) -> None:
        await self._tasks.aclose()


def _payload(reply: BrainReply) -> dict[str, object]:
    out: dict[str, object] = {}
    if reply.metadata.get("scripted"):
        out["scripted"] = True  # said as written (a greeting, a hand-over line), not a brain turn
    if reply.handoff:
        out["handoff"] = {"to": reply.handoff, "reason": reply.handoff_reason}
    if reply.tool_calls:
        out["tool_calls"] = [{"name": c.name, "arguments": c.arguments, "result": c.result, "error": c.error}
                             for c in reply.tool_calls]
    if reply.cards:
        out["cards"] = list(reply.cards)
    return out
