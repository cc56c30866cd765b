"""The live and desk resources against the real Souk: a host pins and runs a flash sale, a viewer buys (once,
by its order id), fills a cart and checks out with a coupon; a group buy; the desk's agents, presence,
settings, inbox and metrics."""

from __future__ import annotations

from decimal import Decimal

import pytest
from souk_client import AsyncSouk, Conflict, NotFound

from tests.sdk.conftest import LiveSouk

ROOM = "sdk-live"


async def test_a_show_sells_through_the_sdk(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        await souk.rooms.create("live", room_id=ROOM)
        host = souk.with_credential((await souk.tokens.mint(identity="host-sdk", room=ROOM, role="host"))["token"])
        viewer = souk.with_credential((await souk.tokens.mint(identity="viewer-sdk", room=ROOM,
                                                              role="audience"))["token"])
        await host.live.pin(ROOM, "AP-1002")
        assert [p["sku"] for p in (await viewer.live.pins(ROOM))["pinned"]] == ["AP-1002"]
        sale = await host.live.start_sale(ROOM, sku="AP-1002", units=3, price=Decimal("19.99"), duration_s=60)
        assert sale["price"] == "19.99" and sale["remaining"] == 3
        bought = await viewer.live.buy(ROOM, sale["sale_id"], country="MX", qty=1, order_id="ord-sdk-1")
        again = await viewer.live.buy(ROOM, sale["sale_id"], country="MX", qty=1, order_id="ord-sdk-1")
        assert bought["order_id"] == again["order_id"] == "ord-sdk-1" and bought["total"] == "19.99"
        assert (await viewer.live.sale(ROOM, sale["sale_id"]))["remaining"] == 2  # the retry sold nothing
        await host.live.end_sale(ROOM, sale["sale_id"])
        coupon = await host.live.create_coupon(ROOM, {"kind": "percent", "code": "SDK10", "value": 10})
        assert coupon["code"] == "SDK10" and coupon["active"] is True
        await viewer.live.add_to_cart(ROOM, "AP-1002", qty=2)
        assert (await viewer.live.cart(ROOM))["lines"] == [{"sku": "AP-1002", "qty": 2}]
        quote = await viewer.live.quote(ROOM, "AP-1002", country="MX", coupon="SDK10")
        assert quote["sku"] == "AP-1002" and quote["ships"] is True
        order = await viewer.live.checkout(ROOM, country="MX", coupon="SDK10")
        assert order["coupon"] == "SDK10" and Decimal(order["discount"]) > 0
        await host.live.pin(ROOM, "AP-1001")
        offer = await host.live.create_group_buy(ROOM, sku="AP-1001", cap=10, duration_s=60, tiers=[
            {"min_buyers": 1, "price": "30"}, {"min_buyers": 2, "price": 25}])
        assert [t["price"] for t in offer["tiers"]] == ["30.00", "25.00"]
        assert offer["offer_id"] in [o["offer_id"] for o in (await viewer.live.group_buys(ROOM))["offers"]]
        await host.live.unpin(ROOM, "AP-1001")
        with pytest.raises(Conflict) as not_pinned:
            await host.live.start_sale(ROOM, sku="AP-1001", units=1, price=1000, duration_s=30)
        assert not_pinned.value.code == "not_pinned"


async def test_the_desk_through_the_sdk(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        staff = souk.with_credential((await souk.tokens.mint(identity="desk-sdk", room="*", role="agent"))["token"])
        with pytest.raises(NotFound) as unknown:
            await staff.desk.set_presence("online")  # not an agent of the desk yet
        assert unknown.value.code == "agent_not_found"
        agent = await souk.desk.put_agent("desk-sdk", name="Dee", capacity=2, skills={"languages": ["en", "es"]})
        assert agent["skills"]["languages"] == ["en", "es"] and (await souk.desk.agent("desk-sdk"))["name"] == "Dee"
        await staff.desk.set_presence("online")
        assert "desk-sdk" in [a["id"] for a in (await souk.desk.agents())["agents"]]
        assert (await staff.desk.conversations(status="assigned", agent="desk-sdk"))["conversations"] == []
        inbox = (await staff.desk.conversations(limit=50))["conversations"]  # the consults of other tests
        for listed in inbox[:2]:
            assert (await staff.desk.conversation(listed["id"]))["conversation"]["id"] == listed["id"]
        assert (await staff.desk.metrics(days=7))["merchant_id"] == live_souk.merchant_id
        assert "handoff" in await souk.desk.settings()
        await souk.desk.delete_agent("desk-sdk")
        with pytest.raises(NotFound):
            await souk.desk.agent("desk-sdk")
