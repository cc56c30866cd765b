"""Turn-taking: a pure state machine fed one VAD window at a time (no clock of its own).

It decides when the user starts a turn, when a pause may be worth speculating on, when the turn ends, and
when user speech over the agent is a real barge-in (at least ``bargein_min_speech_ms`` of continuous speech;
shorter bursts such as a cough never interrupt).

When the turn ends:

* ``smart_turn`` off: after ``end_of_turn_ms`` of non-speech.
* ``smart_turn`` on (semantic end of turn): after ``check_after_ms`` of non-speech the detector emits a
  :class:`~souk.agent.frames.TurnCheck` with the turn's audio; whoever runs the end-of-turn model answers
  with :meth:`TurnDetector.verdict`. A finished sentence (probability >= ``early_threshold`` at the first
  question, ``complete_threshold`` past an inner pause) ends the turn at once; an unfinished one keeps the floor open and is asked again as the silence grows (first at
  ``recheck_after_ms``, past a speaker's inner pause, then every ``recheck_ms``);
  ``max_silence_ms`` of non-speech ends the turn whatever the model says (or when it never answers).
  Speech coming back voids a pending question.

Everything is driven by window timestamps, so tests run it on a ManualClock or on plain numbers, and feed
the model's verdicts by hand.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from souk.agent.frames import (
    ControlFrame,
    EndOfTurn,
    Interrupt,
    TurnCheck,
    UserPaused,
    UserResumed,
    UserSpeechStarted,
)


@dataclass(frozen=True, slots=True)
class TurnConfig:
    window_ms: float = 32.0
    start_min_speech_ms: float = 64.0  # continuous speech before a turn starts (agent silent)
    bargein_min_speech_ms: float = 96.0  # continuous speech before the agent is interrupted
    end_of_turn_ms: float = 300.0  # non-speech that ends a turn (without the end-of-turn model)
    smart_turn: bool = False  # ask the end-of-turn model (TurnCheck / verdict) instead of a fixed silence
    check_after_ms: float = 64.0  # non-speech before the model is first asked (VAD adds ~30-60 ms of hangover)
    # asked again only once the pause is longer than a speaker's inner pause (~400 ms), then this often:
    # the model's probability rises with the trailing silence, so re-asking early would end unfinished
    # sentences at their inner pauses (measured: "My order number is ..." 0.03 at 96 ms, 0.86 at 192 ms)
    # 576, not 480: the bench's 400 ms inner pauses last up to 512 ms of VAD non-speech (measured over the
    # VAD window alignments with ``python -m souk.bench.agent.turn_replay --offsets ...``)
    recheck_after_ms: float = 576.0
    recheck_ms: float = 288.0
    # until this much silence the model is asked again as soon as it answered: a finished sentence whose
    # transcript the decoder confidently ended needs only ``sure_text_threshold`` (measured over the bench's
    # speech at 8 VAD window alignments: 19 of 91 slow turns end early, none of 80 inner pauses is cut)
    early_checks_until_ms: float = 224.0
    sure_text_threshold: float = 0.4
    # past the longest inner pause (the bench's 400 ms last up to 512 ms of VAD non-speech) a confidently
    # ended transcript ends the turn even when the model, which reads prosody only, still says unfinished
    text_alone_ms: float = 576.0
    complete_threshold: float = 0.5  # the model's probability that ends the turn
    # stricter while the pause may still be an inner pause (checks before ``recheck_after_ms``): measured,
    # the model gives 0.58-0.75 to inner pauses whose transcript looks finished ("I want to change the data.")
    early_threshold: float = 0.6
    max_silence_ms: float = 1200.0  # non-speech that ends a turn whatever the model says
    check_audio_s: float = 8.0  # the model reads at most this much of the turn (its end)
    min_turn_speech_ms: float = 160.0  # a "turn" with less speech is noise (a cough) and is dropped
    preroll_ms: float = 200.0  # audio kept from before the speech onset
    max_turn_s: float = 30.0  # a monologue is cut into turns of at most this long

    def windows(self, ms: float) -> int:
        return max(1, round(ms / self.window_ms))


class TurnDetector:
    def __init__(self, config: TurnConfig | None = None) -> None:
        self.cfg = config or TurnConfig()
        self._preroll: deque[bytes] = deque(maxlen=self.cfg.windows(self.cfg.preroll_ms))
        self._onset: list[bytes] = []  # speech windows not yet confirmed as a turn
        self._onset_t = 0.0
        self._audio: list[bytes] = []
        self._in_turn = False
        self._turn_id = 0
        self._speech_ms = 0.0
        self._last_speech_t = 0.0
        self._paused = False
        self._bargein_sent = False
        self._max_windows = int(self.cfg.max_turn_s * 1000 / self.cfg.window_ms)
        self._check_windows = self.cfg.windows(self.cfg.check_audio_s * 1000)
        self._seq = 0  # question number: a verdict for an older question (speech came back) is void
        self._check_pending = False
        self._next_check_ms = self.cfg.check_after_ms
        self._checks = 0
        self._last_p = -1.0
        self._check_ms = 0.0
        self._check_silence_ms = 0.0

    @property
    def in_turn(self) -> bool:
        return self._in_turn

    @property
    def turn_id(self) -> int:
        return self._turn_id

    def reset(self) -> None:
        """Forget any turn in progress (e.g. after a typed turn replaced it)."""
        self._in_turn = False
        self._onset.clear()
        self._audio.clear()
        self._paused = False
        self._bargein_sent = False
        self._void_check()

    def _void_check(self) -> None:
        self._seq += 1
        self._check_pending = False
        self._next_check_ms = self.cfg.check_after_ms
        self._checks = 0
        self._last_p = -1.0
        self._check_ms = 0.0

    def threshold(self, silence_ms: float) -> float:
        """The model's probability that ends the turn when asked after ``silence_ms`` of non-speech."""
        return self.cfg.early_threshold if silence_ms < self.cfg.recheck_after_ms else self.cfg.complete_threshold

    @property
    def check_pending(self) -> bool:
        return self._check_pending

    def verdict(self, turn_id: int, seq: int, probability: float, t: float, *,
                check_ms: float = 0.0, finished: bool | None = None) -> list[ControlFrame]:
        """The end-of-turn model's answer to the TurnCheck (``turn_id``, ``seq``), received at ``t``.

        ``finished``: the caller's decision (the model's probability weighed with the transcript); None
        compares ``probability`` with :meth:`threshold`. Returns the EndOfTurn it causes (or nothing:
        unfinished, or the question is void by now)."""
        out: list[ControlFrame] = []
        if not self._in_turn or turn_id != self._turn_id or seq != self._seq or not self._check_pending:
            return out
        self._check_pending = False
        self._checks += 1
        self._last_p = probability
        self._check_ms = check_ms
        if finished is None:
            finished = probability >= self.threshold(self._check_silence_ms)
        if finished and self._paused:
            self._end(t, out, truncated=False, reason="model")
        return out

    def feed(self, t: float, speech: bool, pcm: bytes, *, agent_speaking: bool) -> list[ControlFrame]:
        """One VAD window ending at ``t``. Returns the control frames it causes, in order."""
        out: list[ControlFrame] = []
        if not self._in_turn:
            self._feed_idle(t, speech, pcm, agent_speaking, out)
            return out
        self._audio.append(pcm)
        if speech:
            self._speech_ms += self.cfg.window_ms
            self._last_speech_t = t
            if self._paused:
                self._paused = False
                self._void_check()
                out.append(UserResumed(t, self._turn_id))
            if agent_speaking and not self._bargein_sent:
                # speech in a turn that began before the agent started talking still interrupts it
                self._bargein_sent = True
                out.append(Interrupt(t, "barge_in", t - self.cfg.window_ms / 1000))
        else:
            if not self._paused:
                self._paused = True
                out.append(UserPaused(t, b"".join(self._audio), self._turn_id))
            silence_ms = (t - self._last_speech_t) * 1000 + 1e-6
            if not self.cfg.smart_turn:
                if silence_ms >= self.cfg.end_of_turn_ms:
                    self._end(t, out, truncated=False)
                    return out
            elif silence_ms >= self.cfg.max_silence_ms:
                self._end(t, out, truncated=False, reason="cap")
                return out
            elif not self._check_pending and silence_ms >= self._next_check_ms:
                self._seq += 1
                self._check_pending = True
                if silence_ms < self.cfg.early_checks_until_ms:
                    self._next_check_ms = silence_ms + self.cfg.window_ms  # as soon as this one is answered
                else:
                    self._next_check_ms = max(silence_ms + self.cfg.recheck_ms, self.cfg.recheck_after_ms)
                self._check_silence_ms = silence_ms
                out.append(TurnCheck(t, b"".join(self._audio[-self._check_windows:]), self._turn_id, self._seq,
                                      silence_ms, first=self._checks == 0))
        if len(self._audio) >= self._max_windows:
            self._end(t, out, truncated=True)
        return out

    def _feed_idle(self, t: float, speech: bool, pcm: bytes, agent_speaking: bool,
                   out: list[ControlFrame]) -> None:
        if not speech:
            if self._onset:  # a burst too short to count (a click, a cough): back to the pre-roll
                for w in self._onset:
                    self._preroll.append(w)
                self._onset.clear()
            self._preroll.append(pcm)
            return
        if not self._onset:
            self._onset_t = t - self.cfg.window_ms / 1000
        self._onset.append(pcm)
        need = self.cfg.bargein_min_speech_ms if agent_speaking else self.cfg.start_min_speech_ms
        if len(self._onset) * self.cfg.window_ms + 1e-6 < need:
            return
        self._turn_id += 1
        self._in_turn = True
        self._paused = False
        self._audio = [*self._preroll, *self._onset]
        self._speech_ms = len(self._onset) * self.cfg.window_ms
        self._last_speech_t = t
        self._preroll.clear()
        self._onset.clear()
        out.append(UserSpeechStarted(self._onset_t))
        self._bargein_sent = agent_speaking
        if agent_speaking:
            out.append(Interrupt(t, "barge_in", self._onset_t))

    def _end(self, t: float, out: list[ControlFrame], *, truncated: bool, reason: str = "silence") -> None:
        audio = b"".join(self._audio)
        speech_ms = self._speech_ms
        probability, checks, check_ms = self._last_p, self._checks, self._check_ms
        self._in_turn = False
        self._audio = []
        self._paused = False
        self._bargein_sent = False
        self._speech_ms = 0.0
        self._void_check()
        out.append(EndOfTurn(t, self._last_speech_t, audio, self._turn_id, speech_ms=speech_ms,
                             truncated=truncated, reason="max" if truncated else reason,
                             probability=probability, checks=checks, check_ms=check_ms))
        if truncated:
            # keep listening: the monologue goes on as a new turn straight away
            self._in_turn = True
            self._turn_id += 1
            self._last_speech_t = t
