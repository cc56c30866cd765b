"""The translation cache port and its in-process backend. Every key carries the merchant.

An entry is keyed by provider, direction, the glossary's version for that direction and a hash of the
source text, so a changed glossary or provider never serves an old translation. The SQL backend (shared by
every node) is souk.storage.repos.translations.SqlTranslationCache; both pass tests/contract/translate.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Protocol


def cache_key(provider: str, src: str, dst: str, glossary_version: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
    return f"{provider}|{src}|{dst}|{glossary_version}|{digest}"


class TranslationCache(Protocol):
    async def get_many(self, merchant_id: str, keys: Sequence[str]) -> dict[str, str]: ...

    async def put_many(self, merchant_id: str, items: Mapping[str, str]) -> None: ...


class MemoryCache:
    """A bounded LRU per process (``max_entries`` over all merchants)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max(1, max_entries)
        self._data: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def get_many(self, merchant_id: str, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in keys:
            value = self._data.get((merchant_id, key))
            if value is not None:
                self._data.move_to_end((merchant_id, key))
                out[key] = value
        return out

    async def put_many(self, merchant_id: str, items: Mapping[str, str]) -> None:
        for key, value in items.items():
            self._data[(merchant_id, key)] = value
            self._data.move_to_end((merchant_id, key))
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class TieredCache:
    """The process's LRU in front of a shared cache (the database): a hit below fills the LRU."""

    def __init__(self, near: MemoryCache, far: TranslationCache) -> None:
        self.near = near
        self.far = far

    async def get_many(self, merchant_id: str, keys: Sequence[str]) -> dict[str, str]:
        out = await self.near.get_many(merchant_id, keys)
        missing = [k for k in keys if k not in out]
        if missing:
            found = await self.far.get_many(merchant_id, missing)
            if found:
                await self.near.put_many(merchant_id, found)
                out.update(found)
        return out

    async def put_many(self, merchant_id: str, items: Mapping[str, str]) -> None:
        await self.near.put_many(merchant_id, items)
        await self.far.put_many(merchant_id, items)
