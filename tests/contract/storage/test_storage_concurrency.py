"""Stock never oversells under concurrency, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random

from souk.core.errors import Conflict
from souk.domain.checkout import CartLine, NewOrder
from souk.domain.models import Customer
from souk.storage import Storage
from tests.contract.storage.conftest import A, merchant, product

BUYERS = 200
STOCK = 50


async def _shop(s: Storage, skus: dict[str, int]) -> None:
    await s.merchants.create(merchant(A))
    for sku, stock in skus.items():
        await s.catalog.upsert(A, product(sku, stock=stock))
    await s.customers.upsert(A, Customer(id="C-1", name="Buyer", email="b@example.com", country="US",
                                         language="en"))


async def test_200_concurrent_checkouts_of_50_units_sell_exactly_50(storage: Storage) -> None:
    await _shop(storage, {"HOT": STOCK})

    async def buy(i: int) -> bool:
        try:
            await storage.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("HOT", 1),), country="US",
                                                    order_id=f"o{i}"))
            return True
        except Conflict as exc:
            assert exc.code == "out_of_stock"
            return False

    results = await asyncio.gather(*(buy(i) for i in range(BUYERS)))
    assert sum(results) == STOCK
    assert (await storage.catalog.get(A, "HOT")).stock == 0
    orders = await storage.orders.list(A, limit=1000)
    assert len(orders) == STOCK and sum(o.lines[0].qty for o in orders) == STOCK


async def test_concurrent_decrements_of_mixed_sizes_never_go_below_zero(storage: Storage) -> None:
    await _shop(storage, {"HOT": STOCK})
    rng = random.Random(7)
    sizes = [rng.randint(1, 4) for _ in range(BUYERS)]

    async def take(qty: int) -> int:
        try:
            await storage.catalog.decrement_stock(A, "HOT", qty)
            return qty
        except Conflict:
            return 0

    taken = await asyncio.gather(*(take(q) for q in sizes))
    left = (await storage.catalog.get(A, "HOT")).stock
    assert left >= 0 and sum(taken) + left == STOCK
    # Stock only falls, so every refusal was right iff what is left now is still less than it asked for.
    refused = [q for q, t in zip(sizes, taken, strict=True) if t == 0]
    assert refused and all(left < q for q in refused)


async def test_concurrent_multi_line_checkouts_in_opposite_orders_neither_oversell_nor_deadlock(
    storage: Storage,
) -> None:
    await _shop(storage, {"X": 20, "Y": 20})

    async def buy(i: int) -> bool:
        lines = (CartLine("X", 1), CartLine("Y", 1)) if i % 2 else (CartLine("Y", 1), CartLine("X", 1))
        try:
            await storage.orders.create(A, NewOrder(customer_id="C-1", lines=lines, country="US"))
            return True
        except Conflict:
            return False

    results = await asyncio.gather(*(buy(i) for i in range(60)))
    assert sum(results) == 20
    assert (await storage.catalog.get(A, "X")).stock == 0 and (await storage.catalog.get(A, "Y")).stock == 0


async def test_concurrent_upserts_of_a_new_row_all_succeed(storage: Storage) -> None:
    await _shop(storage, {})
    stocks = list(range(1, 21))
    await asyncio.gather(*(storage.catalog.upsert(A, product("NEW", stock=n)) for n in stocks))
    await asyncio.gather(*(storage.customers.upsert(A, Customer(
        id="C-9", name=f"v{n}", email="c9@example.com", country="US", language="en")) for n in stocks))
    assert (await storage.catalog.get(A, "NEW")).stock in stocks  # one of them won, whole
    assert len(await storage.catalog.list(A)) == 1 and len(await storage.customers.list(A)) == 2


async def test_checkouts_cancelled_mid_flight_leave_no_trace_and_a_working_pool(storage: Storage) -> None:
    await _shop(storage, {"HOT": 1000})
    rng = random.Random(11)

    async def buy(i: int) -> None:
        await storage.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("HOT", 2),), country="US",
                                                order_id=f"o{i}"))

    for round_no in range(4):
        tasks = [asyncio.create_task(buy(round_no * 100 + i)) for i in range(25)]
        await asyncio.sleep(rng.uniform(0.001, 0.03))
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    await storage.db.drain()  # work whose callers gave up still finishes, in the background
    snap = await storage.snapshot(A)  # stock and orders read in one transaction
    assert all(o.lines and o.lines[0].qty == 2 for o in snap.orders)  # no order without its lines
    left = snap.products[0].stock
    assert left + 2 * len(snap.orders) == 1000  # units are either on the shelf or in an order
    # The pool still works, for writes and reads alike.
    done = await asyncio.gather(*(buy(1000 + i) for i in range(10)))
    assert len(done) == 10 and (await storage.catalog.get(A, "HOT")).stock == left - 20
