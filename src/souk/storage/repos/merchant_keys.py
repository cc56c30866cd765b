"""A merchant's wrapped data keys (souk.privacy.keys; migration 0016). The rows hold key material only wrapped
by a master key that never enters the database; ``destroy`` (crypto-shredding) overwrites it with nothing."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import Conflict, NotFound
from souk.privacy.keys import ACTIVE, DESTROYED, RETIRED, WrappedKey
from souk.storage.repos.base import Repo
from souk.storage.schema import merchant_keys


def _row(r: sa.Row[tuple[object, ...]]) -> WrappedKey:
    m = r._mapping
    return WrappedKey(str(m["merchant_id"]), str(m["key_id"]), str(m["state"]), str(m["master_id"]),
                      bytes(m["wrapped"]), m["created_at"], m["retired_at"])


class SqlMerchantKeyRepo(Repo):
    """souk.privacy.keys.KeyStore on SQL."""

    async def active(self, merchant_id: str) -> WrappedKey | None:
        c = merchant_keys.c
        async with self._db.read() as conn:
            r = (await conn.execute(sa.select(merchant_keys).where(c.merchant_id == merchant_id,
                                                                   c.state == ACTIVE))).first()
        return None if r is None else _row(r)

    async def get(self, merchant_id: str, key_id: str) -> WrappedKey:
        c = merchant_keys.c
        async with self._db.read() as conn:
            r = (await conn.execute(sa.select(merchant_keys).where(c.merchant_id == merchant_id,
                                                                   c.key_id == key_id))).first()
        if r is None:
            raise NotFound(f"merchant {merchant_id!r} has no data key {key_id!r}", code="key_not_found")
        return _row(r)

    async def list(self, merchant_id: str) -> list[WrappedKey]:
        c = merchant_keys.c
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(merchant_keys).where(c.merchant_id == merchant_id)
                                      .order_by(c.created_at, c.key_id))
            return [_row(r) for r in rows]

    async def create_active(self, merchant_id: str, key_id: str, master_id: str, wrapped: bytes, *,
                            retire_current: bool) -> None:
        """Store a new active key. ``retire_current``: the active one (if any) becomes retired in the same
        transaction (rotation); otherwise an existing active key is a Conflict ``key_exists`` (two nodes made
        the first key at once: the loser reads the winner's)."""
        c = merchant_keys.c
        async with self._db.write() as conn:
            if retire_current:
                await conn.execute(merchant_keys.update().where(c.merchant_id == merchant_id, c.state == ACTIVE)
                                   .values(state=RETIRED, retired_at=self._now()))
            elif await self._has_active(conn, merchant_id):
                raise Conflict(f"merchant {merchant_id!r} already has an active key", code="key_exists")
            await conn.execute(merchant_keys.insert().values(
                merchant_id=merchant_id, key_id=key_id, state=ACTIVE, master_id=master_id, wrapped=wrapped,
                created_at=self._now(), retired_at=None))

    @staticmethod
    async def _has_active(conn: AsyncConnection, merchant_id: str) -> bool:
        c = merchant_keys.c
        return (await conn.execute(sa.select(c.key_id).where(c.merchant_id == merchant_id,
                                                             c.state == ACTIVE))).first() is not None

    async def rewrap(self, merchant_id: str, key_id: str, old_master_id: str, master_id: str,
                     wrapped: bytes) -> bool:
        """Replace a key's wrapping (master rotation) if it is still wrapped by ``old_master_id``."""
        c = merchant_keys.c
        async with self._db.write() as conn:
            r = await conn.execute(merchant_keys.update().where(
                c.merchant_id == merchant_id, c.key_id == key_id, c.master_id == old_master_id,
                c.state != DESTROYED).values(master_id=master_id, wrapped=wrapped))
            return bool(r.rowcount)

    async def destroy(self, merchant_id: str) -> int:
        """Crypto-shredding: every key of the merchant loses its material; how many keys had some. On SQLite
        the overwritten pages are zeroed (secure_delete) and the WAL is checkpointed so no copy remains."""
        c = merchant_keys.c
        async with self._db.write() as conn:
            if self._db.dialect == "sqlite":
                await conn.exec_driver_sql("PRAGMA secure_delete=ON")
            r = await conn.execute(merchant_keys.update().where(c.merchant_id == merchant_id, c.state != DESTROYED)
                                   .values(state=DESTROYED, wrapped=b"", retired_at=self._now()))
            count = int(r.rowcount or 0)
        if self._db.dialect == "sqlite":  # outside any transaction: a checkpoint cannot run inside one
            async with self._db.engine.connect() as conn:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        return count
