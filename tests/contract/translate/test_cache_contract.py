"""The translation cache port on every backend: in-process LRU, the process LRU in front of the database,
and the database table on SQLite and PostgreSQL. Entries never cross merchants."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from souk.storage import Storage
from souk.translate.cache import MemoryCache, TieredCache, TranslationCache, cache_key
from tests.contract.storage.conftest import A, B, merchant


@pytest.fixture(params=["memory", "tiered", "sql"])
async def cache(request: pytest.FixtureRequest, storage: Storage) -> AsyncIterator[TranslationCache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    yield storage.translations if request.param == "sql" else TieredCache(MemoryCache(2), storage.translations)


async def test_put_then_get_and_merchants_apart(cache: TranslationCache) -> None:
    k1, k2 = cache_key("apertium", "en", "es", "", "hello"), cache_key("apertium", "en", "es", "", "thanks")
    assert await cache.get_many(A, [k1, k2]) == {}
    await cache.put_many(A, {k1: "hola", k2: "gracias"})
    assert await cache.get_many(A, [k1, k2, "missing"]) == {k1: "hola", k2: "gracias"}
    assert await cache.get_many(B, [k1, k2]) == {}
    await cache.put_many(A, {k1: "hola!"})  # a newer translation replaces the old one
    assert await cache.get_many(A, [k1]) == {k1: "hola!"}
    await cache.put_many(A, {})


async def test_many_keys_in_one_call(cache: TranslationCache) -> None:
    items = {cache_key("openai", "es", "en", "g1", f"texto {i}"): f"text {i}" for i in range(1200)}
    await cache.put_many(A, items)
    got = await cache.get_many(A, list(items))
    assert got == items


def test_keys_name_provider_direction_glossary_and_text() -> None:
    base = cache_key("apertium", "en", "es", "g", "hello")
    assert len(base) <= 160
    for other in (cache_key("openai", "en", "es", "g", "hello"), cache_key("apertium", "es", "en", "g", "hello"),
                  cache_key("apertium", "en", "es", "h", "hello"), cache_key("apertium", "en", "es", "g", "Hello")):
        assert other != base
