"""VAD windows -> turn events (speech started, paused, resumed, end of turn, barge-in).

With an end-of-turn model (:class:`~souk.agent.smart_turn.TurnCompletion`) the detector's
:class:`~souk.agent.frames.TurnCheck` questions are answered off the event loop, one at a time per session,
and the verdict goes back to the detector (which may then end the turn). A barge-in cuts the agent's audio
right here, in the same step that detected it (``on_barge_in``: the output stage's :meth:`cut`), before
the Interrupt frame travels on: no audio frame leaves after the window that detected the user's speech.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from souk.agent.frames import ControlFrame, Frame, Interrupt, TurnCheck, VadWindow
from souk.agent.pipeline import Processor
from souk.agent.playback import Playback
from souk.agent.smart_turn import TurnCompletion
from souk.agent.turns import TurnDetector
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)


class TurnProcessor(Processor):
    name = "turn"

    def __init__(self, detector: TurnDetector, playback: Playback, *, model: TurnCompletion | None = None,
                 on_barge_in: Callable[[Interrupt], None] | None = None) -> None:
        super().__init__()
        self.detector = detector
        self._playback = playback
        self._model = model
        self._on_barge_in = on_barge_in
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
        self.check_ms.append(ms)
        del self.check_ms[:-64]
        await self._emit(self.detector.verdict(check.turn_id, check.seq, p, self._playback.clock.now(),
                                               check_ms=ms))

    async def aclose(self) -> None:
        await self._tasks.aclose()
