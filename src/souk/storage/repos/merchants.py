"""Merchants (tenants)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import Conflict, NotFound
from souk.domain.currencies import require_currency
from souk.domain.merchants import UNSET_CURRENCY
from souk.domain.models import Merchant
from souk.storage.repos.base import Repo, require_text, upsert
from souk.storage.schema import merchants


async def merchant_currency(conn: AsyncConnection, merchant_id: str) -> str:
    """The merchant's currency, read in the caller's transaction (every amount it charges is in it)."""
    currency = await conn.scalar(sa.select(merchants.c.currency).where(merchants.c.id == merchant_id))
    if currency is None:
        raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
    return str(currency)


# the columns a Merchant is made of (named, so that a database migrated only to an older revision still reads)
_COLUMNS = tuple(merchants.c[n] for n in ("id", "name", "ships_from", "currency", "languages", "timezone", "region",
                                          "country"))


def merchant_record(row: Any) -> Merchant:
    return Merchant(id=row.id, name=row.name, ships_from=row.ships_from, currency=row.currency,
                    languages=tuple(row.languages), timezone=row.timezone, region=row.region, country=row.country)


def _values(m: Merchant) -> dict[str, Any]:
    require_text(m.id, "merchant id", max_len=64)
    require_text(m.name, "merchant name")
    # "" (UNSET_CURRENCY): created without one; its first store import sets it (storage/repos/storefile.py)
    currency = m.currency if m.currency == UNSET_CURRENCY else require_currency(m.currency)
    return {"name": m.name, "currency": currency, "languages": list(m.languages),
            "timezone": m.timezone, "ships_from": m.ships_from, "region": m.region, "country": m.country}


class SqlMerchantRepo(Repo):
    async def create(self, merchant: Merchant) -> Merchant:
        values = _values(merchant)
        async with self._db.write() as conn:
            exists = await conn.scalar(sa.select(merchants.c.id).where(merchants.c.id == merchant.id))
            if exists is not None:
                raise Conflict(f"merchant {merchant.id!r} already exists", code="merchant_exists")
            await conn.execute(merchants.insert().values(id=merchant.id, created_at=self._now(), **values))
        return await self.get(merchant.id)

    async def upsert(self, merchant: Merchant) -> Merchant:
        values = _values(merchant)
        async with self._db.write() as conn:
            await upsert(conn, merchants, {"id": merchant.id, "created_at": self._now(), **values}, keys=["id"],
                         insert_only=["created_at"])
        return await self.get(merchant.id)

    async def get(self, merchant_id: str) -> Merchant:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(*_COLUMNS).where(merchants.c.id == merchant_id))).first()
        if row is None:
            raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
        return merchant_record(row)

    async def list(self) -> list[Merchant]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(*_COLUMNS).order_by(merchants.c.id))).all()
        return [merchant_record(r) for r in rows]

    # ---- data residency (souk.privacy.residency; migration 0016) ----
    async def data_regions(self) -> dict[str, str]:
        """Every merchant's data region ("" = none assigned: kept where it always was)."""
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(merchants.c.id, merchants.c.data_region))
            return {r.id: r.data_region for r in rows}

    async def data_region(self, merchant_id: str) -> str:
        async with self._db.read() as conn:
            region = await conn.scalar(sa.select(merchants.c.data_region).where(merchants.c.id == merchant_id))
        if region is None:
            raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
        return str(region)

    async def set_data_region(self, merchant_id: str, region: str) -> None:
        """Record the merchant's data region (an operator's step of the documented move; docs/privacy.md)."""
        require_text(region, "data region", max_len=32)
        async with self._db.write() as conn:
            done = await conn.execute(merchants.update().where(merchants.c.id == merchant_id)
                                      .values(data_region=region))
        if not done.rowcount:
            raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
