"""Coupons and live carts in storage, on SQLite and on PostgreSQL (the `storage` fixture runs both):
a coupon is never redeemed more than max_redemptions times nor twice by one customer under concurrency,
every refusal keeps the cart and the counter, carts survive a new Storage on the same database."""

from __future__ import annotations

import asyncio
import inspect
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, TooLarge
from souk.core.settings import Settings
from souk.domain.coupons import CartCheckout, CouponSpec
from souk.live.cart import add_to, remove_from
from souk.storage import Storage, open_storage
from souk.storage.repos.carts import SqlCartRepo
from tests.contract.storage.conftest import A, B, customer, merchant, product
from tests.contract.storage.test_storage_tenancy_audit import scoped

ROOM = "live-1"
VIEWERS = 100
REDEMPTIONS = 10


async def _shop(s: Storage, *, viewers: int = 3, stock: int = 500) -> None:
    for mid in (A, B):
        await s.merchants.create(merchant(mid))
        await s.catalog.upsert(mid, product("HOT", stock=stock, price="30.00"))
        await s.catalog.upsert(mid, product("CAP", stock=stock, price="12.00"))
        for i in range(viewers):
            await s.customers.upsert(mid, customer(f"v{i}"))


def coupon(code: str = "SAVE10", kind: str = "percent", value: str = "10", **kw: Any) -> CouponSpec:
    return CouponSpec(room_id=ROOM, code=code, kind=kind, value=Decimal(value), **kw)  # type: ignore[arg-type]


def co(identity: str, code: str | None = None, **kw: Any) -> CartCheckout:
    args: dict[str, Any] = {"room_id": ROOM, "identity": identity, "customer_id": identity, "country": "US",
                            "shipping_fee": Decimal("7.99"), "free_shipping_over": Decimal("50.00"), "coupon": code}
    return CartCheckout(**{**args, **kw})


async def test_100_simultaneous_checkouts_with_a_10_redemption_coupon_redeem_exactly_10(storage: Storage) -> None:
    await _shop(storage, viewers=VIEWERS)
    await storage.coupons.create(A, coupon(max_redemptions=REDEMPTIONS))
    for i in range(VIEWERS):
        await storage.live_carts.update(A, ROOM, f"v{i}", add_to("HOT"))

    async def checkout(i: int) -> str:
        try:
            await storage.live_carts.checkout(A, co(f"v{i}", "save10", order_id=f"o{i}"))
            return "ok"
        except Conflict as exc:
            return exc.code

    results = await asyncio.gather(*(checkout(i) for i in range(VIEWERS)))
    assert results.count("ok") == REDEMPTIONS and set(results) == {"ok", "coupon_exhausted"}
    after = await storage.coupons.get(A, ROOM, "SAVE10")
    assert (after.redeemed, after.remaining, after.active(storage.now())) == (REDEMPTIONS, 0, False)
    orders = await storage.orders.list(A, limit=1000)
    assert len(orders) == REDEMPTIONS
    assert {(o.subtotal, o.shipping, o.total) for o in orders} == {(Decimal("30.00"), Decimal("7.99"),
                                                                     Decimal("34.99"))}  # 30 - 3 + 7.99
    assert all("coupon SAVE10 -3.00" in (o.note or "") for o in orders)
    assert (await storage.catalog.get(A, "HOT")).stock == 500 - REDEMPTIONS
    kept = [i for i, r in enumerate(results) if r != "ok"]
    for i in kept:  # every refused viewer still has their cart
        assert [(ln.sku, ln.qty) for ln in await storage.live_carts.lines(A, ROOM, f"v{i}")] == [("HOT", 1)]
    assert await storage.orders.list(B) == [] and (await storage.catalog.get(B, "HOT")).stock == 500


async def test_one_redemption_per_customer_even_when_their_checkouts_race(storage: Storage) -> None:
    await _shop(storage)
    await storage.coupons.create(A, coupon(kind="amount", value="5", max_redemptions=100))
    for tab in range(5):  # five carts (say, five live rooms' worth of tabs) all paying as customer v0
        await storage.live_carts.update(A, ROOM, f"tab{tab}", add_to("CAP"))

    async def checkout(tab: int) -> str:
        try:
            await storage.live_carts.checkout(A, co(f"tab{tab}", "SAVE10", customer_id="v0"))
            return "ok"
        except Conflict as exc:
            return exc.code

    results = await asyncio.gather(*(checkout(t) for t in range(5)))
    assert results.count("ok") == 1 and set(results) == {"ok", "coupon_used"}
    assert (await storage.coupons.get(A, ROOM, "SAVE10")).redeemed == 1
    assert await storage.coupons.used_by(A, ROOM, "save10", "v0")
    assert not await storage.coupons.used_by(A, ROOM, "SAVE10", "v1")
    order = (await storage.orders.list(A))[0]
    assert (order.subtotal, order.shipping, order.total) == (Decimal("12.00"), Decimal("7.99"), Decimal("14.99"))


async def test_every_refusal_keeps_the_cart_and_the_counter(storage: Storage, storage_clock: ManualClock) -> None:
    await _shop(storage, stock=5)
    await storage.coupons.create(A, coupon("BIG", kind="amount", value="20", min_spend=Decimal(50)))
    await storage.coupons.create(A, coupon("SOON", duration_s=30))
    await storage.coupons.create(A, coupon("STOP"))
    await storage.live_carts.update(A, ROOM, "v0", add_to("HOT"))  # 30.00 of goods

    async def refused(code: str | None, **kw: Any) -> str:
        with pytest.raises(Conflict) as exc:
            await storage.live_carts.checkout(A, co("v0", code, **kw))
        return exc.value.code

    assert await refused("NOPE") == "coupon_invalid"
    assert await refused("no spaces!") == "coupon_invalid"  # malformed: simply not a coupon of this room
    assert await refused("BIG") == "coupon_min_spend"
    await storage.coupons.end(A, ROOM, "STOP")
    assert await refused("STOP") == "coupon_expired"
    await storage_clock.advance(30)
    assert await refused("SOON") == "coupon_expired"
    await storage.live_carts.update(A, ROOM, "v0", add_to("HOT", 5))  # 6 wanted, 5 in stock
    assert await refused("BIG") == "out_of_stock"
    assert [c.redeemed for c in await storage.coupons.list(A, ROOM)] == [0, 0, 0]
    assert [(ln.sku, ln.qty) for ln in await storage.live_carts.lines(A, ROOM, "v0")] == [("HOT", 6)]
    assert await storage.orders.list(A) == [] and (await storage.catalog.get(A, "HOT")).stock == 5
    await storage.live_carts.update(A, ROOM, "v0", remove_from("HOT", 4))  # 60.00: over min_spend and free shipping
    done = await storage.live_carts.checkout(A, co("v0", "big"))
    assert (done.goods, done.discount, done.order.shipping, done.order.total) == (
        Decimal("60.00"), Decimal("20.00"), Decimal("7.99"), Decimal("47.99"))  # 40 net is below 50: fee
    assert done.coupon is not None and (done.coupon.code, done.coupon.redeemed, done.coupon.remaining) == ("BIG", 1, None)
    assert await storage.live_carts.lines(A, ROOM, "v0") == ()  # the order took the cart
    assert await refused(None) == "cart_empty"
    await storage.live_carts.update(A, ROOM, "v0", add_to("CAP", 5))
    assert await refused("BIG") == "coupon_used"
    with pytest.raises(Conflict) as exc:  # B's room has no such coupon: codes are per merchant and room
        await storage.live_carts.checkout(B, co("v0", "BIG"))
    assert exc.value.code in ("cart_empty", "coupon_invalid")


async def test_coupon_specs_and_limits(storage: Storage) -> None:
    await _shop(storage)
    for bad in ({"value": "0"}, {"value": "101"}, {"value": "1.234"}, {"kind": "free"},
                {"code": "x"}, {"max_redemptions": 0}, {"duration_s": 0}):
        with pytest.raises(BadRequest) as exc:
            coupon(**bad)  # type: ignore[arg-type]
        assert exc.value.code == "bad_coupon"
    made = await storage.coupons.create(A, coupon("live-10", kind="amount", value="150"))
    assert (made.code, made.kind, made.value, made.remaining, made.ends_at) == ("LIVE-10", "amount",
                                                                                Decimal("150.00"), None, None)
    assert made.discount(Decimal("99.00")) == Decimal("99.00")  # never more than the goods
    with pytest.raises(Conflict) as dup:
        await storage.coupons.create(A, coupon("Live-10"))
    assert dup.value.code == "coupon_exists"
    for i in range(49):
        await storage.coupons.create(A, coupon(f"C{i:02d}"))
    with pytest.raises(TooLarge) as too:
        await storage.coupons.create(A, coupon("ONEMORE"))
    assert too.value.code == "too_many_coupons"
    assert await storage.coupons.list(B, ROOM) == []


async def test_carts_survive_a_new_storage_and_concurrent_changes_lose_nothing(
        storage: Storage, storage_url: str, storage_clock: ManualClock, tmp_path: Path) -> None:
    await _shop(storage)
    await asyncio.gather(*(storage.live_carts.update(A, ROOM, "v0", add_to("HOT")) for _ in range(20)))
    with pytest.raises(TooLarge) as exc:
        await storage.live_carts.update(A, ROOM, "v0", add_to("HOT"))
    assert exc.value.code == "cart_qty_limit"
    other = await open_storage(Settings(data_dir=str(tmp_path)), clock=storage_clock, url=storage_url)
    try:  # a second Souk node (or this one after a restart) sees the same cart, and changes it
        assert [(ln.sku, ln.qty) for ln in await other.live_carts.lines(A, ROOM, "v0")] == [("HOT", 20)]
        await other.live_carts.update(A, ROOM, "v0", add_to("CAP", 2))
    finally:
        await other.aclose()
    lines = await storage.live_carts.lines(A, ROOM, "v0")
    assert [(ln.sku, ln.qty) for ln in lines] == [("HOT", 20), ("CAP", 2)]
    assert await storage.live_carts.lines(A, "live-2", "v0") == () and await storage.live_carts.lines(B, ROOM, "v0") == ()
    assert await storage.live_carts.update(A, ROOM, "v0", remove_from("NOPE")) == lines
    await storage.live_carts.update(A, ROOM, "v0", remove_from("HOT"))
    await storage.live_carts.update(A, ROOM, "v0", remove_from("CAP", 5))
    assert await storage.live_carts.lines(A, ROOM, "v0") == ()


async def test_carts_are_bounded_per_merchant_longest_idle_first(storage: Storage, storage_clock: ManualClock) -> None:
    await _shop(storage)
    small = SqlCartRepo(storage.db, storage_clock, max_carts=2)
    for viewer in ("ann", "bob"):
        await small.update(A, ROOM, viewer, add_to("HOT"))
        await storage_clock.advance(1)
    await small.update(B, ROOM, "zed", add_to("HOT"))  # another merchant's carts do not count
    await small.update(A, ROOM, "ann", add_to("HOT"))  # ann is now the most recent
    await storage_clock.advance(1)
    await small.update(A, ROOM, "cy", add_to("CAP"))  # a third cart of A: bob's (idle longest) goes
    assert await small.lines(A, ROOM, "bob") == ()
    assert [(ln.sku, ln.qty) for ln in await small.lines(A, ROOM, "ann")] == [("HOT", 2)]
    assert len(await small.lines(B, ROOM, "zed")) == 1


async def test_every_coupon_and_cart_statement_filters_by_merchant(storage: Storage) -> None:
    """The storage suite's tenancy audit, for these repositories: every public method, every statement."""
    await _shop(storage)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(storage.db.engine.sync_engine, "before_cursor_execute", record)
    coupons, carts = storage.coupons, storage.live_carts
    try:
        await coupons.create(A, coupon(max_redemptions=1))
        await coupons.get(A, ROOM, "SAVE10")
        await coupons.list(A, ROOM)
        await carts.update(A, ROOM, "v0", add_to("HOT"))
        await carts.update(A, ROOM, "v1", add_to("HOT"))
        await carts.lines(A, ROOM, "v0")
        await carts.checkout(A, co("v0", "SAVE10"))
        with pytest.raises(Conflict):
            await carts.checkout(A, co("v1", "SAVE10"))
        await coupons.used_by(A, ROOM, "SAVE10", "v0")
        await coupons.running(A)
        await coupons.end(A, ROOM, "SAVE10")
        await carts.clear(A, ROOM, "v1")
        await SqlCartRepo(storage.db, storage.clock, max_carts=1).update(A, ROOM, "v2", add_to("HOT"))
    finally:
        event.remove(storage.db.engine.sync_engine, "before_cursor_execute", record)
    for repo, names in ((coupons, {"create", "get", "list", "end", "used_by", "running"}),
                        (carts, {"lines", "update", "clear", "checkout"})):
        public = {m for m, _ in inspect.getmembers(repo, inspect.iscoroutinefunction) if not m.startswith("_")}
        assert public == names, "add the new methods to this audit"
    data = [s for s in statements if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE")]
    assert len(data) > 20 and [s for s in data if not scoped(s)] == []
