"""VAD windows -> turn events (speech started, paused, resumed, end of turn, barge-in).

With an end-of-turn model (:class:`~souk.agent.smart_turn.TurnCompletion`) the detector's
:class:`~souk.agent.frames.TurnCheck` questions are answered off the event loop, one at a time per session,
and the decision goes back to the detector (which may then end the turn). Each answer weighs the model's
probability with the pause's speculative transcript (``transcript``: the responder's), :meth:`_decide`:

* a last word no sentence ends on ("to", "the", "and", :mod:`souk.agent.endings`) keeps the floor open;
* while the pause may still be an inner pause: the first question ends the turn at ``early_threshold``
  unless the decoder doubts the ending (an invented last word); the next ones, asked back to back up to
  ``early_checks_until_ms``, end it only at ``sure_text_threshold`` with a transcript the decoder is very
  sure of (the model alone is unreliable there: its probability rises with the silence at inner pauses);
* past an inner pause: the model at ``complete_threshold``, or from ``text_alone_ms`` a confidently ended
  transcript alone (flat statements the model, which reads prosody only, hears as unfinished).

The transcript is needed for the answer anyway, so waiting for it costs the answer nothing. A barge-in cuts the agent's audio
right here, in the same step that detected it (``on_barge_in``: the output stage's :meth:`cut`), before
the Interrupt frame travels on: no audio frame leaves after the window that detected the user's speech.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from souk.agent.endings import confident_ending, doubted_ending, looks_unfinished, sure_ending
from souk.agent.frames import ControlFrame, Frame, Interrupt, TurnCheck, VadWindow
from souk.agent.pipeline import Processor
from souk.agent.playback import Playback
from souk.agent.providers.base import SttResult
from souk.agent.smart_turn import TurnCompletion
from souk.agent.turns import TurnDetector
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

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
        self.vetoes = 0  # "finished" verdicts the transcript turned down
        self.text_ends = 0  # "unfinished" verdicts a confidently ended transcript overruled (long pauses)
        self.sure_ends = 0  # early pauses ended by a very sure transcript with a middling model verdict
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
        result = await self._speculative(check.turn_id)
        finished = self._decide(check, p, result)
        self.check_ms.append(ms)
        del self.check_ms[:-64]
        await self._emit(self.detector.verdict(check.turn_id, check.seq, p, self._playback.clock.now(),
                                               check_ms=ms, finished=finished))

    def _decide(self, check: TurnCheck, p: float, result: SttResult | None) -> bool:
        """Whether the pause of ``check`` ends the turn: the model's probability ``p`` weighed with the pause's
        speculative transcript (None: none in time, the model decides alone)."""
        cfg = self.detector.cfg
        if result is not None and looks_unfinished(result.text, result.language):
            if p >= self.detector.threshold(check.silence_ms):
                self.vetoes += 1
            return False  # "Is it possible to": whatever the prosody, until the cap
        if check.silence_ms < cfg.recheck_after_ms:  # may still be a speaker's inner pause
            if check.first and p >= cfg.early_threshold:
                if result is not None and doubted_ending(result.end_p, result.last_word_p):
                    self.vetoes += 1
                    return False
                return True
            if (check.silence_ms <= cfg.early_checks_until_ms and p >= cfg.sure_text_threshold
                    and result is not None and sure_ending(result.end_p, result.last_word_p)):
                self.sure_ends += 1
                return True
            return False
        if p >= cfg.complete_threshold:
            return True
        if (check.silence_ms >= cfg.text_alone_ms and result is not None
                and confident_ending(result.end_p, result.last_word_p)):
            self.text_ends += 1
            return True
        return False

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
