"""Flash sales in storage never oversell, on SQLite and on PostgreSQL (the `storage` fixture runs both)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, NotFound
from souk.domain.flash_sales import FlashSaleSpec
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, customer, merchant, product

BUYERS = 200
UNITS = 50


async def _shop(s: Storage, *, stock: int = 80) -> None:
    for mid in (A, B):
        await s.merchants.create(merchant(mid))
        await s.catalog.upsert(mid, product("HOT", stock=stock, price="30.00"))
        await s.customers.upsert(mid, customer("C-1"))


def spec(units: int = UNITS, duration_s: float = 60) -> FlashSaleSpec:
    return FlashSaleSpec(room_id="live-1", sku="HOT", units=units, price=Decimal("19.90"), duration_s=duration_s)


async def test_200_simultaneous_sale_checkouts_of_50_units_sell_exactly_50(storage: Storage) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec())

    async def buy(i: int) -> bool:
        try:
            await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="SG", order_id=f"o{i}")
            return True
        except Conflict as exc:
            assert exc.code == "sale_sold_out"
            return False

    results = await asyncio.gather(*(buy(i) for i in range(BUYERS)))
    assert sum(results) == UNITS
    after = await storage.flash_sales.get(A, sale.id)
    assert (after.sold, after.remaining) == (UNITS, 0)
    assert (await storage.catalog.get(A, "HOT")).stock == 80 - UNITS  # the catalog moved by exactly the sale
    orders = await storage.orders.list(A, limit=1000)
    assert len(orders) == UNITS
    assert {(o.lines[0].sku, o.lines[0].qty, o.lines[0].unit_price, o.total) for o in orders} == {
        ("HOT", 1, Decimal("19.90"), Decimal("19.90"))}
    assert (await storage.catalog.get(B, "HOT")).stock == 80 and await storage.orders.list(B) == []


async def test_sale_ends_on_the_clock_and_when_the_host_ends_it(storage: Storage,
                                                                   storage_clock: ManualClock) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec(duration_s=30))
    order, after = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=2, country="us")
    assert after.sold == 2 and order.country == "US" and order.lines[0].unit_price == Decimal("19.90")
    await storage_clock.advance(30)
    with pytest.raises(Conflict) as exc:
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US")
    assert exc.value.code == "sale_ended"
    second = await storage.flash_sales.create(A, spec())
    assert (await storage.flash_sales.end(A, second.id)).ended
    with pytest.raises(Conflict) as exc:
        await storage.flash_sales.buy(A, second.id, customer_id="C-1", qty=1, country="US")
    assert exc.value.code == "sale_ended"
    assert [s.id for s in await storage.flash_sales.list(A, "live-1")] == [sale.id, second.id]
    assert (await storage.catalog.get(A, "HOT")).stock == 78


async def test_refusals_leave_both_counters_untouched(storage: Storage) -> None:
    await _shop(storage, stock=3)
    sale = await storage.flash_sales.create(A, spec(units=10))
    with pytest.raises(Conflict) as exc:  # the sale has units, the catalog does not: nothing moves
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=4, country="US")
    assert exc.value.code == "out_of_stock"
    assert (await storage.flash_sales.get(A, sale.id)).sold == 0
    with pytest.raises(Conflict) as exc:
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=11, country="US")
    assert exc.value.code == "sale_sold_out" and exc.value.details["available"] == 10
    with pytest.raises(NotFound) as nf:
        await storage.flash_sales.buy(A, sale.id, customer_id="nobody", qty=1, country="US")
    assert nf.value.code == "customer_not_found"
    with pytest.raises(NotFound):  # another merchant cannot see, let alone buy from, A's sale
        await storage.flash_sales.buy(B, sale.id, customer_id="C-1", qty=1, country="US")
    with pytest.raises(BadRequest):
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=0, country="US")
    with pytest.raises(NotFound) as nf:
        await storage.flash_sales.create(A, FlashSaleSpec(room_id="r", sku="NOPE", units=1, price=Decimal(1),
                                                          duration_s=5))
    assert nf.value.code == "product_not_found"
    assert (await storage.flash_sales.get(A, sale.id)).sold == 0 and (await storage.catalog.get(A, "HOT")).stock == 3
    assert await storage.orders.list(A) == []


async def test_every_flash_sale_statement_filters_by_merchant(storage: Storage) -> None:
    """The storage suite's tenancy audit, for this repository: every public method, every statement."""
    import inspect
    from typing import Any

    from sqlalchemy import event

    from tests.contract.storage.test_storage_tenancy_audit import scoped

    await _shop(storage)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(storage.db.engine.sync_engine, "before_cursor_execute", record)
    repo = storage.flash_sales
    try:
        sale = await repo.create(A, spec())
        await repo.get(A, sale.id)
        await repo.list(A, "live-1")
        await repo.buy(A, sale.id, customer_id="C-1", qty=1, country="US")
        with pytest.raises(Conflict):
            await repo.buy(A, sale.id, customer_id="C-1", qty=UNITS, country="US")
        assert [s.id for s in await repo.running(A)] == [sale.id]
        await repo.end(A, sale.id)
        assert await repo.running(A) == []
    finally:
        event.remove(storage.db.engine.sync_engine, "before_cursor_execute", record)
    public = {m for m, _ in inspect.getmembers(repo, inspect.iscoroutinefunction) if not m.startswith("_")}
    assert public == {"create", "get", "list", "buy", "end", "running"}, "add the new methods to this audit"
    data = [s for s in statements if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE")]
    assert len(data) > 10 and [s for s in data if not scoped(s)] == []
