"""What every translation provider promises (souk.translate.base.TranslationProvider)."""

from __future__ import annotations

import pytest

from souk.translate.base import TranslationProvider
from souk.translate.types import TranslateError


async def test_it_translates_english_to_spanish_and_back(provider: TranslationProvider) -> None:
    directions = await provider.directions()
    assert {("en", "es"), ("es", "en")} <= directions
    es = await provider.translate(["Hello friend", "The price is good"], "en", "es")
    assert [s.lower() for s in es] == [s.lower() for s in es] and len(es) == 2
    assert "hola" in es[0].lower() and "amigo" in es[0].lower()
    assert "precio" in es[1].lower()
    en = await provider.translate(["hola amigo"], "es", "en")
    assert "hello" in en[0].lower() or "hi" in en[0].lower()


async def test_a_batch_keeps_its_order_and_equals_single_calls(provider: TranslationProvider) -> None:
    texts = ["I want the red jacket", "Hello friend", "Where is my order", "thanks"]
    batch = await provider.translate(texts, "en", "es")
    singles = [(await provider.translate([t], "en", "es"))[0] for t in texts]
    assert batch == singles
    assert await provider.translate([], "en", "es") == []


async def test_markers_pass_through_unchanged(provider: TranslationProvider) -> None:
    out = await provider.translate(["Buy the [[0]] now, the [[1]] is very good"], "en", "es")
    assert out[0].count("[[0]]") == 1 and out[0].count("[[1]]") == 1, out
    assert "ahora" in out[0].lower()


async def test_multiline_and_unicode_texts_survive_a_batch(provider: TranslationProvider) -> None:
    texts = ["Hello friend\nthe price is good", "¿dónde? 🙂", "[[#1]] order"]
    out = await provider.translate(texts, "en", "es")
    assert len(out) == 3
    assert "precio" in out[0].lower()
    assert "🙂" in out[1]


async def test_a_direction_it_lacks_is_a_translate_error(provider: TranslationProvider) -> None:
    assert ("en", "xx") not in await provider.directions()
    with pytest.raises(TranslateError):
        await provider.translate(["Hello"], "en", "xx")
