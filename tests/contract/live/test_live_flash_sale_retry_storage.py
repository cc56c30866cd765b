"""A flash-sale buy retried with the same order id (its idempotency key) answers with the first order, on
SQLite and PostgreSQL: never a second order, never ``sale_sold_out``; retries racing each other (in one
process or from two nodes) end with one order and one unit sold."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict
from souk.core.settings import Settings
from souk.domain.checkout import CartLine, NewOrder
from souk.domain.flash_sales import FlashSaleSpec
from souk.domain.pins import pin_to, unpin_from
from souk.storage import Storage, open_storage
from tests.contract.storage.conftest import A, B, customer, merchant, product


async def _shop(s: Storage) -> None:
    for mid in (A, B):
        await s.merchants.create(merchant(mid))
        await s.catalog.upsert(mid, product("HOT", stock=20, price="30.00"))
        await s.customers.upsert(mid, customer("C-1"))
        await s.customers.upsert(mid, customer("C-2"))


def spec(units: int = 5) -> FlashSaleSpec:
    return FlashSaleSpec(room_id="live-1", sku="HOT", units=units, price=Decimal("19.90"), duration_s=60)


async def test_a_retry_answers_the_first_order_even_when_sold_out_or_ended(storage: Storage,
                                                                          storage_clock: ManualClock) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec(units=1))
    first, after = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1")
    assert after.remaining == 0
    again, now = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1")
    assert again == first and now.sold == 1  # not sale_sold_out, not a second order
    with pytest.raises(Conflict) as exc:  # a new order id is a new buy: that one is sold out
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-2")
    assert exc.value.code == "sale_sold_out"
    await storage_clock.advance(61)
    late, _ = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1")
    assert late == first
    assert [o.id for o in await storage.orders.list(A)] == ["o-1"]
    assert (await storage.catalog.get(A, "HOT")).stock == 19


async def test_the_same_order_id_for_another_purchase_is_order_exists(storage: Storage) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec())
    other = await storage.flash_sales.create(A, spec())
    await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1")
    await storage.orders.create(A, NewOrder("C-1", (CartLine("HOT", 1),), "US", order_id="plain"))
    refused = [  # (sale, customer, qty, order id)
        (sale.id, "C-2", 1, "o-1"),  # another buyer: never their order
        (sale.id, "C-1", 2, "o-1"),  # another quantity
        (other.id, "C-1", 1, "o-1"),  # another sale
        (sale.id, "C-1", 1, "plain"),  # an order that is no sale's
    ]
    for sale_id, customer_id, qty, order_id in refused:
        with pytest.raises(Conflict) as exc:
            await storage.flash_sales.buy(A, sale_id, customer_id=customer_id, qty=qty, country="US",
                                          order_id=order_id)
        assert exc.value.code == "order_exists", (sale_id, customer_id, qty, order_id)
    assert (await storage.flash_sales.get(A, sale.id)).sold == 1
    assert (await storage.flash_sales.get(A, other.id)).sold == 0
    assert (await storage.catalog.get(A, "HOT")).stock == 18
    # Merchant B's order ids are B's: the same id is a new buy there.
    sale_b = await storage.flash_sales.create(B, spec())
    order_b, _ = await storage.flash_sales.buy(B, sale_b.id, customer_id="C-1", qty=1, country="US", order_id="o-1")
    assert order_b.id == "o-1" and (await storage.catalog.get(B, "HOT")).stock == 19


async def test_simultaneous_retries_make_one_order(storage: Storage) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec(units=3))

    async def buy(i: int) -> str:
        order, _ = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US",
                                                 order_id=f"o-{i % 2}")
        return order.id

    ids = await asyncio.gather(*(buy(i) for i in range(20)))
    assert sorted(set(ids)) == ["o-0", "o-1"]
    assert (await storage.flash_sales.get(A, sale.id)).sold == 2
    assert sorted(o.id for o in await storage.orders.list(A)) == ["o-0", "o-1"]
    assert (await storage.catalog.get(A, "HOT")).stock == 18


async def test_retries_racing_from_two_nodes_make_one_order(storage: Storage, storage_url: str,
                                                           tmp_path: Path) -> None:
    await _shop(storage)
    other = await open_storage(Settings(data_dir=str(tmp_path / "b")), url=storage_url, clock=ManualClock())
    try:
        sale = await storage.flash_sales.create(A, spec(units=1))
        for attempt in range(3):  # the last unit, the same order id, from both nodes at once
            results = await asyncio.gather(*(
                node.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-x")
                for node in (storage, other, storage, other)))
            assert {order.id for order, _ in results} == {"o-x"}, attempt
        assert (await storage.flash_sales.get(A, sale.id)).sold == 1
        assert [o.id for o in await storage.orders.list(A)] == ["o-x"]
    finally:
        await other.aclose()


async def test_pin_required_inside_the_buy_but_after_the_retry_look_up(storage: Storage) -> None:
    await _shop(storage)
    sale = await storage.flash_sales.create(A, spec())
    with pytest.raises(Conflict) as exc:
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1",
                                      require_pinned=True)
    assert exc.value.code == "not_pinned"
    assert (await storage.flash_sales.get(A, sale.id)).sold == 0 and await storage.orders.list(A) == []
    await storage.pins.update(B, "live-1", pin_to("HOT"))  # B's pin is not A's
    with pytest.raises(Conflict):
        await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", require_pinned=True)
    await storage.pins.update(A, "live-1", pin_to("HOT"))
    first, _ = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1",
                                             require_pinned=True)
    await storage.pins.update(A, "live-1", unpin_from("HOT"))
    again, _ = await storage.flash_sales.buy(A, sale.id, customer_id="C-1", qty=1, country="US", order_id="o-1",
                                             require_pinned=True)
    assert again == first
