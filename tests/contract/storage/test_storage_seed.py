"""The demo seed: complete, faithful to the demo JSON, idempotent, key stored only as a hash."""

from __future__ import annotations

import sqlalchemy as sa

from souk.auth.apikeys import check_api_key
from souk.data import demo_store_json
from souk.domain.accounts import UserRole
from souk.domain.store import parse_store
from souk.storage import Storage, seed_demo
from souk.storage.schema import api_keys, metadata


async def _row_counts(storage: Storage) -> dict[str, int]:
    async with storage.db.read() as conn:
        return {name: int(await conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
                for name, t in metadata.tables.items()}


async def test_seed_loads_the_demo_store_and_a_second_run_changes_nothing(storage: Storage) -> None:
    first = await seed_demo(storage)
    assert first.merchant_id == "lumen" and first.changed
    assert first.inserted["products"] == 21 and first.inserted["orders"] == 40
    assert first.api_key is not None and first.api_key.startswith("sk_")
    before = await _row_counts(storage)
    snap_before = await storage.snapshot("lumen")

    second = await seed_demo(storage)
    assert not second.changed
    assert second.api_key is None  # the plaintext is only ever returned once
    assert second.api_key_id == first.api_key_id
    assert await _row_counts(storage) == before
    assert await storage.snapshot("lumen") == snap_before


async def test_seeded_snapshot_equals_the_parsed_demo_json(storage: Storage) -> None:
    await seed_demo(storage)
    expected = parse_store(demo_store_json())
    snap = await storage.snapshot("lumen", as_of=expected.as_of)
    assert snap.merchant == expected.merchant
    assert snap.products == tuple(sorted(expected.products, key=lambda p: p.sku))
    assert snap.customers == tuple(sorted(expected.customers, key=lambda c: c.id))
    assert {o.id: o for o in snap.orders} == {o.id: o for o in expected.orders}
    assert snap.shipping == expected.shipping
    assert snap.policies == expected.policies
    assert snap.faq == expected.faq
    # The look-ups the assistant uses work the same on the stored copy.
    assert snap.orders_of("C-501") == expected.orders_of("C-501")
    assert snap.zone_for("mx") == expected.zone_for("MX")


async def test_seed_stores_only_a_hash_and_the_key_verifies(storage: Storage) -> None:
    seed = await seed_demo(storage)
    assert seed.api_key is not None
    async with storage.db.read() as conn:
        stored = (await conn.execute(sa.select(api_keys.c.key_hash))).scalars().all()
    assert len(stored) == 1 and seed.api_key not in stored[0] and stored[0].startswith("scrypt$")
    assert check_api_key(seed.api_key, stored[0])
    assert (await storage.api_keys.verify(seed.api_key)).merchant_id == "lumen"
    seller = await storage.users.get("lumen", seed.seller_id)
    assert seller.role is UserRole.SELLER and seller.active and "en" in seller.languages


async def test_seed_does_not_reset_stock_sold_since(storage: Storage) -> None:
    await seed_demo(storage)
    left = await storage.catalog.decrement_stock("lumen", "AP-1001", 3)
    await seed_demo(storage)
    assert (await storage.catalog.get("lumen", "AP-1001")).stock == left


async def test_a_revoked_demo_key_is_replaced_on_the_next_seed(storage: Storage) -> None:
    first = await seed_demo(storage)
    await storage.api_keys.revoke("lumen", first.api_key_id)
    again = await seed_demo(storage)
    assert again.api_key is not None and again.api_key_id != first.api_key_id
    assert again.inserted == {**{k: 0 for k in again.inserted}, "api_keys": 1}
    assert (await storage.api_keys.verify(again.api_key)).merchant_id == "lumen"
