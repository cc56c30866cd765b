"""An utterance the agent is speaking: interruptible, and it knows how much the user actually heard."""

from __future__ import annotations

from dataclasses import dataclass

from souk.agent.frames import BYTES_PER_SAMPLE, SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    samples: int


class UtteranceHandle:
    """Text segments (clauses) with the number of audio samples synthesized for each.

    The output stage reports how many samples were played (``mark_played``); :meth:`heard_text` maps that back
    to text: whole clauses, plus the played share of the words of the clause that was cut.
    """

    def __init__(self, utterance_id: int, text: str, language: str) -> None:
        self.id = utterance_id
        self.text = text
        self.language = language
        self._segments: list[Segment] = []
        self.played_samples = 0
        self.interrupted = False
        self.synthesis_done = False
        self.done = False

    def add_segment(self, text: str, pcm_bytes: int) -> None:
        self._segments.append(Segment(text, pcm_bytes // BYTES_PER_SAMPLE))

    @property
    def total_samples(self) -> int:
        return sum(s.samples for s in self._segments)

    @property
    def played_s(self) -> float:
        return self.played_samples / SAMPLE_RATE

    def mark_played(self, samples: int) -> None:
        self.played_samples = max(0, min(samples, self.total_samples))

    def interrupt(self) -> None:
        self.interrupted = True

    def heard_text(self) -> str:
        if not self.interrupted and self.synthesis_done and self.played_samples >= self.total_samples:
            return self.text
        left = self.played_samples
        parts: list[str] = []
        for seg in self._segments:
            if left <= 0:
                break
            if left >= seg.samples:
                parts.append(seg.text)
                left -= seg.samples
                continue
            words = seg.text.split()
            if len(words) <= 1:  # unspaced scripts (zh): cut by characters instead
                n = int(len(seg.text) * left / max(1, seg.samples))
                parts.append(seg.text[:n])
            else:
                n = int(len(words) * left / max(1, seg.samples))
                parts.append(" ".join(words[:n]))
            break
        return " ".join(p for p in parts if p).strip()
