"""Building the reader translation service (souk.live.translation) from ``Settings.translate``."""

from __future__ import annotations

from contextlib import AsyncExitStack

from souk.api.context import AppContext
from souk.live.translation import ReaderTranslation, StoreGlossaries
from souk.translate.cache import MemoryCache, TieredCache
from souk.translate.factory import build_provider
from souk.translate.service import Translator


def build_translation(ctx: AppContext, stack: AsyncExitStack) -> ReaderTranslation:
    cfg = ctx.settings.translate
    provider = build_provider(cfg)
    stack.push_async_callback(provider.aclose)
    storage = ctx.storage
    cache = TieredCache(MemoryCache(cfg.cache_entries), storage.translations)
    translator = Translator(provider, cache, budget_s=cfg.budget_s, max_chars=cfg.max_chars)
    glossaries = StoreGlossaries(storage.catalog, storage.merchants, storage.store_info, storage.translations)
    return ReaderTranslation(translator, glossaries)
