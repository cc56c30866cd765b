"""The records every provider and caller share: language codes, one translation result, the error kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from souk.core.errors import BadRequest, SoukError, Unavailable

_LANG = re.compile(r"^[a-z]{2}$")


def language(code: str) -> str:
    """An ISO 639-1 code, lower case (``"es"``, ``"pt"``); ``pt-BR`` / ``en_US`` are cut to their language."""
    base = code.strip().replace("_", "-").split("-")[0].lower()
    if not _LANG.match(base):
        raise BadRequest(f"language must be an ISO 639-1 code like 'en' or 'es', got {code!r}",
                         code="bad_language")
    return base


class Why(str, Enum):
    """Why a text comes back as it went in (``Translation.translated`` is False) or how it was made."""

    TRANSLATED = "translated"
    SAME_LANGUAGE = "same_language"
    UNAVAILABLE_PAIR = "unavailable_pair"  # no provider translates this direction
    PROVIDER_ERROR = "provider_error"  # the provider failed or answered nonsense (logged)
    TIMEOUT = "timeout"  # the latency budget ran out
    EMPTY = "empty"
    TOO_LONG = "too_long"  # over translate.max_chars: shown as written


@dataclass(frozen=True, slots=True)
class Translation:
    """One text for one reader. ``text`` is what to show; ``source_text`` is always the original."""

    text: str
    source_text: str
    src: str
    dst: str
    why: Why
    provider: str = ""
    cached: bool = False

    @property
    def translated(self) -> bool:
        return self.why is Why.TRANSLATED

    def as_json(self) -> dict[str, object]:
        return {"text": self.text, "source_text": self.source_text, "src": self.src, "dst": self.dst,
                "translated": self.translated, "why": self.why.value, "provider": self.provider,
                "cached": self.cached}


class TranslateError(SoukError):
    """A provider could not translate (the service turns it into untranslated results and a log line)."""


class ProviderUnavailable(TranslateError, Unavailable):
    pass


class ProviderMalformed(TranslateError, ValueError):
    pass
