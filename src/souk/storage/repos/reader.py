"""StoreReader: one merchant's whole store as a StoreSnapshot, read in one consistent transaction."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from souk.core.errors import NotFound
from souk.domain.store import StoreSnapshot
from souk.storage.repos.base import Repo
from souk.storage.repos.catalog import product_record
from souk.storage.repos.customers import customer_record
from souk.storage.repos.merchants import merchant_record
from souk.storage.repos.order_actions import load_returns
from souk.storage.repos.orders import load_orders
from souk.storage.repos.storeinfo import EMPTY_POLICIES, read_faq, read_policies, read_shipping
from souk.storage.schema import customers, merchants, products


class SqlStoreReader(Repo):
    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        async with self._db.read() as conn:
            m = (await conn.execute(sa.select(merchants).where(merchants.c.id == merchant_id))).first()
            if m is None:
                raise NotFound(f"merchant {merchant_id!r} not found", code="merchant_not_found")
            prods = (await conn.execute(sa.select(products).where(products.c.merchant_id == merchant_id)
                                        .order_by(products.c.sku))).all()
            custs = (await conn.execute(sa.select(customers).where(customers.c.merchant_id == merchant_id)
                                        .order_by(customers.c.id))).all()
            orders = await load_orders(conn, merchant_id)
            zones = await read_shipping(conn, merchant_id)
            pols = await read_policies(conn, merchant_id)
            entries = await read_faq(conn, merchant_id)
            rmas = await load_returns(conn, merchant_id)
        return StoreSnapshot(
            merchant=merchant_record(m), products=tuple(product_record(p) for p in prods),
            customers=tuple(customer_record(c) for c in custs), orders=tuple(orders), shipping=tuple(zones),
            policies=pols or EMPTY_POLICIES, faq=tuple(entries), as_of=as_of or self._today(),
            returns=tuple(rmas),
        )
