"""Where the assistant gets the store from: any provider of a StoreSnapshot."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from souk.domain.store import StoreSnapshot, parse_store


class SnapshotSource(Protocol):
    """Same shape as souk.domain.ports.StoreReader (the DB-backed reader implements it)."""

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot: ...


class StaticStore:
    """A fixed snapshot (the bundled demo store, a test fixture, an export file)."""

    def __init__(self, snapshot: StoreSnapshot) -> None:
        self._snapshot = snapshot

    @property
    def merchant_id(self) -> str:
        return self._snapshot.merchant.id

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        return self._snapshot


def demo_store() -> StaticStore:
    from souk.data import demo_store_json

    return StaticStore(parse_store(demo_store_json()))
