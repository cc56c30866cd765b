"""souk.translate.service.Translator: glossary, unavailable pairs, caching, degradation, budget."""

from __future__ import annotations

import logging
import shutil
import time

import pytest

from souk.core.errors import BadRequest
from souk.translate.apertium import ApertiumProvider
from souk.translate.cache import MemoryCache
from souk.translate.glossary import Glossary
from souk.translate.libre import LibreTranslateProvider
from souk.translate.llm import OpenAITranslateProvider
from souk.translate.service import Translator
from souk.translate.types import Why
from tests.fixtures.fake_translate import fake_translate_server

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")

GLOSSARY = Glossary.build(keep=["SoundWave X2"],
                          names=[{"en": "Rain Jacket Pro", "es": "Chaqueta Impermeable Pro"}])


@needs_apertium
async def test_offline_glossary_terms_come_out_exactly_right() -> None:
    t = Translator(ApertiumProvider())
    [r] = await t.translate("m1", ["Is the SoundWave X2 better than the rain jacket pro?"], "en", "es",
                            glossary=GLOSSARY)
    assert r.translated and r.why is Why.TRANSLATED and r.provider == "apertium"
    assert "SoundWave X2" in r.text and "Chaqueta Impermeable Pro" in r.text, r.text
    assert r.source_text.startswith("Is the SoundWave X2")
    [back] = await t.translate("m1", ["La Chaqueta Impermeable Pro es buena"], "es", "en", glossary=GLOSSARY)
    assert "Rain Jacket Pro" in back.text, back.text


@needs_apertium
async def test_an_unavailable_pair_gives_the_original_marked_untranslated() -> None:
    t = Translator(ApertiumProvider())
    [r] = await t.translate("m1", ["我想买这个"], "zh", "en")
    assert (r.text, r.translated, r.why) == ("我想买这个", False, Why.UNAVAILABLE_PAIR)
    [same] = await t.translate("m1", ["hello"], "en", "en-US")
    assert (same.text, same.why) == ("hello", Why.SAME_LANGUAGE)


async def test_cache_is_per_merchant_and_per_glossary() -> None:
    async with fake_translate_server() as fake:
        cache = MemoryCache()
        t = Translator(LibreTranslateProvider(base_url=fake.url), cache)
        first = await t.translate("m1", ["hello friend", "hello friend", "thanks"], "en", "es")
        assert [r.text for r in first] == ["hola amigo", "hola amigo", "gracias"]
        assert fake.texts_seen == 2  # one call per distinct text
        again = await t.translate("m1", ["hello friend"], "en", "es")
        assert again[0].cached and again[0].text == "hola amigo" and fake.texts_seen == 2
        other = await t.translate("m2", ["hello friend"], "en", "es")
        assert not other[0].cached and fake.texts_seen == 3
        glossed = await t.translate("m1", ["hello friend"], "en", "es",
                                    glossary=Glossary.build(keep=["friend"]))
        assert not glossed[0].cached and glossed[0].text == "hola friend"


@pytest.mark.parametrize("mode", ["error500", "malformed", "auth", "drop_markers"])
@pytest.mark.parametrize("kind", ["libretranslate", "openai"])
async def test_remote_errors_degrade_to_untranslated_with_a_log_line(
        mode: str, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    async with fake_translate_server(mode) as fake:
        provider = (LibreTranslateProvider(base_url=fake.url) if kind == "libretranslate" else
                    OpenAITranslateProvider(base_url=fake.url + "/v1", model="m", languages=["en", "es"]))
        cache = MemoryCache()
        t = Translator(provider, cache)
        with caplog.at_level(logging.WARNING, logger="souk.translate.service"):
            [r] = await t.translate("m1", ["hello SoundWave X2"], "en", "es", glossary=GLOSSARY)
        assert (r.text, r.translated, r.why) == ("hello SoundWave X2", False, Why.PROVIDER_ERROR)
        assert any("translate:" in rec.getMessage() for rec in caplog.records)
        assert len(cache) == 0  # a failure is never cached
        await provider.aclose()


async def test_a_hung_provider_is_cut_at_the_budget() -> None:
    async with fake_translate_server("hang") as fake:
        t = Translator(LibreTranslateProvider(base_url=fake.url, timeout_s=20), budget_s=0.3)
        started = time.monotonic()
        [r] = await t.translate("m1", ["hello"], "en", "es")
        assert r.why is Why.TIMEOUT and r.text == "hello"
        assert time.monotonic() - started < 2.0


async def test_unreachable_server_and_bad_input() -> None:
    t = Translator(LibreTranslateProvider(base_url="http://127.0.0.1:9"))
    [r] = await t.translate("m1", ["hello"], "en", "es")
    assert r.why is Why.UNAVAILABLE_PAIR or r.why is Why.PROVIDER_ERROR
    assert r.text == "hello"
    with pytest.raises(BadRequest):
        await t.translate("m1", ["hello"], "english", "es")
    long = Translator(LibreTranslateProvider(base_url="http://127.0.0.1:9"), max_chars=3)
    assert (await long.translate("m1", ["hello", " "], "en", "es"))[0].why is Why.TOO_LONG


def test_pivot_directions_are_those_without_a_mode_of_their_own() -> None:
    from souk.translate.apertium import parse_modes, pivoted

    modes = parse_modes("eng-spa\nspa-eng\nspa-eng_US\nfr-es\nes-fr\nes-pt\nes-pt_BR\npt-es\neco-fr-es\n")
    assert modes[("es", "pt")] == "es-pt" and modes[("es", "en")] == "spa-eng" and ("fr", "es") in modes
    assert pivoted(modes, "es") == {("en", "pt"), ("pt", "en"), ("en", "fr"), ("fr", "en"), ("fr", "pt"),
                                    ("pt", "fr")}
    assert pivoted(modes, "") == set()


@needs_apertium
async def test_offline_english_to_portuguese_goes_through_spanish() -> None:
    t = Translator(ApertiumProvider())
    [r] = await t.translate("m1", ["I want the red jacket, the SoundWave X2 is good"], "en", "pt", glossary=GLOSSARY)
    assert r.translated and "SoundWave X2" in r.text and "quero a jaqueta" in r.text.lower(), r.text
    [none] = await Translator(ApertiumProvider(pivot="")).translate("m1", ["I want it"], "en", "pt")
    assert none.why is Why.UNAVAILABLE_PAIR
