"""Build the configured provider from ``Settings.translate`` (entry points only)."""

from __future__ import annotations

from collections.abc import Sequence

from souk.core.settings import TranslateSettings
from souk.translate.apertium import ApertiumProvider
from souk.translate.base import TranslationProvider
from souk.translate.libre import LibreTranslateProvider
from souk.translate.llm import OpenAITranslateProvider
from souk.translate.types import language


class NoProvider:
    """``provider = "none"``: no direction is available, every text is shown as written."""

    name = "none"

    async def directions(self) -> frozenset[tuple[str, str]]:
        return frozenset()

    async def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        return list(texts)

    async def aclose(self) -> None:
        return None


def build_provider(cfg: TranslateSettings) -> TranslationProvider:
    key = cfg.api_key.get_secret_value()
    if cfg.provider == "libretranslate":
        return LibreTranslateProvider(base_url=cfg.base_url, api_key=key, timeout_s=cfg.timeout_s)
    if cfg.provider == "openai":
        return OpenAITranslateProvider(base_url=cfg.base_url, model=cfg.model, api_key=key,
                                       languages=[language(code) for code in cfg.languages],
                                       timeout_s=cfg.timeout_s)
    if cfg.provider == "none":
        return NoProvider()
    return ApertiumProvider(binary=cfg.apertium_binary, pivot=cfg.apertium_pivot)
