"""One provider contract suite, every provider: offline Apertium and the two remote APIs (local fakes)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest

from souk.translate.apertium import ApertiumProvider
from souk.translate.base import TranslationProvider
from souk.translate.libre import LibreTranslateProvider
from souk.translate.llm import OpenAITranslateProvider
from tests.fixtures.fake_translate import fake_translate_server

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None, reason="apertium not installed (make deps installs apertium-eng-spa)")


@pytest.fixture(params=[pytest.param("apertium", marks=needs_apertium), "libretranslate", "openai"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[TranslationProvider]:
    if request.param == "apertium":
        p: TranslationProvider = ApertiumProvider()
        yield p
        await p.aclose()
        return
    async with fake_translate_server() as fake:
        if request.param == "libretranslate":
            p = LibreTranslateProvider(base_url=fake.url, timeout_s=5)
        else:
            p = OpenAITranslateProvider(base_url=fake.url + "/v1", model="m", languages=["en", "es"])
        yield p
        await p.aclose()
