"""A streaming recogniser for captions: VAD-segmented utterances, a partial every ~1 s of ongoing speech and a
final at the end of each utterance (issue 16).

Fed 16 kHz mono s16le PCM with its stream time (ms, from the RTP clock), it cuts utterances with the Silero
VAD (speech starts after ``start_windows`` speech windows; ends after ``end_silence_ms`` of non-speech, or is
cut at ``max_utterance_ms``) and transcribes them through any :class:`SpeechToText` (Whisper base int8 with
temperature 0 and capped tokens: souk.agent.providers.whisper). Finals go through one ordered lane, so they
leave in the order they were spoken and never wait behind a partial; partials run beside it, one at a time
(a busy machine gets fewer partials, never later finals), and a partial whose utterance's final has left is
dropped. Give the recogniser two decode workers so both lanes run at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from souk.agent.frames import SAMPLE_RATE
from souk.agent.providers.base import SpeechToText, Vad
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

BYTES_PER_MS = SAMPLE_RATE * 2 // 1000  # 32


@dataclass(frozen=True, slots=True)
class CaptionConfig:
    speech_threshold: float = 0.5
    start_windows: int = 2  # 64 ms of speech opens an utterance
    end_silence_ms: int = 400  # non-speech that closes it (the caption's latency floor)
    partial_every_ms: int = 1000
    max_utterance_ms: int = 12_000  # a long monologue is cut here into finals
    min_utterance_ms: int = 250  # shorter speech bursts (a cough) are dropped
    pre_roll_ms: int = 160  # audio kept before the detected start (the first syllable)
    queue: int = 16  # decodes waiting at most; past it a new one is dropped (counted, logged)


@dataclass(frozen=True, slots=True)
class Segment:
    """One caption update of an utterance: ``n`` numbers the stream's utterances from 0."""

    n: int
    start_ms: int
    end_ms: int
    final: bool
    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class _Job:
    n: int
    pcm: bytes
    start_ms: int
    end_ms: int
    final: bool


class StreamingCaptioner:
    def __init__(self, vad: Vad, stt: SpeechToText, emit: Callable[[Segment], Awaitable[None]], *,
                 language: str | None = None, config: CaptionConfig | None = None, name: str = "captions") -> None:
        self._vad, self._stt, self._emit = vad, stt, emit
        self.language = language  # None: detected per utterance
        self.cfg = config or CaptionConfig()
        self._window = vad.window_samples * 2
        self._pending = b""  # samples not yet a whole VAD window
        self._pending_ms = 0  # stream time of the first pending sample
        self._history = bytearray()  # pre-roll before speech
        self._speech = bytearray()  # the open utterance
        self._start_ms = -1  # stream time of the open utterance's first byte; -1: none open
        self._run = 0  # consecutive speech windows while idle
        self._silence_ms = 0
        self._last_partial_ms = 0
        self._n = 0
        self._jobs: asyncio.Queue[_Job | None] = asyncio.Queue(self.cfg.queue)  # finals, in order
        self._partial: asyncio.Task[None] | None = None
        self._finals_out = 0  # utterances whose final has been emitted (finals leave in order)
        self._name = name
        self._tasks = TaskOwner(name)
        self._tasks.spawn(self._work(), f"{name}:stt")
        self.dropped = 0  # decodes not done (queue full)
        self.closed = False

    async def feed(self, pcm: bytes, at_ms: int) -> None:
        """``pcm`` starts at stream time ``at_ms``; a gap since the last call is silence (a lost or absent stream)."""
        if self.closed:
            return
        expected = self._pending_ms + len(self._pending) // BYTES_PER_MS
        if self._pending or self._start_ms >= 0 or self._history:
            gap = at_ms - expected
            if gap > 0:  # loss or DTX: the missing stretch counts as silence (capped: a stall is not speech)
                pcm = bytes(min(gap, 2000) * BYTES_PER_MS) + pcm
                at_ms = at_ms - min(gap, 2000)
            elif gap < 0 and -gap * BYTES_PER_MS >= len(pcm):
                return  # a repeat of audio already seen
        if not self._pending:
            self._pending_ms = at_ms
        buf = self._pending + pcm
        i = 0
        while len(buf) - i >= self._window:
            win = buf[i:i + self._window]
            await self._window_in(win, self._pending_ms + i // BYTES_PER_MS)
            i += self._window
        self._pending = buf[i:]
        self._pending_ms += i // BYTES_PER_MS

    async def _window_in(self, win: bytes, at_ms: int) -> None:
        cfg = self.cfg
        speech = self._vad.probability(win) >= cfg.speech_threshold
        win_ms = len(win) // BYTES_PER_MS
        if self._start_ms < 0:
            self._history += win
            keep = (cfg.pre_roll_ms + win_ms * cfg.start_windows) * BYTES_PER_MS
            if len(self._history) > keep:
                del self._history[: len(self._history) - keep]
            self._run = self._run + 1 if speech else 0
            if self._run >= cfg.start_windows:
                self._speech = bytearray(self._history)
                self._start_ms = at_ms + win_ms - len(self._history) // BYTES_PER_MS
                self._history.clear()
                self._silence_ms = 0
                self._last_partial_ms = at_ms
            return
        self._speech += win
        self._silence_ms = 0 if speech else self._silence_ms + win_ms
        end_ms = at_ms + win_ms
        if self._silence_ms >= cfg.end_silence_ms or end_ms - self._start_ms >= cfg.max_utterance_ms:
            await self._close(end_ms)
        elif end_ms - self._last_partial_ms >= cfg.partial_every_ms and (self._partial is None or self._partial.done()):
            self._last_partial_ms = end_ms
            job = _Job(self._n, bytes(self._speech), self._start_ms, end_ms - self._silence_ms, False)
            self._partial = self._tasks.spawn(self._decode(job), f"{self._name}:partial")

    async def _close(self, end_ms: int) -> None:
        """End the open utterance: its final goes to the worker (speech only, the trailing silence cut)."""
        speech_ms = len(self._speech) // BYTES_PER_MS - self._silence_ms
        if speech_ms >= self.cfg.min_utterance_ms:
            keep = len(self._speech) - max(0, self._silence_ms - 200) * BYTES_PER_MS
            self._offer(_Job(self._n, bytes(self._speech[:keep]), self._start_ms, end_ms - self._silence_ms, True))
            self._n += 1
        self._speech = bytearray()
        self._start_ms = -1
        self._run = 0
        self._silence_ms = 0

    def _offer(self, job: _Job) -> None:
        try:
            self._jobs.put_nowait(job)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("captions: decode queue full; utterance %d (%s) dropped", job.n,
                        "final" if job.final else "partial")

    async def flush(self) -> None:
        """The stream ended: the open utterance's final, then wait until every decode is emitted."""
        if self._start_ms >= 0:
            await self._close(self._start_ms + len(self._speech) // BYTES_PER_MS)
        await self._jobs.join()
        if self._partial is not None and not self._partial.done():
            self._partial.cancel()

    async def _work(self) -> None:
        while True:
            job = await self._jobs.get()
            try:
                if job is not None:
                    await self._decode(job)
            finally:
                self._jobs.task_done()

    async def _decode(self, job: _Job) -> None:
        try:
            result = await self._stt.transcribe(job.pcm, language=self.language)
            text, lang = result.text.strip(), result.language or (self.language or "")
        except (SoukError, OSError, RuntimeError, ValueError) as exc:
            log.warning("captions: transcription of utterance %d failed: %s", job.n, exc)
            if not job.final:
                return
            text, lang = "", self.language or ""
        if not job.final and job.n < self._finals_out:
            return  # its final has left: a late partial would only flicker
        if job.final:
            self._finals_out = job.n + 1
        try:
            await self._emit(Segment(job.n, job.start_ms, job.end_ms, job.final, text, lang))
        except SoukError as exc:
            log.warning("captions: utterance %d not delivered: %s", job.n, exc)

    async def aclose(self) -> None:
        self.closed = True
        await self._tasks.aclose()
