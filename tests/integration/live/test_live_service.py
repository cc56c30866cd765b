"""LiveCommerce on real storage (SQLite and PostgreSQL via the `storage` fixture) and a fake clock.

The publisher here records what would go on the RTM channel; the REST test (test_live_api.py) runs the
real RTM node."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from souk.auth.tokens import DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden
from souk.data import demo_store_json
from souk.domain.store import parse_store
from souk.live.service import LiveCommerce
from souk.storage import Storage
from tests.contract.storage.conftest import A, customer, merchant, product

ROOM = "live-1"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        assert (merchant_id, room_id) == (A, ROOM)
        self.sent.append(body)
        return len(self.sent)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [b for b in self.sent if b["type"] == kind]


def who(identity: str, role: Role = Role.AUDIENCE) -> AccessClaims:
    return AccessClaims(merchant_id=A, identity=identity, room=ROOM, role=role, privileges=DEFAULT_PRIVILEGES[role],
                        expires_at=2e9)


HOST = who("host", Role.HOST)


async def eventually(cond: Any) -> None:
    """Wait (real time, bounded) for work a fake-clock wake-up started to finish its database I/O."""
    for _ in range(500):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in 5 s")


@pytest.fixture
async def shop(storage: Storage) -> Storage:
    await storage.merchants.create(merchant(A))
    await storage.catalog.upsert(A, product("HOT", stock=80, price="30.00"))
    await storage.catalog.upsert(A, product("CAP", stock=2, price="12.00"))
    await storage.catalog.upsert(A, product("OFF", stock=5, price="9.00"))
    await storage.customers.upsert(A, customer("C-1"))
    await storage.store_info.set_shipping(A, parse_store(demo_store_json()).shipping)
    return storage


@pytest.fixture
async def live(shop: Storage, storage_clock: ManualClock) -> Any:
    rec = Recorder()
    service = LiveCommerce(shop, rec, storage_clock)
    service.start()
    await asyncio.sleep(0)
    yield service, rec
    await service.aclose()


async def test_flash_sale_of_50_units_to_200_simultaneous_viewers(live: Any, shop: Storage,
                                                                  storage_clock: ManualClock) -> None:
    service, rec = live
    with pytest.raises(Forbidden) as exc:  # a viewer's fake pin
        await service.pin(who("v0"), ROOM, "HOT")
    assert exc.value.code == "not_host" and rec.sent == []
    with pytest.raises(Conflict) as cexc:  # a sale needs the product pinned
        await service.start_sale(HOST, ROOM, "HOT", units=50, price=Decimal("19.90"), duration_s=60)
    assert cexc.value.code == "not_pinned"
    pinned = await service.pin(HOST, ROOM, "HOT")
    assert pinned["card"]["sku"] == "HOT" and pinned["seq"] == 1
    with pytest.raises(Forbidden):
        await service.start_sale(who("v0"), ROOM, "HOT", units=50, price=Decimal(1), duration_s=60)
    sale = await service.start_sale(HOST, ROOM, "HOT", units=50, price=Decimal("19.90"), duration_s=60)
    assert sale["remaining"] == 50 and sale["seconds_left"] == 60 and sale["active"]
    assert sale["ends_at"] == storage_clock.wall() + 60  # server-authoritative end, in wall time

    async def buy(i: int) -> str:
        try:
            await service.buy_sale(who(f"v{i}"), ROOM, sale["sale_id"], country="SG")
            return "ok"
        except Conflict as exc:
            return exc.code

    results = await asyncio.gather(*(buy(i) for i in range(200)))
    assert results.count("ok") == 50 and set(results) == {"ok", "sale_sold_out"}
    orders = await shop.orders.list(A, limit=1000)
    assert len(orders) == 50 and len({o.customer_id for o in orders}) == 50
    assert all(o.total == Decimal("19.90") for o in orders)
    assert (await shop.catalog.get(A, "HOT")).stock == 30
    assert rec.of("sale_stock") == []  # coalesced: nothing before the tick
    await storage_clock.advance(0.25)
    stock = rec.of("sale_stock")
    assert len(stock) == 1 and stock[0]["remaining"] == 0 and not stock[0]["active"]
    assert [b["type"] for b in rec.sent] == ["pin", "sale_start", "sale_stock"]


async def test_ended_unpinned_and_sold_out_items_are_refused_with_clear_codes(live: Any, shop: Storage,
                                                                               storage_clock: ManualClock) -> None:
    service, rec = live
    await service.pin(HOST, ROOM, "HOT")
    sale = await service.start_sale(HOST, ROOM, "HOT", units=5, price=Decimal(10), duration_s=30)
    with pytest.raises(Conflict) as exc:  # the store does not ship there: no order, no unit taken
        await service.buy_sale(who("v1"), ROOM, sale["sale_id"], country="JP")
    assert exc.value.code == "no_shipping"
    await storage_clock.advance(31)
    await eventually(lambda: rec.of("sale_end"))  # announced by the server at ends_at
    assert rec.of("sale_end")[-1]["sale_id"] == sale["sale_id"]
    with pytest.raises(Conflict) as exc:
        await service.buy_sale(who("v1"), ROOM, sale["sale_id"], country="US")
    assert exc.value.code == "sale_ended"
    sale2 = await service.start_sale(HOST, ROOM, "HOT", units=5, price=Decimal(10), duration_s=30)
    await service.unpin(HOST, ROOM, "HOT")
    with pytest.raises(Conflict) as exc:
        await service.buy_sale(who("v1"), ROOM, sale2["sale_id"], country="US")
    assert exc.value.code == "not_pinned"
    with pytest.raises(Conflict) as exc:
        await service.cart_add(who("v1"), ROOM, "OFF")
    assert exc.value.code == "not_pinned"
    with pytest.raises(Conflict) as exc:
        await service.unpin(HOST, ROOM, "HOT")
    assert exc.value.code == "not_pinned"
    ended = await service.end_sale(HOST, ROOM, sale2["sale_id"])
    assert ended["type"] == "sale_end" and not ended["active"]
    await storage_clock.advance(30)
    await asyncio.sleep(0.2)  # the announcer wakes, reads the sale, finds it ended: nothing more goes out
    assert [b["sale_id"] for b in rec.of("sale_end")] == [sale["sale_id"], sale2["sale_id"]]  # once each
    await service.pin(HOST, ROOM, "CAP")
    await service.cart_add(who("v1"), ROOM, "CAP", 2)
    await shop.catalog.decrement_stock(A, "CAP", 1)  # someone else bought one meanwhile
    with pytest.raises(Conflict) as exc:
        await service.checkout(who("v1"), ROOM, country="US")
    assert exc.value.code == "out_of_stock"
    assert await service.cart(who("v1"), ROOM) == [{"sku": "CAP", "qty": 2}]  # a refused checkout keeps the cart
    await shop.catalog.decrement_stock(A, "CAP", 1)
    with pytest.raises(Conflict) as exc:
        await service.cart_add(who("v2"), ROOM, "CAP")
    assert exc.value.code == "out_of_stock"
    assert await shop.orders.list(A) == []


async def test_cart_checkout_creates_a_real_order_with_the_zone_shipping_rules(live: Any, shop: Storage) -> None:
    service, _ = live
    heard: list[tuple[str, str, str]] = []

    async def listener(merchant: str, order: Any, room: str) -> None:
        heard.append((merchant, order.id, room))

    async def broken(merchant: str, order: Any, room: str) -> None:
        raise RuntimeError("a listener bug")

    service.order_listeners.extend([broken, listener])  # the order stands whatever a listener does
    await service.pin(HOST, ROOM, "HOT")
    await service.pin(HOST, ROOM, "CAP")
    viewer = who("ana")
    await service.cart_add(viewer, ROOM, "CAP")
    assert await service.cart(viewer, ROOM) == [{"sku": "CAP", "qty": 1}]  # kept on the server: survives a reconnect
    with pytest.raises(Conflict) as exc:
        await service.checkout(viewer, ROOM, country="JP")
    assert exc.value.code == "no_shipping"
    small = (await service.checkout(viewer, ROOM, country="BR")).order  # under BR's free-shipping threshold (79)
    # the zone's standard_fee_usd (6.90) from the store file, in the store's currency
    assert (small.subtotal, small.shipping, small.total) == (Decimal("12.00"), Decimal("6.90"), Decimal("18.90"))
    assert small.currency_paid == "USD"
    assert await service.cart(viewer, ROOM) == []
    await service.cart_add(viewer, ROOM, "HOT", 3)  # 90.00: over the threshold
    big = (await service.checkout(viewer, ROOM, country="br")).order
    assert (big.shipping, big.total, big.country) == (Decimal("0.00"), Decimal("90.00"), "BR")
    stored = await shop.orders.of_customer(A, "ana")
    assert {o.id for o in stored} == {small.id, big.id}
    assert heard == [(A, small.id, ROOM), (A, big.id, ROOM)]  # the order.created webhook's source
    assert (await shop.customers.get(A, "ana")).country == "BR"
    with pytest.raises(Conflict) as exc:
        await service.checkout(viewer, ROOM, country="BR")
    assert exc.value.code == "cart_empty"
    quote = await service.quote(viewer, ROOM, "HOT", country="SA")
    assert quote["currency"] == "SAR" and quote["price_local"] == "112.50" and quote["indicative"]
    assert quote["landed"]["duty_mode"] == "ddp" and quote["landed"]["pay_now"] == "41.40"  # 30 + 6.90 + 15% prepaid
    assert quote["store_currency"] == "USD"
    assert (await service.quote(viewer, ROOM, "HOT", country="JP"))["ships"] is False
