"""Onboarding on both backends: merchants and their keys, and store import/export (one transaction)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from souk.core.errors import Conflict, NotFound, Unauthenticated, Unprocessable
from souk.domain.models import Customer, Order, OrderLine, OrderStatus
from souk.domain.storefile import StoreInvalid, read_store
from souk.storage import Storage
from souk.storage.onboarding import MerchantSpec, Onboarding
from tests.unit.domain.store_samples import canonical, demo, small_store

LUMEN = MerchantSpec(id="lumen", name="Lumen", currency="USD", region="cn")
TIENDA = MerchantSpec(id="tienda", name="Tienda", currency="MXN", region="mx", languages=("es",),
                      timezone="America/Mexico_City")


async def test_create_merchant_issues_a_first_key_that_authenticates_until_revoked(storage: Storage) -> None:
    ob = Onboarding(storage)
    merchant, first = await ob.create_merchant(TIENDA)
    assert merchant.currency == "MXN" and merchant.region == "mx" and merchant.languages == ("es",)
    assert (await storage.api_keys.verify(first.key)).merchant_id == "tienda"
    second = await ob.issue_key("tienda", "ci")
    assert {k.key_id for k in await ob.keys("tienda")} == {first.record.key_id, second.record.key_id}
    revoked = await ob.revoke_key("tienda", first.record.key_id)
    assert revoked.revoked_at is not None
    with pytest.raises(Unauthenticated):
        await storage.api_keys.verify(first.key)  # at once: verify reads the shared row every time
    assert (await storage.api_keys.verify(second.key)).key_id == second.record.key_id
    assert (await ob.revoke_key("tienda", first.record.key_id)).revoked_at == revoked.revoked_at  # idempotent
    await ob.create_merchant(LUMEN)
    with pytest.raises(NotFound):  # another merchant's key is not found, never revoked
        await ob.revoke_key("lumen", second.record.key_id)
    assert (await storage.api_keys.verify(second.key)).revoked_at is None
    with pytest.raises(Conflict):
        await ob.create_merchant(TIENDA)
    with pytest.raises(NotFound):
        await ob.issue_key("nobody")
    with pytest.raises(Unprocessable) as err:
        await ob.create_merchant(dataclasses.replace(TIENDA, id="x y", currency="ABC"))
    assert {p["path"] for p in err.value.details["problems"]} == {"$.id", "$.currency"}
    assert [m.id for m in await ob.merchants()] == ["lumen", "tienda"]


async def test_the_demo_store_round_trips(storage: Storage) -> None:
    ob = Onboarding(storage)
    await ob.create_merchant(LUMEN)
    counts = await ob.import_store("lumen", demo())
    assert counts["products"] == {"added": 21, "replaced": 0} and counts["orders"]["added"] == len(demo()["orders"])
    exported = await ob.export_store("lumen")
    assert canonical(exported) == canonical(demo())
    again = await ob.import_store("lumen", exported)
    assert again["products"] == {"added": 0, "replaced": 21} and again["policies"] == {"added": 0, "replaced": 1}
    assert canonical(await ob.export_store("lumen")) == canonical(demo())
    merchant = await ob.merchant("lumen")
    assert merchant.country == "CN" and merchant.timezone == "Asia/Shanghai" and merchant.region == "cn"


async def test_a_bad_file_changes_nothing(storage: Storage) -> None:
    ob = Onboarding(storage)
    await ob.create_merchant(TIENDA)
    await ob.import_store("tienda", small_store())
    before = await ob.export_store("tienda")
    bad = small_store()
    bad["store"]["name"] = "Renamed"
    bad["products"][0]["price_mxn"] = 1  # a valid change...
    bad["products"][1]["price_usd"] = bad["products"][1].pop("price_mxn")  # ...and three problems
    bad["orders"][0]["lines"][0]["sku"] = "GONE"
    with pytest.raises(StoreInvalid) as err:
        await ob.import_store("tienda", bad)
    assert {p["path"] for p in err.value.details["problems"]} == {
        "$.products[1].price_usd", "$.products[1].price_mxn", "$.orders[0].lines[0].sku"}
    assert await ob.export_store("tienda") == before
    with pytest.raises(StoreInvalid):  # another merchant's file, another currency
        await ob.import_store("tienda", small_store("lumen", "USD"))
    assert await ob.export_store("tienda") == before


async def test_a_database_refusal_half_way_rolls_the_whole_import_back(storage: Storage) -> None:
    ob = Onboarding(storage)
    await ob.create_merchant(TIENDA)
    await ob.import_store("tienda", small_store())
    before = await ob.export_store("tienda")
    snap = read_store(small_store())
    # Past the file checks (built by hand): products are written first, then this order's customer is missing.
    stray = Order(id="SO-X", customer_id="ghost", placed_on=snap.as_of, status=OrderStatus.PROCESSING,
                  shipping_method="standard", country="MX", lines=(OrderLine("SOL-1", 1, Decimal("1.00")),),
                  subtotal=Decimal(1), shipping=Decimal(0), total=Decimal(1), currency_paid="MXN")
    changed = dataclasses.replace(
        snap, products=tuple(dataclasses.replace(p, stock=999) for p in snap.products),
        customers=snap.customers + (Customer("c-2", "Bo", "bo@example.mx", "MX", "es"),), orders=(stray,))
    with pytest.raises(NotFound):
        await storage.store_files.import_store("tienda", changed)
    assert await ob.export_store("tienda") == before


async def test_import_keeps_live_orders_and_products_the_file_does_not_name(storage: Storage) -> None:
    ob = Onboarding(storage)
    await ob.create_merchant(TIENDA)
    await ob.import_store("tienda", small_store())
    smaller = small_store()
    smaller["products"] = smaller["products"][:1]
    smaller["shipping"] = smaller["shipping"][:1]
    counts = await ob.import_store("tienda", smaller)
    assert counts["shipping_zones"] == {"added": 0, "replaced": 1}
    exported = await ob.export_store("tienda")
    assert [p["sku"] for p in exported["products"]] == ["SOL-1", "SOL-2"]  # kept
    assert [z["region"] for z in exported["shipping"]] == ["mexico"]  # replaced as a whole
    assert exported["products"][0]["price_mxn"] == 450.5 and "price_usd" not in exported["products"][0]
