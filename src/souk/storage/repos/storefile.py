"""Writes a checked store file (a StoreSnapshot from souk.domain.storefile.read_store) in one transaction.

What an import does: the merchant's profile (name, languages, time zone, ships_from, country) takes the
file's values; every product, customer and order of the file is inserted or replaced (an order's lines with
it); the shipping zones, the policies and the FAQ are replaced as a whole. Products, customers and orders the
file does not name are kept: live orders refer to them. The currency and the region never change here.
Everything happens in one write transaction: an error half-way (a database constraint) changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, NotFound
from souk.domain.store import StoreSnapshot
from souk.storage.repos.base import Repo, upsert
from souk.storage.repos.catalog import product_values
from souk.storage.repos.customers import customer_values
from souk.storage.repos.orders import line_values, order_values
from souk.storage.repos.storeinfo import faq_values, policies_document, zone_values
from souk.storage.schema import (
    customers,
    faq,
    merchants,
    order_lines,
    orders,
    policies,
    products,
    shipping_zones,
)


class SqlStoreFileRepo(Repo):
    async def import_store(self, merchant_id: str, snap: StoreSnapshot) -> dict[str, dict[str, int]]:
        """Write ``snap`` into ``merchant_id``'s store; returns per table how many records were added and
        how many replaced."""
        m = snap.merchant
        now = self._now()
        async with self._db.write() as conn:
            row = (await conn.execute(sa.select(merchants.c.currency).where(merchants.c.id == merchant_id))).first()
            if row is None:
                raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
            if row.currency and row.currency != m.currency:
                raise BadRequest(f"the store is priced in {m.currency}, merchant {merchant_id!r} in {row.currency}",
                                 code="currency_mismatch")
            # a merchant created without a currency (souk merchant create ID) takes the file's, once
            await conn.execute(merchants.update().where(merchants.c.id == merchant_id).values(
                name=m.name, languages=list(m.languages), timezone=m.timezone, ships_from=m.ships_from,
                country=m.country, currency=m.currency))
            counts = {
                "products": await _upsert_all(conn, products, "sku", merchant_id,
                                              [product_values(p) for p in snap.products]),
                "customers": await _upsert_all(conn, customers, "id", merchant_id,
                                               [customer_values(c) for c in snap.customers]),
                "orders": await _upsert_all(conn, orders, "id", merchant_id,
                                            [{**order_values(o), "created_at": now, "updated_at": now}
                                             for o in snap.orders], insert_only=("created_at",)),
            }
            ids = [o.id for o in snap.orders]
            for start in range(0, len(ids), 500):
                await conn.execute(order_lines.delete().where(order_lines.c.merchant_id == merchant_id,
                                                              order_lines.c.order_id.in_(ids[start:start + 500])))
            lines = [ln for o in snap.orders for ln in line_values(merchant_id, o.id, o.lines)]
            if lines:
                await conn.execute(order_lines.insert(), lines)
            counts["shipping_zones"] = await _replace(conn, shipping_zones, merchant_id,
                                                      [zone_values(merchant_id, i, z) for i, z in enumerate(snap.shipping)])
            counts["faq"] = await _replace(conn, faq, merchant_id,
                                           [faq_values(merchant_id, i, f) for i, f in enumerate(snap.faq)])
            had = await conn.scalar(sa.select(policies.c.merchant_id).where(policies.c.merchant_id == merchant_id))
            await upsert(conn, policies, {"merchant_id": merchant_id, "document": policies_document(snap.policies),
                                          "updated_at": now}, keys=["merchant_id"])
            counts["policies"] = {"added": int(had is None), "replaced": int(had is not None)}
        return counts


async def _upsert_all(conn: AsyncConnection, table: sa.Table, key: str, merchant_id: str,
                      rows: Sequence[dict[str, Any]], insert_only: Sequence[str] = ()) -> dict[str, int]:
    col = table.c[key]
    have = set((await conn.execute(sa.select(col).where(table.c.merchant_id == merchant_id))).scalars())
    for values in rows:
        await upsert(conn, table, {"merchant_id": merchant_id, **values}, keys=["merchant_id", key],
                     insert_only=insert_only)
    replaced = sum(1 for values in rows if values[key] in have)
    return {"added": len(rows) - replaced, "replaced": replaced}


async def _replace(conn: AsyncConnection, table: sa.Table, merchant_id: str,
                   rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    removed = (await conn.execute(table.delete().where(table.c.merchant_id == merchant_id))).rowcount or 0
    if rows:
        await conn.execute(table.insert(), list(rows))
    return {"added": max(0, len(rows) - removed), "replaced": min(len(rows), removed)}
