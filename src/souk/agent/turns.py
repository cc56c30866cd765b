"""Turn-taking: a pure state machine fed one VAD window at a time (no clock of its own).

It decides when the user starts a turn, when a pause may be worth speculating on, when the turn ends
(``end_of_turn_ms`` of non-speech), and when user speech over the agent is a real barge-in (at least
``bargein_min_speech_ms`` of continuous speech; shorter bursts such as a cough never interrupt).
Everything is driven by window timestamps, so tests run it on a ManualClock or on plain numbers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from souk.agent.frames import (
    ControlFrame,
    EndOfTurn,
    Interrupt,
    UserPaused,
    UserResumed,
    UserSpeechStarted,
)


@dataclass(frozen=True, slots=True)
class TurnConfig:
    window_ms: float = 32.0
    start_min_speech_ms: float = 64.0  # continuous speech before a turn starts (agent silent)
    bargein_min_speech_ms: float = 96.0  # continuous speech before the agent is interrupted
    end_of_turn_ms: float = 300.0  # non-speech that ends a turn
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
                out.append(UserResumed(t, self._turn_id))
            if agent_speaking and not self._bargein_sent:
                # speech in a turn that began before the agent started talking still interrupts it
                self._bargein_sent = True
                out.append(Interrupt(t, "barge_in"))
        else:
            if not self._paused:
                self._paused = True
                out.append(UserPaused(t, b"".join(self._audio), self._turn_id))
            if (t - self._last_speech_t) * 1000 >= self.cfg.end_of_turn_ms - 1e-6:
                self._end(t, out, truncated=False)
                return out
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
            out.append(Interrupt(t, "barge_in"))

    def _end(self, t: float, out: list[ControlFrame], *, truncated: bool) -> None:
        audio = b"".join(self._audio)
        speech_ms = self._speech_ms
        self._in_turn = False
        self._audio = []
        self._paused = False
        self._bargein_sent = False
        self._speech_ms = 0.0
        out.append(EndOfTurn(t, self._last_speech_t, audio, self._turn_id, speech_ms=speech_ms,
                             truncated=truncated))
        if truncated:
            # keep listening: the monologue goes on as a new turn straight away
            self._in_turn = True
            self._turn_id += 1
            self._last_speech_t = t
