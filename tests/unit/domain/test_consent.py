"""Consent records, pure: the standing answer per kind, what recording and AI processing need, the shopper's
language, and the wording document (every supported language present, versions checked)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from souk.domain.consent import (
    LANGUAGES,
    Channel,
    ConsentError,
    ConsentKind,
    ConsentRecord,
    State,
    kind_of,
    language_of,
    latest,
    may_process_with_ai,
    may_record,
    parse_texts,
    state,
)

REC, AI = ConsentKind.RECORDING, ConsentKind.AI_PROCESSING


def rec(kind: ConsentKind, granted: bool, at: float, seq: int = 0) -> ConsentRecord:
    return ConsentRecord("shop", "ana", kind, granted, at, "v1", Channel.WATCH_PAGE, "en", seq=seq)


def test_the_newest_answer_stands_per_kind() -> None:
    rs = [rec(REC, True, 10, 1), rec(AI, False, 11, 2), rec(REC, False, 20, 3), rec(REC, True, 20, 4)]
    got = latest(rs)
    assert got[REC].seq == 4 and got[AI].seq == 2  # equal times: the store's order decides
    assert latest(reversed(rs))[REC].seq == 4


def test_recording_needs_a_standing_yes() -> None:
    assert not may_record([])  # never asked: not recorded
    assert may_record([rec(REC, True, 1)])
    assert not may_record([rec(REC, True, 1), rec(REC, False, 2)])  # withdrawn
    assert may_record([rec(REC, False, 1), rec(REC, True, 2)])  # asked again, agreed
    assert not may_record([rec(AI, True, 1)])  # another kind says nothing about recording
    assert state([rec(REC, False, 1)], REC) is State.WITHDRAWN
    assert state([], MARKETING := ConsentKind.MARKETING) is State.UNANSWERED and MARKETING


def test_ai_processing_stops_only_on_an_explicit_no() -> None:
    assert may_process_with_ai([])
    assert not may_process_with_ai([rec(AI, False, 1)])
    assert may_process_with_ai([rec(AI, False, 1), rec(AI, True, 2)])


@pytest.mark.parametrize(("tag", "lang"), [("pt-BR", "pt"), ("zh-Hans-CN", "zh"), ("ar", "ar"), ("in-ID", "id"),
                                          ("fr-FR,es;q=0.8", "es"), ("de", "en"), (None, "en"), ("", "en")])
def test_the_shoppers_language(tag: str | None, lang: str) -> None:
    assert language_of(tag) == lang


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ConsentError) as exc:
        kind_of("cookies")
    assert exc.value.code == "unknown_consent_kind"


def _doc() -> dict:  # type: ignore[type-arg]
    return json.loads(resources.files("souk.data").joinpath("consent_texts.json").read_text(encoding="utf-8"))


def test_the_packaged_wording_has_every_kind_in_every_language() -> None:
    texts = parse_texts(_doc())
    for kind in ConsentKind:
        seen = set()
        for lang in LANGUAGES:
            t = texts.text(kind, lang)
            assert t.language == lang and t.version == texts.current[kind]
            assert t.title and t.body and t.accept and t.decline
            seen.add(t.body)
        assert len(seen) == len(LANGUAGES)  # really translated, not one text copied
    assert texts.text(REC, "ar").view()["dir"] == "rtl"
    assert texts.text(REC, "ko").language == "en"


def test_a_missing_translation_or_version_is_refused() -> None:
    doc = _doc()
    cur = doc["recording"]["current"]
    del doc["recording"]["versions"][cur]["id"]
    with pytest.raises(ConsentError, match="lacks id"):
        parse_texts(doc)
    texts = parse_texts(_doc())
    with pytest.raises(ConsentError) as exc:
        texts.check(REC, "recording-1999", "en")
    assert exc.value.code == "unknown_text_version"
    assert texts.check(REC, cur, "es").language == "es"
