"""Live captions as stored and shown (issue 16): one final caption of a show, its order and its replay view.

Pure: no I/O. A caption's times are milliseconds from the show's start, the clock the replay plays on
(souk.live.replay puts chat at the same offsets). ``seq`` numbers a show's utterances in the order they
ended; a partial and the final of one utterance share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEXT_MAX = 2000  # one utterance (the recogniser caps an utterance at ~15 s of speech)


@dataclass(frozen=True, slots=True)
class StoredCaption:
    show_id: str
    seq: int
    room_id: str
    speaker: str
    lang: str
    start_ms: int
    end_ms: int
    text: str
    translations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.seq < 0 or self.start_ms < 0 or self.end_ms < self.start_ms:
            raise ValueError(f"caption {self.seq}: bad span {self.start_ms}..{self.end_ms}")

    def in_language(self, lang: str) -> tuple[str, bool]:
        """(text to show a reader of ``lang``, translated?): the source text when no translation is kept."""
        if lang == self.lang:
            return self.text, False
        t = self.translations.get(lang)
        return (t, True) if t else (self.text, False)


def replay_view(captions: Iterable[StoredCaption], lang: str | None = None) -> list[dict[str, Any]]:
    """The show's captions for a replay, oldest first: ``at_s``/``end_s`` from the show's start, the source
    text and language, and with ``lang`` the text in it (``translated`` False: shown as spoken)."""
    out = []
    for c in sorted(captions, key=lambda c: (c.start_ms, c.seq)):
        item: dict[str, Any] = {"seq": c.seq, "at_s": round(c.start_ms / 1000, 2), "end_s": round(c.end_ms / 1000, 2),
                                "speaker": c.speaker, "lang": c.lang, "source_text": c.text, "text": c.text,
                                "translated": False}
        if lang:
            item["text"], item["translated"] = c.in_language(lang)
            item["to"] = lang
        out.append(item)
    return out
