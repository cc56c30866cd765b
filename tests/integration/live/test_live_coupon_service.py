"""Coupons and persistent carts through LiveCommerce on real storage (SQLite and PostgreSQL) and a fake clock:
announcements, quotes with a coupon, redemption at checkout with every refusal keeping the cart, coalesced
remaining counts, the end announced once, and a cart that a new LiveCommerce (a restart, another node) sees."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden
from souk.live.service import LiveCommerce
from souk.storage import Storage
from tests.integration.live.test_live_service import HOST, ROOM, Recorder, eventually, live, shop, who  # noqa: F401 (fixtures)


async def test_coupons_are_announced_quoted_redeemed_once_and_end_on_the_clock(
        live: Any, shop: Storage, storage_clock: ManualClock) -> None:  # noqa: F811
    service, rec = live
    await service.pin(HOST, ROOM, "HOT")
    with pytest.raises(Forbidden) as denied:
        await service.create_coupon(who("ana"), ROOM, code="MINE", kind="percent", value=Decimal(90))
    assert denied.value.code == "not_host"
    made = await service.create_coupon(HOST, ROOM, code="save5", kind="amount", value=Decimal(5),
                                       max_redemptions=3, duration_s=60)
    assert made["seq"] and rec.of("coupon") == [{k: v for k, v in made.items() if k != "seq"}]
    assert (made["code"], made["kind"], made["value"], made["min_spend"], made["remaining"]) == (
        "SAVE5", "amount", "5.00", "0.00", 3)
    assert made["ends_at"] == pytest.approx(storage_clock.wall() + 60)
    await service.create_coupon(HOST, ROOM, code="BIG", kind="percent", value=Decimal("12.5"),
                                min_spend=Decimal(100))
    assert sorted(c["code"] for c in await service.coupons(who("ana"), ROOM)) == ["BIG", "SAVE5"]

    ana = who("ana")
    q = await service.quote(ana, ROOM, "HOT", country="BR", coupon="Save5")
    assert q["coupon"] == {"code": "SAVE5", "applies": True, "reason": None, "discount": "5.00", "price": "25.00"}
    assert q["landed"]["goods"] == "25.00" and q["price"] == "30.00"
    q = await service.quote(ana, ROOM, "HOT", country="BR", coupon="BIG")
    assert (q["coupon"]["applies"], q["coupon"]["reason"]) == (False, "coupon_min_spend")
    assert q["landed"]["goods"] == "30.00"
    with pytest.raises(Conflict) as exc:
        await service.quote(ana, ROOM, "HOT", country="BR", coupon="NOPE")
    assert exc.value.code == "coupon_invalid"

    await service.cart_add(ana, ROOM, "HOT", 4)  # 120.00
    with pytest.raises(Conflict) as exc:
        await service.checkout(ana, ROOM, country="BR", coupon="nope")
    assert exc.value.code == "coupon_invalid"
    done = await service.checkout(ana, ROOM, country="BR", coupon="big")
    assert (done.goods, done.discount, done.order.shipping, done.order.total) == (
        Decimal("120.00"), Decimal("15.00"), Decimal("0.00"), Decimal("105.00"))
    await service.cart_add(ana, ROOM, "HOT")
    with pytest.raises(Conflict) as exc:
        await service.checkout(ana, ROOM, country="BR", coupon="BIG")
    assert exc.value.code == "coupon_used"
    assert await service.cart(ana, ROOM) == [{"sku": "HOT", "qty": 1}]  # kept
    q = await service.quote(ana, ROOM, "HOT", country="BR", coupon="BIG")
    assert q["coupon"]["reason"] == "coupon_used"

    for viewer in ("v1", "v2"):
        await service.cart_add(who(viewer), ROOM, "HOT")
        await service.checkout(who(viewer), ROOM, country="US", coupon="SAVE5")
    assert rec.of("coupon_stock") == []  # coalesced: nothing before the tick
    await storage_clock.advance(0.25)
    stock = rec.of("coupon_stock")
    assert [(s["code"], s["remaining"]) for s in stock] == [("BIG", None), ("SAVE5", 1)]  # one each, latest

    await storage_clock.advance(60)
    await eventually(lambda: rec.of("coupon_end"))  # announced by the server at ends_at
    assert [(e["code"], e["active"]) for e in rec.of("coupon_end")] == [("SAVE5", False)]
    with pytest.raises(Conflict) as exc:
        await service.checkout(ana, ROOM, country="US", coupon="SAVE5")
    assert exc.value.code == "coupon_expired"
    ended = await service.end_coupon(HOST, ROOM, "big")
    assert ended["type"] == "coupon_end" and ended["code"] == "BIG" and not ended["active"]
    with pytest.raises(Forbidden):
        await service.end_coupon(ana, ROOM, "BIG")
    await asyncio.sleep(0.05)
    assert [e["code"] for e in rec.of("coupon_end")] == ["SAVE5", "BIG"]  # once each
    assert await service.cart(ana, ROOM) == [{"sku": "HOT", "qty": 1}]
    assert (await shop.catalog.get("shop-a", "HOT")).stock == 80 - 4 - 2


async def test_a_cart_survives_a_new_live_commerce_and_replay_adds_skip_the_pin(
        live: Any, shop: Storage, storage_clock: ManualClock) -> None:  # noqa: F811
    service, _ = live
    await service.pin(HOST, ROOM, "HOT")
    await service.cart_add(who("ana"), ROOM, "HOT", 2)
    with pytest.raises(Conflict) as exc:
        await service.cart_add(who("ana"), ROOM, "CAP")
    assert exc.value.code == "not_pinned"
    await service.aclose()  # "restart": a new LiveCommerce (no pins in memory) on the same database
    again = LiveCommerce(shop, Recorder(), storage_clock)
    again.start()
    try:
        assert await again.cart(who("ana"), ROOM) == [{"sku": "HOT", "qty": 2}]
        assert await again.cart_add(who("ana"), ROOM, "CAP", require_pin=False) == [
            {"sku": "HOT", "qty": 2}, {"sku": "CAP", "qty": 1}]
        assert await again.cart_remove(who("ana"), ROOM, "HOT", 1) == [{"sku": "HOT", "qty": 1},
                                                                       {"sku": "CAP", "qty": 1}]
        assert await again.cart(who("bob"), ROOM) == []
        summary = await again.cart_summary("shop-a", ROOM, "ana")
        assert (summary["items"], summary["total"]) == (2, "42.00")
        assert [ln["name"] for ln in summary["lines"]] == ["Item HOT", "Item CAP"]
    finally:
        await again.aclose()
