"""The interfaces the engine uses; offline and remote providers implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SttResult:
    text: str
    language: str
    language_probability: float
    audio_s: float
    elapsed_s: float
    # the decoder's probabilities of the transcript's end (None: the engine does not say): of the terminal
    # punctuation token when the text ends on one, and of the last word (its least likely token); a
    # sentence cut by a pause often ends on an invented word or a punctuation mark the decoder doubts
    end_p: float | None = None
    last_word_p: float | None = None


class Vad(Protocol):
    """Stateful per stream: one instance per session. ``window_samples`` samples of float32 in [-1, 1]."""

    window_samples: int

    def probability(self, window: bytes) -> float:
        """Speech probability of one window of s16le PCM (exactly ``window_samples`` samples)."""

    def reset(self) -> None: ...


class SpeechToText(Protocol):
    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        """Transcribe 16 kHz mono s16le PCM; ``language`` skips detection when known."""

    async def aclose(self) -> None: ...


class TextToSpeech(Protocol):
    def stream(self, text: str, language: str) -> AsyncIterator[tuple[str, bytes]]:
        """Yield (clause text, 16 kHz mono s16le PCM) pairs, the first clause as early as possible."""

    async def aclose(self) -> None: ...
