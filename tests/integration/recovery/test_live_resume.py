"""A live room after a restart, on SQLite and PostgreSQL: a new LiveCommerce on the same database (the next
process) sees the pins, keeps the running sale buyable, answers a retried buy with its first order, and
announces the ends of the sale and of a timed coupon although the process that armed them died."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from souk.auth.tokens import DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.clock import ManualClock
from souk.data import demo_store_json
from souk.domain.store import parse_store
from souk.live.service import LiveCommerce
from souk.storage import Storage
from tests.contract.storage.conftest import A, customer, merchant, product

ROOM = "live-1"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str]] = []

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        assert (merchant_id, room_id) == (A, ROOM)
        self.sent.append((body, cid))
        return len(self.sent)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [b for b, _ in self.sent if b["type"] == kind]


def who(identity: str, role: Role = Role.AUDIENCE) -> AccessClaims:
    return AccessClaims(merchant_id=A, identity=identity, room=ROOM, role=role, privileges=DEFAULT_PRIVILEGES[role],
                        expires_at=2e9)


async def eventually(cond: Any) -> None:
    for _ in range(500):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in 5 s")


async def test_a_new_process_keeps_pins_and_sales_and_rearms_their_ends(storage: Storage,
                                                                         storage_clock: ManualClock) -> None:
    await storage.merchants.create(merchant(A))
    await storage.catalog.upsert(A, product("HOT", stock=10, price="30.00"))
    await storage.customers.upsert(A, customer("C-1"))
    await storage.store_info.set_shipping(A, parse_store(demo_store_json()).shipping)
    host = who("host", Role.HOST)
    before = LiveCommerce(storage, Recorder(), storage_clock)
    before.start()
    await before.pin(host, ROOM, "HOT")
    sale = await before.start_sale(host, ROOM, "HOT", units=3, price=25, duration_s=60)
    first = await before.buy_sale(who("ann"), ROOM, sale["sale_id"], country="SG", order_id="o-ann")
    await before.create_coupon(host, ROOM, code="LAST10", kind="percent", value=Decimal(10), duration_s=30)
    await before.aclose()  # the process is gone (its timers with it)

    rec = Recorder()
    after = LiveCommerce(storage, rec, storage_clock)
    after.start()
    try:
        assert await after.pinned_skus(A, ROOM) == ("HOT",)
        assert [c["sku"] for c in await after.pinned(who("bob"), ROOM)] == ["HOT"]
        assert await after.buy_sale(who("ann"), ROOM, sale["sale_id"], country="SG", order_id="o-ann") == first
        await after.buy_sale(who("bob"), ROOM, sale["sale_id"], country="SG")
        assert (await after.sale(who("bob"), ROOM, sale["sale_id"]))["remaining"] == 1
        armed = {f"live-sales:end:{sale['sale_id']}", "live-sales:coupon-end:LAST10"}  # waiting on the clock
        await eventually(lambda: armed <= {t.get_name() for t in asyncio.all_tasks()})
        await storage_clock.advance(61)
        await eventually(lambda: len(rec.of("sale_end")) == 1)
        assert rec.of("sale_end")[0]["sale_id"] == sale["sale_id"] and rec.of("sale_end")[0]["remaining"] == 1
        assert ({"type": "sale_end"} | rec.of("sale_end")[0], f"sale-end-{sale['sale_id']}") in rec.sent
        await eventually(lambda: len(rec.of("coupon_end")) == 1)
        assert rec.of("coupon_end")[0]["code"] == "LAST10" and not rec.of("coupon_end")[0]["active"]
    finally:
        await after.aclose()
