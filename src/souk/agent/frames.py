"""Typed frames that travel through the voice pipeline.

Data frames (audio, transcripts, text) queue in order; control frames (interrupt, end of turn, cancel,
errors) travel in a priority lane and overtake queued data (see :mod:`souk.agent.lanes`).
Audio is always 16 kHz mono signed 16-bit little-endian PCM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * BYTES_PER_SAMPLE  # 640


class Frame:
    """Base of every frame. ``priority`` frames overtake queued data frames."""

    __slots__ = ()
    priority: bool = False


class ControlFrame(Frame):
    __slots__ = ()
    priority = True


@dataclass(frozen=True, slots=True)
class AudioIn(Frame):
    pcm: bytes
    t: float  # clock time the frame arrived


@dataclass(frozen=True, slots=True)
class AudioOut(Frame):
    pcm: bytes
    utterance_id: int


@dataclass(frozen=True, slots=True)
class VadWindow(Frame):
    """One VAD decision over a 32 ms window."""

    t: float  # clock time at the end of the window
    probability: float
    speech: bool
    pcm: bytes  # the window's audio (echo-cancelled), 512 samples


@dataclass(frozen=True, slots=True)
class UserSpeechStarted(ControlFrame):
    t: float


@dataclass(frozen=True, slots=True)
class UserPaused(ControlFrame):
    """First non-speech window after speech: speculative work may start on ``audio``."""

    t: float
    audio: bytes
    turn_id: int


@dataclass(frozen=True, slots=True)
class UserResumed(ControlFrame):
    """Speech came back before the end of turn: discard speculative work for ``turn_id``."""

    t: float
    turn_id: int


@dataclass(frozen=True, slots=True)
class EndOfTurn(ControlFrame):
    t: float
    speech_end_t: float  # end of the last speech window
    audio: bytes
    turn_id: int
    speech_ms: float = 0.0  # how much of the turn was speech
    truncated: bool = False  # the turn hit the maximum duration
    reason: str = "silence"  # "model" (semantic end of turn), "cap" (silence cap), "silence" (fixed), "max"
    probability: float = -1.0  # the end-of-turn model's last verdict on this turn (-1: not asked)
    checks: int = 0  # how many times the model was asked during this turn's final pause
    check_ms: float = 0.0  # the model's time on its last answer


@dataclass(frozen=True, slots=True)
class TurnCheck(ControlFrame):
    """Ask the end-of-turn model whether ``audio`` (the turn so far, ending in a pause) is a finished turn.

    The answer goes back to :meth:`souk.agent.turns.TurnDetector.verdict` with the same ``turn_id``/``seq``."""

    t: float
    audio: bytes
    turn_id: int
    seq: int
    silence_ms: float = 0.0  # trailing non-speech when asked
    first: bool = True  # the first question of this pause


@dataclass(frozen=True, slots=True)
class Interrupt(ControlFrame):
    """Barge-in (or a client request): stop the agent's audio now."""

    t: float
    reason: Literal["barge_in", "client", "new_turn"] = "barge_in"
    onset_t: float = 0.0  # barge-in: when the user's speech began (detection lag = t - onset_t)


@dataclass(frozen=True, slots=True)
class ResumeOutput(ControlFrame):
    """The interruption was a false alarm (a cough, "mm-hm"): continue the paused utterance."""

    t: float


@dataclass(frozen=True, slots=True)
class Cancel(ControlFrame):
    """An utterance was cut off for good (the user took the floor); ``heard_text`` is what they heard."""

    utterance_id: int
    heard_text: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Transcript(Frame):
    text: str
    language: str
    final: bool
    turn_id: int


@dataclass(frozen=True, slots=True)
class TextIn(Frame):
    """A typed user turn (the text path of a voice session)."""

    text: str
    turn_id: int


@dataclass(frozen=True, slots=True)
class Say(Frame):
    """A scripted line the agent speaks as it is (no brain turn): a greeting, "a person is joining now"."""

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class AgentText(Frame):
    text: str
    language: str
    utterance_id: int
    payload: dict[str, Any] = field(default_factory=dict)  # handoff, tool calls, cards


@dataclass(frozen=True, slots=True)
class UtteranceEnd(Frame):
    utterance_id: int


@dataclass(frozen=True, slots=True)
class ErrorFrame(ControlFrame):
    code: str
    message: str
    permanent: bool  # permanent: the session ends; transient: this turn failed, the session goes on


@dataclass(frozen=True, slots=True)
class MetricsFrame(Frame):
    turn_id: int
    values: dict[str, float]
