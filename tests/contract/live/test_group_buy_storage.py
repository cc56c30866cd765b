"""Group buys in storage, on SQLite and on PostgreSQL (the `storage` fixture runs both): tiers unlock at the
Nth buyer and every pending order of the offer is repriced to it, the cap is never passed under 64
concurrent joins, a buyer joins once, a retried join answers with its first order, another merchant's offer
is not found, and every statement filters by merchant."""

from __future__ import annotations

import asyncio
import inspect
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, NotFound
from souk.domain.group_buys import GroupBuySpec, Tier
from souk.domain.models import OrderStatus
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, customer, merchant, product
from tests.contract.storage.test_storage_tenancy_audit import scoped

TIERS = (Tier(1, Decimal("30.00")), Tier(3, Decimal("25.00")), Tier(10, Decimal("19.90")))
CONCURRENT = 64


async def _shop(s: Storage, *, stock: int = 200, buyers: int = 3) -> None:
    for mid in (A, B):
        await s.merchants.create(merchant(mid))
        await s.catalog.upsert(mid, product("HOT", stock=stock, price="30.00"))
        for i in range(buyers):
            await s.customers.upsert(mid, customer(f"C-{i}"))


def spec(cap: int = 50, duration_s: float = 600, max_qty: int = 2) -> GroupBuySpec:
    return GroupBuySpec(room_id="voice-1", sku="HOT", tiers=TIERS, cap=cap, duration_s=duration_s, max_qty=max_qty)


async def _prices(s: Storage) -> dict[str, tuple[Decimal, Decimal]]:
    return {o.customer_id: (o.lines[0].unit_price, o.total) for o in await s.orders.list(A, limit=1000)}


async def test_the_third_buyer_unlocks_the_tier_and_everyone_pays_it(storage: Storage) -> None:
    await _shop(storage)
    offer = await storage.group_buys.create(A, spec())
    assert (offer.buyers, offer.units, offer.price) == (0, 0, Decimal("30.00"))
    first = await storage.group_buys.join(A, offer.id, customer_id="C-0", qty=2, country="us")
    assert not first.unlocked and first.order.total == Decimal("60.00") and first.order.country == "US"
    assert first.order.status is OrderStatus.PENDING and first.order.note == f"group buy {offer.id}"
    second = await storage.group_buys.join(A, offer.id, customer_id="C-1", qty=1, country="US")
    assert not second.unlocked and second.offer.buyers == 2 and second.offer.price == Decimal("30.00")
    third = await storage.group_buys.join(A, offer.id, customer_id="C-2", qty=1, country="US")
    assert third.unlocked and third.repriced == tuple(sorted((first.order.id, second.order.id)))
    assert third.offer.tier == 1
    assert (third.offer.buyers, third.offer.units, third.offer.remaining) == (3, 4, 46)
    assert third.order.lines[0].unit_price == Decimal("25.00")
    assert await _prices(storage) == {"C-0": (Decimal("25.00"), Decimal("50.00")),
                                      "C-1": (Decimal("25.00"), Decimal("25.00")),
                                      "C-2": (Decimal("25.00"), Decimal("25.00"))}
    assert (await storage.catalog.get(A, "HOT")).stock == 196
    assert await storage.group_buys.joined(A, offer.id, "C-0") == first.order.id
    assert await storage.group_buys.joined(A, offer.id, "C-9") is None


async def test_an_order_no_longer_pending_keeps_its_price(storage: Storage) -> None:
    await _shop(storage)
    offer = await storage.group_buys.create(A, spec())
    first = await storage.group_buys.join(A, offer.id, customer_id="C-0", qty=1, country="US")
    await storage.orders.cancel(A, first.order.id)
    await storage.group_buys.join(A, offer.id, customer_id="C-1", qty=1, country="US")
    third = await storage.group_buys.join(A, offer.id, customer_id="C-2", qty=1, country="US")
    assert third.unlocked and len(third.repriced) == 1  # the cancelled order is not
    assert (await _prices(storage))["C-0"] == (Decimal("30.00"), Decimal("30.00"))


async def test_64_concurrent_joins_never_pass_the_cap_and_all_pay_the_final_tier(storage: Storage) -> None:
    await _shop(storage, stock=500, buyers=CONCURRENT)
    offer = await storage.group_buys.create(A, spec(cap=40, max_qty=1))

    async def join(i: int) -> bool:
        try:
            await storage.group_buys.join(A, offer.id, customer_id=f"C-{i}", qty=1, country="US", order_id=f"o{i}")
            return True
        except Conflict as exc:
            assert exc.code == "group_buy_full"
            return False

    results = await asyncio.gather(*(join(i) for i in range(CONCURRENT)))
    assert sum(results) == 40
    after = await storage.group_buys.get(A, offer.id)
    assert (after.buyers, after.units, after.remaining, after.tier) == (40, 40, 0, 2)
    assert (await storage.catalog.get(A, "HOT")).stock == 460
    prices = await _prices(storage)
    assert len(prices) == 40 and set(prices.values()) == {(Decimal("19.90"), Decimal("19.90"))}
    assert (await storage.catalog.get(B, "HOT")).stock == 500 and await storage.orders.list(B) == []


async def test_a_buyer_joins_once_even_when_racing_themself(storage: Storage) -> None:
    await _shop(storage)
    offer = await storage.group_buys.create(A, spec())

    async def join(i: int) -> str:
        try:
            await storage.group_buys.join(A, offer.id, customer_id="C-0", qty=1, country="US", order_id=f"own{i}")
            return "ok"
        except Conflict as exc:
            return exc.code

    results = await asyncio.gather(*(join(i) for i in range(8)))
    assert sorted(results) == ["already_joined"] * 7 + ["ok"]
    assert (await storage.group_buys.get(A, offer.id)).buyers == 1 and len(await storage.orders.list(A)) == 1


async def test_a_retried_join_answers_with_its_first_order(storage: Storage) -> None:
    await _shop(storage)
    offer = await storage.group_buys.create(A, spec())
    twins = await asyncio.gather(*(storage.group_buys.join(A, offer.id, customer_id="C-0", qty=1, country="US",
                                                           order_id="same") for _ in range(4)))
    assert {t.order.id for t in twins} == {"same"} and (await storage.group_buys.get(A, offer.id)).buyers == 1
    await storage.group_buys.join(A, offer.id, customer_id="C-1", qty=1, country="US")
    await storage.group_buys.join(A, offer.id, customer_id="C-2", qty=1, country="US")
    again = await storage.group_buys.join(A, offer.id, customer_id="C-0", qty=1, country="US", order_id="same")
    assert again.order.lines[0].unit_price == Decimal("25.00") and not again.unlocked  # the order as it is now
    with pytest.raises(Conflict) as exc:  # the same id for another purchase is never someone else's order
        await storage.group_buys.join(A, offer.id, customer_id="C-1", qty=2, country="US", order_id="same")
    assert exc.value.code == "order_exists"


async def test_end_time_host_end_stock_and_bad_input_change_nothing(storage: Storage,
                                                                    storage_clock: ManualClock) -> None:
    await _shop(storage, stock=3)
    offer = await storage.group_buys.create(A, spec(duration_s=30))
    await storage.group_buys.join(A, offer.id, customer_id="C-0", qty=2, country="US")
    with pytest.raises(Conflict) as exc:  # the offer has units, the catalog not enough
        await storage.group_buys.join(A, offer.id, customer_id="C-1", qty=2, country="US")
    assert exc.value.code == "out_of_stock"
    for bad in (0, 3):
        with pytest.raises(BadRequest):
            await storage.group_buys.join(A, offer.id, customer_id="C-2", qty=bad, country="US")
    with pytest.raises(NotFound) as nf:
        await storage.group_buys.join(A, offer.id, customer_id="nobody", qty=1, country="US")
    assert nf.value.code == "customer_not_found"
    with pytest.raises(NotFound) as nf:  # another merchant cannot see, let alone join, A's offer
        await storage.group_buys.join(B, offer.id, customer_id="C-0", qty=1, country="US")
    assert nf.value.code == "group_buy_not_found"
    with pytest.raises(NotFound):
        await storage.group_buys.get(B, offer.id)
    after = await storage.group_buys.get(A, offer.id)
    assert (after.buyers, after.units) == (1, 2) and (await storage.catalog.get(A, "HOT")).stock == 1
    await storage_clock.advance(30)
    with pytest.raises(Conflict) as exc:
        await storage.group_buys.join(A, offer.id, customer_id="C-2", qty=1, country="US")
    assert exc.value.code == "group_buy_ended"
    second = await storage.group_buys.create(A, spec())
    assert [o.id for o in await storage.group_buys.running(A)] == [second.id]
    assert (await storage.group_buys.end(A, second.id)).ended and await storage.group_buys.running(A) == []
    with pytest.raises(Conflict) as exc:
        await storage.group_buys.join(A, second.id, customer_id="C-2", qty=1, country="US")
    assert exc.value.code == "group_buy_ended"
    with pytest.raises(NotFound) as nf:
        await storage.group_buys.create(A, GroupBuySpec(room_id="r", sku="NOPE", tiers=TIERS, cap=10,
                                                        duration_s=5))
    assert nf.value.code == "product_not_found"
    assert [o.id for o in await storage.group_buys.list(A, "voice-1")] == [offer.id, second.id]
    assert await storage.group_buys.list(B, "voice-1") == []


async def test_every_group_buy_statement_filters_by_merchant(storage: Storage) -> None:
    """The storage suite's tenancy audit, for this repository: every public method, every statement."""
    await _shop(storage)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(storage.db.engine.sync_engine, "before_cursor_execute", record)
    repo = storage.group_buys
    try:
        offer = await repo.create(A, spec())
        await repo.get(A, offer.id)
        await repo.list(A, "voice-1")
        for i in range(3):
            await repo.join(A, offer.id, customer_id=f"C-{i}", qty=1, country="US", order_id=f"a{i}")
        await repo.join(A, offer.id, customer_id="C-0", qty=1, country="US", order_id="a0")
        await repo.joined(A, offer.id, "C-0")
        with pytest.raises(Conflict):
            await repo.join(A, offer.id, customer_id="C-0", qty=1, country="US")
        assert [o.id for o in await repo.running(A)] == [offer.id]
        await repo.end(A, offer.id)
    finally:
        event.remove(storage.db.engine.sync_engine, "before_cursor_execute", record)
    public = {m for m, _ in inspect.getmembers(repo, inspect.iscoroutinefunction) if not m.startswith("_")}
    assert public == {"create", "get", "list", "join", "joined", "end", "running"}, "add new methods to this audit"
    data = [s for s in statements if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE")]
    assert len(data) > 20 and [s for s in data if not scoped(s)] == []


async def test_two_nodes_on_one_database_never_pass_the_cap(storage: Storage, storage_url: str,
                                                           storage_clock: ManualClock, tmp_path: Any) -> None:
    """Two Souk nodes (two Storage objects, two engines) on one database: 64 joins split between them."""
    from souk.core.settings import Settings
    from souk.storage import open_storage

    await _shop(storage, stock=500, buyers=CONCURRENT)
    offer = await storage.group_buys.create(A, spec(cap=25, max_qty=1))
    other = await open_storage(Settings(data_dir=str(tmp_path)), clock=storage_clock, url=storage_url)
    try:
        async def join(i: int) -> str:
            node = storage if i % 2 else other
            try:
                await node.group_buys.join(A, offer.id, customer_id=f"C-{i}", qty=1, country="US")
                return "ok"
            except Conflict as exc:
                return exc.code

        results = await asyncio.gather(*(join(i) for i in range(CONCURRENT)))
    finally:
        await other.aclose()
    assert results.count("ok") == 25 and set(results) == {"ok", "group_buy_full"}
    after = await storage.group_buys.get(A, offer.id)
    assert (after.buyers, after.units, after.tier) == (25, 25, 2) and (await storage.catalog.get(A, "HOT")).stock == 475
    assert set((await _prices(storage)).values()) == {(Decimal("19.90"), Decimal("19.90"))}
