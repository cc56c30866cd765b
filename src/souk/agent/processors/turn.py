"""VAD windows -> turn events (speech started, paused, resumed, end of turn, barge-in).

With an end-of-turn model (:class:`~souk.agent.smart_turn.TurnCompletion`) the detector's
:class:`~souk.agent.frames.TurnCheck` questions are answered off the event loop, one at a time per session,
and the verdict goes back to the detector (which may then end the turn). A "finished" verdict is checked
against the pause's speculative transcript when one is running (``transcript``: the responder's): a last
word no sentence ends on ("to", "the", "and", :mod:`souk.agent.endings`) turns it into "not finished". The
transcript is needed for the answer anyway, so waiting for it costs the answer nothing. A barge-in cuts the agent's audio
right here, in the same step that detected it (``on_barge_in``: the output stage's :meth:`cut`), before
the Interrupt frame travels on: no audio frame leaves after the window that detected the user's speech.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from souk.agent.endings import looks_unfinished
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
                 transcript_wait_s: float = 0.6) -> None:
        super().__init__()
        self.detector = detector
        self._playback = playback
        self._model = model
        self._on_barge_in = on_barge_in
        self._transcript = transcript
        self._transcript_wait = transcript_wait_s
        self.vetoes = 0  # "finished" verdicts the transcript's last word turned down
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
        if p >= self.detector.cfg.complete_threshold and await self._unfinished_words(check.turn_id):
            self.vetoes += 1
            p = min(p, UNFINISHED_P)
        self.check_ms.append(ms)
        del self.check_ms[:-64]
        await self._emit(self.detector.verdict(check.turn_id, check.seq, p, self._playback.clock.now(),
                                               check_ms=ms))

    async def _unfinished_words(self, turn_id: int) -> bool:
        task = self._transcript(turn_id) if self._transcript is not None else None
        if task is None:
            return False
        try:
            result = await asyncio.wait_for(asyncio.shield(task), self._transcript_wait)
        except asyncio.CancelledError:
            if task.cancelled():  # the responder dropped it (speech came back): no opinion
                return False
            raise
        except Exception:  # noqa: BLE001 - slow or failed speech-to-text: the model's verdict stands
            return False
        return looks_unfinished(result.text, result.language)

    async def aclose(self) -> None:
        await self._tasks.aclose()
