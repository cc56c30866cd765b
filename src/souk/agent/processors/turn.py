"""VAD windows -> turn events (speech started, paused, resumed, end of turn, barge-in).

With an end-of-turn model (:class:`~souk.agent.smart_turn.TurnCompletion`) the detector's
:class:`~souk.agent.frames.TurnCheck` questions are answered off the event loop, one at a time per session,
and the verdict goes back to the detector (which may then end the turn). A "finished" verdict is checked
against the pause's speculative transcript when one is running (``transcript``: the responder's): a last
word no sentence ends on ("to", "the", "and", :mod:`souk.agent.endings`) turns it into "not finished", and
so does, at the first question (before an inner pause is over), an ending the decoder doubts. Once the
pause is far longer than an inner pause (``text_alone_ms``), a transcript the decoder confidently ended
(a full stop or question mark it is sure of after a word it is sure of) ends the turn even when the model,
which reads prosody only, still hears an unfinished sentence (flat statements; it would wait for the cap). The
transcript is needed for the answer anyway, so waiting for it costs the answer nothing. A barge-in cuts the agent's audio
right here, in the same step that detected it (``on_barge_in``: the output stage's :meth:`cut`), before
the Interrupt frame travels on: no audio frame leaves after the window that detected the user's speech.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from souk.agent.endings import confident_ending, doubted_ending, looks_unfinished
from souk.agent.frames import ControlFrame, Frame, Interrupt, TurnCheck, VadWindow
from souk.agent.pipeline import Processor
from souk.agent.playback import Playback
from souk.agent.providers.base import SttResult
from souk.agent.smart_turn import TurnCompletion
from souk.agent.turns import TurnDetector
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

UNFINISHED_P = 0.2  # the verdict given to a "finished" pause whose transcript ends on an unfinished word


class TurnProcessor(Processor):
    name = "turn"

    def __init__(self, detector: TurnDetector, playback: Playback, *, model: TurnCompletion | None = None,
                 on_barge_in: Callable[[Interrupt], None] | None = None,
                 transcript: Callable[[int], asyncio.Task[SttResult] | None] | None = None,
                 transcript_wait_s: float = 0.6, text_alone_ms: float = 864.0) -> None:
        super().__init__()
        self.detector = detector
        self._playback = playback
        self._model = model
        self._on_barge_in = on_barge_in
        self._transcript = transcript
        self._transcript_wait = transcript_wait_s
        self._text_alone_ms = text_alone_ms
        self.vetoes = 0  # "finished" verdicts the transcript turned down
        self.text_ends = 0  # "unfinished" verdicts a confidently ended transcript overruled (long pauses)
        self._tasks = TaskOwner("voice-turn")
        self._warned = False
        self.check_ms: list[float] = []  # the model's wall time per question (for the metrics)

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, VadWindow):
            await self.push(frame)
            return
        await self._emit(self.detector.feed(frame.t, frame.speech, frame.pcm,
                                            agent_speaking=self._playback.speaking))

    async def _emit(self, frames: list[ControlFrame]) -> None:
        for out in frames:
            if isinstance(out, TurnCheck):
                self._ask(out)
                continue
            if isinstance(out, Interrupt) and self._on_barge_in is not None:
                self._on_barge_in(out)  # stop the audio now; the frame tells the later stages
            await self.push(out)

    def _ask(self, check: TurnCheck) -> None:
        if self._model is None:  # nobody to ask: the silence cap ends the turn
            return
        self._tasks.spawn(self._check(check), f"turn-check-{check.turn_id}-{check.seq}")

    async def _check(self, check: TurnCheck) -> None:
        assert self._model is not None
        t0 = time.perf_counter()
        try:
            p = await self._model.completion(check.audio)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the model failing must not stall the turn: "not finished"
            if not self._warned:
                self._warned = True
                log.warning("end-of-turn model failed (turns end at the silence cap): %s", exc)
            p = 0.0
        ms = (time.perf_counter() - t0) * 1000
        cfg = self.detector.cfg
        threshold = self.detector.threshold(check.silence_ms)
        finished = p >= threshold
        if finished or check.silence_ms >= self._text_alone_ms:
            result = await self._speculative(check.turn_id)
            if result is not None:
                unfinished = looks_unfinished(result.text, result.language) or (
                    check.silence_ms < cfg.recheck_after_ms and doubted_ending(result.end_p, result.last_word_p))
                if finished and unfinished:
                    self.vetoes += 1
                    p = min(p, UNFINISHED_P)
                elif (not finished and not unfinished and check.silence_ms >= self._text_alone_ms
                      and confident_ending(result.end_p, result.last_word_p)):
                    self.text_ends += 1
                    p = max(p, threshold)
        self.check_ms.append(ms)
        del self.check_ms[:-64]
        await self._emit(self.detector.verdict(check.turn_id, check.seq, p, self._playback.clock.now(),
                                               check_ms=ms))

    async def _speculative(self, turn_id: int) -> SttResult | None:
        """The pause's speculative transcript (waited for up to ``transcript_wait_s``), or None."""
        task = self._transcript(turn_id) if self._transcript is not None else None
        if task is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._transcript_wait)
        except asyncio.CancelledError:
            if task.cancelled():  # the responder dropped it (speech came back): no opinion
                return None
            raise
        except Exception:  # noqa: BLE001 - slow or failed speech-to-text: the model's verdict stands
            return None

    async def aclose(self) -> None:
        await self._tasks.aclose()
