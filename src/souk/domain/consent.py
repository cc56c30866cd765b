"""Consent records (issue 17 part 2): what a shopper agreed to, when, to which wording, where. Pure.

Three kinds: ``recording`` (their voice/video kept in a recording), ``ai_processing`` (the assistant reads and
answers their messages), ``marketing``. A record is one answer: granted or withdrawn, with the time, the
version of the wording shown (the texts live in ``souk/data/consent_texts.json``, never in code), the channel
that asked and the language it was asked in. The latest record per (subject, kind) is the subject's state;
records are never updated, so the history is the proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ConsentKind(StrEnum):
    RECORDING = "recording"
    AI_PROCESSING = "ai_processing"
    MARKETING = "marketing"


class Channel(StrEnum):
    WIDGET = "widget"            # the assistant widget (AI notice)
    WATCH_PAGE = "watch_page"    # the live show's viewer page (recording banner before the stage)
    VOICE_ROOM = "voice_room"    # the voice room page (recording banner before a seat)
    CONSOLE = "console"          # staff recorded it for the shopper (e.g. asked on a call)
    API = "api"                  # the merchant's own front end through the API


LANGUAGES = ("en", "es", "zh", "ar", "id", "pt")
MAX_SUBJECT = 128


class ConsentError(ValueError):
    """Bad input: an unknown kind, channel, language or text version."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def kind_of(value: str) -> ConsentKind:
    try:
        return ConsentKind(value)
    except ValueError:
        raise ConsentError(f"unknown consent kind {value!r}: one of {', '.join(ConsentKind)}",
                           "unknown_consent_kind") from None


def channel_of(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ConsentError(f"unknown channel {value!r}: one of {', '.join(Channel)}", "unknown_channel") from None


def language_of(tag: str | None) -> str:
    """The supported language for a BCP 47 tag or Accept-Language value ("pt-BR" -> "pt", "zh-Hans-CN" ->
    "zh"); English when none of ours is named."""
    for part in (tag or "").replace("_", "-").split(","):
        base = part.split(";")[0].strip().split("-")[0].lower()
        if base in LANGUAGES:
            return base
        if base == "in":  # the old code for Indonesian
            return "id"
    return "en"


@dataclass(frozen=True, slots=True)
class ConsentText:
    kind: ConsentKind
    version: str
    language: str
    title: str
    body: str
    accept: str
    decline: str

    def view(self) -> dict[str, str]:
        return {"kind": self.kind.value, "version": self.version, "language": self.language, "title": self.title,
                "body": self.body, "accept": self.accept, "decline": self.decline,
                "dir": "rtl" if self.language == "ar" else "ltr"}


_FIELDS = ("title", "body", "accept", "decline")


@dataclass(frozen=True, slots=True)
class ConsentTexts:
    """Every kind's wording: each version, each language. ``current[kind]`` is the version asked now."""
    texts: Mapping[tuple[ConsentKind, str, str], ConsentText]
    current: Mapping[ConsentKind, str]

    def text(self, kind: ConsentKind, language: str | None) -> ConsentText:
        """The current wording of ``kind`` in the shopper's language (English when not one of ours)."""
        return self.texts[(kind, self.current[kind], language_of(language))]

    def check(self, kind: ConsentKind, version: str, language: str) -> ConsentText:
        """The wording a client says it showed: it must exist in that version and language."""
        found = self.texts.get((kind, version, language))
        if found is None:
            raise ConsentError(f"no {kind.value} text version {version!r} in language {language!r}",
                               "unknown_text_version")
        return found


def parse_texts(doc: Mapping[str, Any]) -> ConsentTexts:
    """Read the texts document: ``{kind: {"current": V, "versions": {V: {lang: {title, body, accept, decline}}}}}``.
    Every kind needs its current version in every supported language (a missing translation is a bug)."""
    texts: dict[tuple[ConsentKind, str, str], ConsentText] = {}
    current: dict[ConsentKind, str] = {}
    for kind in ConsentKind:
        entry = doc.get(kind.value)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("versions"), Mapping):
            raise ConsentError(f"consent texts: no versions for {kind.value}", "bad_consent_texts")
        for version, langs in entry["versions"].items():
            for lang, t in langs.items():
                if lang not in LANGUAGES or not all(isinstance(t.get(f), str) and t.get(f) for f in _FIELDS):
                    raise ConsentError(f"consent texts: {kind.value} {version} {lang}: a language of ours with "
                                       f"{', '.join(_FIELDS)}", "bad_consent_texts")
                texts[(kind, str(version), lang)] = ConsentText(kind, str(version), lang,
                                                                *(str(t[f]) for f in _FIELDS))
        cur = str(entry.get("current", ""))
        missing = [lang for lang in LANGUAGES if (kind, cur, lang) not in texts]
        if missing:
            raise ConsentError(f"consent texts: {kind.value} version {cur!r} lacks {', '.join(missing)}",
                               "bad_consent_texts")
        current[kind] = cur
    return ConsentTexts(texts, current)


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    merchant_id: str
    subject: str              # the shopper's token identity (the subject of their shopper token)
    kind: ConsentKind
    granted: bool             # False: declined or withdrawn
    at: float                 # wall time, seconds
    text_version: str
    channel: Channel
    language: str
    customer_id: str | None = None  # the signed-in customer the token named, when it named one
    seq: int = 0              # the store's order (newest record wins at equal times)

    def view(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": self.kind.value, "granted": self.granted, "at": self.at,
                "text_version": self.text_version, "channel": self.channel.value, "language": self.language,
                "customer_id": self.customer_id}


def check_subject(subject: str) -> str:
    if not subject or len(subject) > MAX_SUBJECT:
        raise ConsentError(f"a consent subject is 1..{MAX_SUBJECT} characters", "bad_subject")
    return subject


def latest(records: Iterable[ConsentRecord]) -> dict[ConsentKind, ConsentRecord]:
    """The standing answer per kind: the newest record (by time, then the store's order)."""
    out: dict[ConsentKind, ConsentRecord] = {}
    for r in records:
        have = out.get(r.kind)
        if have is None or (r.at, r.seq) >= (have.at, have.seq):
            out[r.kind] = r
    return out


class State(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"  # declined or withdrawn: an explicit no
    UNANSWERED = "unanswered"


def state(records: Iterable[ConsentRecord], kind: ConsentKind) -> State:
    r = latest(records).get(kind)
    if r is None:
        return State.UNANSWERED
    return State.GRANTED if r.granted else State.WITHDRAWN


def may_record(records: Iterable[ConsentRecord]) -> bool:
    """Recording needs an explicit yes: unanswered is no."""
    return state(records, ConsentKind.RECORDING) is State.GRANTED


def may_process_with_ai(records: Iterable[ConsentRecord]) -> bool:
    """The assistant is told before its first turn (the AI notice); only an explicit no stops it."""
    return state(records, ConsentKind.AI_PROCESSING) is not State.WITHDRAWN
