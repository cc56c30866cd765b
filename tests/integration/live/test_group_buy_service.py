"""GroupBuys on real storage (SQLite and PostgreSQL via the `storage` fixture) and a fake clock: who may open
and end an offer, the announcements on the room's channel (start, coalesced progress, a tier at once, the
end by the host and by the clock, re-armed after a restart), joining as checkout, and the order listeners."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound
from souk.domain.models import Order
from souk.live.group_buy import GroupBuys
from souk.live.service import LiveCommerce
from souk.storage import Storage
from tests.contract.storage.conftest import A
from tests.integration.live.test_live_service import HOST, ROOM, Recorder, eventually, shop, who

__all__ = ["shop"]  # the fixture, imported
TIERS = ((1, Decimal("30.00")), (3, Decimal("25.00")), (5, Decimal("21.00")))


@pytest.fixture
async def groups(shop: Storage, storage_clock: ManualClock) -> Any:
    rec = Recorder()
    commerce = LiveCommerce(shop, rec, storage_clock)
    commerce.start()
    service = GroupBuys(shop, commerce, rec, storage_clock)
    service.start()
    placed: list[tuple[str, str]] = []

    async def listener(merchant_id: str, order: Order, room_id: str) -> None:
        placed.append((order.id, room_id))

    async def repriced(merchant_id: str, order: Order, room_id: str) -> None:
        placed.append((f"repriced {order.id} {order.total}", room_id))

    commerce.order_listeners.append(listener)
    service.repriced_listeners.append(repriced)
    await asyncio.sleep(0)
    yield service, commerce, rec, placed
    await service.aclose()
    await commerce.aclose()


async def test_three_shoppers_join_and_the_third_unlocks_the_tier(groups: Any, shop: Storage) -> None:
    service, commerce, rec, placed = groups
    with pytest.raises(Conflict) as exc:  # the product must be pinned in the room
        await service.create(HOST, ROOM, "HOT", tiers=TIERS, cap=10, duration_s=600)
    assert exc.value.code == "not_pinned"
    await commerce.pin(HOST, ROOM, "HOT")
    with pytest.raises(Forbidden):
        await service.create(who("v0"), ROOM, "HOT", tiers=TIERS, cap=10, duration_s=600)
    with pytest.raises(BadRequest):
        await service.create(HOST, ROOM, "HOT", tiers=((2, Decimal(1)),), cap=10, duration_s=600)
    with pytest.raises(Conflict) as exc:
        await service.create(HOST, ROOM, "HOT", tiers=TIERS, cap=81, duration_s=600)
    assert exc.value.code == "not_enough_stock"
    started = await service.create(HOST, ROOM, "HOT", tiers=TIERS, cap=10, duration_s=600)
    assert started["type"] == "group_buy_start" and started["card"]["sku"] == "HOT" and started["price"] == "30.00"
    assert started["next"] == {"min_buyers": 3, "price": "25.00", "needed": 3}
    offer_id = started["offer_id"]
    orders = []
    for i in range(3):
        order, view = await service.join(who(f"v{i}"), ROOM, offer_id, country="US")
        orders.append(order)
        assert view["mine"] == order.id and view["buyers"] == i + 1
    assert [o.lines[0].unit_price for o in orders] == [Decimal("30.00"), Decimal("30.00"), Decimal("25.00")]
    assert {o.lines[0].unit_price for o in await shop.orders.list(A)} == {Decimal("25.00")}
    tiers = rec.of("group_buy_tier")
    assert len(tiers) == 1 and tiers[0]["tier"] == 1 and tiers[0]["buyers"] == 3 and tiers[0]["price"] == "25.00"
    await commerce.ticker.flush()
    progress = rec.of("group_buy_progress")
    assert len(progress) == 1 and progress[0]["buyers"] == 3  # coalesced: the latest value once
    # the order.created webhook's listener for each, and order.updated for the two the tier repriced
    await eventually(lambda: len(placed) == 5)
    assert placed[:3] == [(o.id, ROOM) for o in orders]
    assert sorted(placed[3:]) == [(f"repriced {o.id} 25.00", ROOM) for o in sorted(orders[:2], key=lambda o: o.id)]
    mine = await service.offers(who("v1"), ROOM)
    assert [(o["offer_id"], o["mine"]) for o in mine] == [(offer_id, orders[1].id)]
    assert (await service.offer(who("v9"), ROOM, offer_id))["mine"] is None
    with pytest.raises(Conflict) as exc:
        await service.join(who("v1"), ROOM, offer_id, country="US")
    assert exc.value.code == "already_joined"
    with pytest.raises(Conflict) as exc:  # the store does not ship there: nothing written
        await service.join(who("v7"), ROOM, offer_id, country="AQ")
    assert exc.value.code == "no_shipping"
    with pytest.raises(NotFound):  # no such offer
        await service.offer(who("v1"), ROOM, "gb-nope")


async def test_the_host_ends_it_or_the_clock_does_and_a_restart_rearms(groups: Any, shop: Storage,
                                                                        storage_clock: ManualClock) -> None:
    service, commerce, rec, _ = groups
    await commerce.pin(HOST, ROOM, "HOT")
    first = await service.create(HOST, ROOM, "HOT", tiers=TIERS, cap=10, duration_s=600)
    with pytest.raises(Forbidden):
        await service.end(who("v0"), ROOM, first["offer_id"])
    await service.join(who("v5"), ROOM, first["offer_id"], country="US")  # its count waits for the tick
    ended = await service.end(HOST, ROOM, first["offer_id"])
    assert ended["type"] == "group_buy_end" and ended["ended"] and not ended["active"]
    await commerce.ticker.flush()  # the end dropped the pending count: nothing says "open" after the end
    assert not [m for m in rec.of("group_buy_progress") if m["offer_id"] == first["offer_id"]]
    with pytest.raises(Conflict) as exc:
        await service.join(who("v0"), ROOM, first["offer_id"], country="US")
    assert exc.value.code == "group_buy_ended"
    timed = await service.create(HOST, ROOM, "HOT", tiers=TIERS, cap=10, duration_s=30)
    await service.join(who("v0"), ROOM, timed["offer_id"], country="US")
    # a new process (the old one's timers died with it) re-arms the end from the database
    again = GroupBuys(shop, commerce, rec, storage_clock)
    again.start()
    try:
        await eventually(lambda: len(again._tasks) == 1)
        await storage_clock.advance(30)
        await eventually(lambda: len(rec.of("group_buy_end")) >= 2)
        end = rec.of("group_buy_end")[-1]
        assert end["offer_id"] == timed["offer_id"] and end["buyers"] == 1 and end["ended"]
    finally:
        await again.aclose()
