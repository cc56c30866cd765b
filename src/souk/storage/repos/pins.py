"""Live-room pins in the database: one row per (merchant, room) holding the skus in pin order.

Every change runs under the room's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are
serialized by BEGIN IMMEDIATE), so two hosts or two Souk nodes pinning at once never lose a pin or pass the
limit. The rules are souk.domain.pins' pure changes. Bounded: past ``max_rooms`` rooms of a merchant the
longest-idle rooms' pins are dropped when a new room pins (as the in-process board did).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.clock import Clock
from souk.domain.pins import PinChange, Pins
from souk.storage.db import Database
from souk.storage.repos.base import Repo, require_text
from souk.storage.schema import live_pins

log = logging.getLogger(__name__)

MAX_ROOMS = 10_000  # per merchant; the longest-idle room's pins go first


def _key(merchant_id: str, room_id: str) -> tuple[Any, ...]:
    return (live_pins.c.merchant_id == merchant_id, live_pins.c.room_id == room_id)


def _as_pins(doc: Any) -> Pins:
    return tuple(str(sku) for sku in (doc or []))


async def _locked(conn: AsyncConnection, merchant_id: str, room_id: str) -> Pins | None:
    row = (await conn.execute(sa.select(live_pins.c.skus).where(*_key(merchant_id, room_id))
                              .with_for_update())).first()
    return None if row is None else _as_pins(row.skus)


class SqlPinRepo(Repo):
    def __init__(self, db: Database, clock: Clock, *, max_rooms: int = MAX_ROOMS) -> None:
        super().__init__(db, clock)
        self._max_rooms = max_rooms

    async def pinned(self, merchant_id: str, room_id: str) -> Pins:
        async with self._db.read() as conn:
            return _as_pins(await conn.scalar(sa.select(live_pins.c.skus).where(*_key(merchant_id, room_id))))

    async def update(self, merchant_id: str, room_id: str, change: PinChange) -> tuple[Pins, Pins]:
        require_text(room_id, "room id", max_len=128)
        now = self._now()
        async with self._db.write() as conn:
            before = await _locked(conn, merchant_id, room_id)
            new = before is None
            after = change(before or ())  # raises (too_many_pins) before anything is written
            if not after:
                if not new:
                    await conn.execute(live_pins.delete().where(*_key(merchant_id, room_id)))
                return before or (), ()
            if new:
                insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                created = await conn.execute(insert(live_pins).values(
                    merchant_id=merchant_id, room_id=room_id, skus=[], updated_at=now).on_conflict_do_nothing())
                if created.rowcount == 0:  # another node pinned in this room a moment ago: lock it, start again
                    before = await _locked(conn, merchant_id, room_id)
                    after = change(before or ())
                else:
                    await self._evict(conn, merchant_id, keep=room_id)
            await conn.execute(live_pins.update().where(*_key(merchant_id, room_id))
                               .values(skus=list(after), updated_at=now))
        return before or (), after

    async def _evict(self, conn: AsyncConnection, merchant_id: str, *, keep: str) -> None:
        count = int(await conn.scalar(sa.select(sa.func.count()).select_from(live_pins)
                                      .where(live_pins.c.merchant_id == merchant_id)) or 0)
        excess = count - self._max_rooms
        if excess <= 0:
            return
        oldest = (await conn.execute(
            sa.select(live_pins.c.room_id).where(live_pins.c.merchant_id == merchant_id,
                                                 live_pins.c.room_id != keep)
            .order_by(live_pins.c.updated_at, live_pins.c.room_id).limit(excess))).scalars().all()
        await conn.execute(live_pins.delete().where(live_pins.c.merchant_id == merchant_id,
                                                    live_pins.c.room_id.in_(oldest)))
        log.info("merchant %s: pins of %d idle live rooms dropped (limit %d)", merchant_id, len(oldest),
                 self._max_rooms)

    async def clear(self, merchant_id: str, room_id: str) -> None:
        async with self._db.write() as conn:
            await conn.execute(live_pins.delete().where(*_key(merchant_id, room_id)))
