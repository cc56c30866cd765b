"""Seed the demo store ("lumen") from the bundled demo JSON, idempotently.

Only what is missing is inserted, in one transaction: a second run changes nothing (stock sold during a
demo is not reset). The demo API key is minted on the first run only; its plaintext comes back once in
``DemoSeed.api_key`` and only its scrypt hash is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.auth.apikeys import generate_api_key
from souk.data import demo_store_json
from souk.domain.accounts import UserRole
from souk.domain.store import StoreSnapshot, parse_store
from souk.storage.repos.catalog import product_values
from souk.storage.repos.customers import customer_values
from souk.storage.repos.orders import line_values, order_values
from souk.storage.repos.storeinfo import faq_values, policies_document, zone_values
from souk.storage.schema import (
    api_keys,
    customers,
    faq,
    merchants,
    order_lines,
    orders,
    policies,
    products,
    shipping_zones,
    users,
)
from souk.storage.storage import Storage

log = logging.getLogger(__name__)

DEMO_KEY_LABEL = "demo"
DEMO_SELLER_ID = "seller-demo"


@dataclass(frozen=True, slots=True)
class DemoSeed:
    merchant_id: str
    seller_id: str
    api_key: str | None  # plaintext, only on the run that minted it
    api_key_id: str
    inserted: dict[str, int]  # rows inserted per table on this run (all zero on a re-run)

    @property
    def changed(self) -> bool:
        return any(self.inserted.values())


async def seed_demo(storage: Storage, data: Mapping[str, Any] | None = None) -> DemoSeed:
    return await storage.db.shield(_seed(storage, data), name="seed_demo")


async def _seed(storage: Storage, data: Mapping[str, Any] | None) -> DemoSeed:
    snap = parse_store(data if data is not None else demo_store_json())
    now = storage.now()
    mid = snap.merchant.id
    async with storage.db.read() as conn:
        have_key = await conn.scalar(_demo_key_query(mid))
    # scrypt costs ~50-100 ms: only mint when the demo key is missing (re-checked under the write lock).
    key, key_id, key_hash = ("", "", "") if have_key else await asyncio.to_thread(generate_api_key)
    async with storage.db.write() as conn:
        counts = await _insert_store(conn, snap, now)
        seller = await conn.scalar(sa.select(users.c.id).where(
            users.c.merchant_id == mid, users.c.id == DEMO_SELLER_ID))
        counts["users"] = 0
        if seller is None:
            await conn.execute(users.insert().values(
                merchant_id=mid, id=DEMO_SELLER_ID, role=UserRole.SELLER.value, name="Lin (demo seller)",
                email="seller@lumen.example", languages=["en", "zh", "es"],
                skills=sorted({p.category for p in snap.products}), active=True, created_at=now))
            counts["users"] = 1
        existing_key = await conn.scalar(_demo_key_query(mid))
        counts["api_keys"] = 0
        if existing_key is None:
            if not key:  # the key we saw was revoked in between: mint one now
                key, key_id, key_hash = generate_api_key()
            await conn.execute(api_keys.insert().values(
                key_id=key_id, merchant_id=mid, label=DEMO_KEY_LABEL, key_hash=key_hash, created_at=now))
            counts["api_keys"] = 1
    minted = existing_key is None
    result = DemoSeed(merchant_id=mid, seller_id=DEMO_SELLER_ID, api_key=key if minted else None,
                      api_key_id=key_id if minted else str(existing_key), inserted=counts)
    log.info("demo seed %s: %s", mid, {k: v for k, v in counts.items() if v} or "nothing new")
    return result


def _demo_key_query(mid: str) -> sa.Select[tuple[str]]:
    return (sa.select(api_keys.c.key_id)
            .where(api_keys.c.merchant_id == mid, api_keys.c.label == DEMO_KEY_LABEL,
                   api_keys.c.revoked_at.is_(None))
            .order_by(api_keys.c.created_at).limit(1))


async def _missing(conn: AsyncConnection, table: sa.Table, key: str, mid: str, wanted: list[str]) -> set[str]:
    col = table.c[key]
    have = set((await conn.execute(sa.select(col).where(table.c.merchant_id == mid))).scalars())
    return {w for w in wanted if w not in have}


async def _insert_store(conn: AsyncConnection, snap: StoreSnapshot, now: Any) -> dict[str, int]:
    m = snap.merchant
    mid = m.id
    counts: dict[str, int] = {}
    exists = await conn.scalar(sa.select(merchants.c.id).where(merchants.c.id == mid))
    counts["merchants"] = 0
    if exists is None:
        await conn.execute(merchants.insert().values(
            id=mid, name=m.name, currency=m.currency, languages=list(m.languages), timezone=m.timezone,
            ships_from=m.ships_from, country=m.country, created_at=now))
        counts["merchants"] = 1

    new_skus = await _missing(conn, products, "sku", mid, [p.sku for p in snap.products])
    rows = [{"merchant_id": mid, **product_values(p)} for p in snap.products if p.sku in new_skus]
    if rows:
        await conn.execute(products.insert(), rows)
    counts["products"] = len(rows)

    new_customers = await _missing(conn, customers, "id", mid, [c.id for c in snap.customers])
    rows = [{"merchant_id": mid, **customer_values(c)} for c in snap.customers if c.id in new_customers]
    if rows:
        await conn.execute(customers.insert(), rows)
    counts["customers"] = len(rows)

    new_orders = await _missing(conn, orders, "id", mid, [o.id for o in snap.orders])
    todo = [o for o in snap.orders if o.id in new_orders]
    if todo:
        await conn.execute(orders.insert(), [
            {"merchant_id": mid, "created_at": now, "updated_at": now, **order_values(o)} for o in todo])
        lines = [ln for o in todo for ln in line_values(mid, o.id, o.lines)]
        if lines:
            await conn.execute(order_lines.insert(), lines)
    counts["orders"] = len(todo)

    new_zones = await _missing(conn, shipping_zones, "region", mid, [z.region for z in snap.shipping])
    rows = [zone_values(mid, i, z) for i, z in enumerate(snap.shipping) if z.region in new_zones]
    if rows:
        await conn.execute(shipping_zones.insert(), rows)
    counts["shipping_zones"] = len(rows)

    has_policies = await conn.scalar(sa.select(policies.c.merchant_id).where(policies.c.merchant_id == mid))
    counts["policies"] = 0
    if has_policies is None:
        await conn.execute(policies.insert().values(
            merchant_id=mid, document=policies_document(snap.policies), updated_at=now))
        counts["policies"] = 1

    new_topics = await _missing(conn, faq, "topic", mid, [f.topic for f in snap.faq])
    rows = [faq_values(mid, i, f) for i, f in enumerate(snap.faq) if f.topic in new_topics]
    if rows:
        await conn.execute(faq.insert(), rows)
    counts["faq"] = len(rows)
    return counts
