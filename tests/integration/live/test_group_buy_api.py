"""Group buys over REST on a real Souk (uvicorn, the demo store, real RTM) with the merchant's webhooks to a
real receiver: the third join unlocks the tier, the merchant gets order.created for each join and
order.updated (change: price) for the two orders the tier repriced; the errors a shopper and a host meet."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk
from tests.integration.api.test_webhook_routes import Receiver, receiver

__all__ = ["receiver"]  # the fixture, imported
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.group_buys",
            "souk.api.routes.webhooks")
ROOM = "voice-gb"  # any room id: the routes serve live shows and voice rooms alike
SKU = "AP-1002"


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES, webhooks={
            "allow_local_http": True, "retry_base_s": 0.2, "retry_cap_s": 0.4, "timeout_s": 2.0}) as s:
        yield s


def http(s: Souk, identity: str, role: Role = Role.AUDIENCE) -> httpx.AsyncClient:
    token = s.ctx.tokens.mint(merchant_id=s.merchant_id, identity=identity, room=ROOM, role=role, ttl_s=600)
    return httpx.AsyncClient(base_url=s.base_url, timeout=15, headers={"Authorization": f"Bearer {token}"})


def answer(r: httpx.Response, status: int = 200, code: str | None = None) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    body = r.json()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


async def test_joins_webhooks_and_refusals(souk: Souk, receiver: Receiver) -> None:
    base = f"/v1/live/{ROOM}/group-buys"
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=15,
                                 headers={"Authorization": f"Bearer {souk.api_key}"}) as key:
        answer(await key.post("/v1/webhooks", json={"url": receiver.url,
                                                   "events": ["order.created", "order.updated"]}), 201)
    offer_body = {"sku": SKU, "tiers": [{"min_buyers": 1, "price": "30"}, {"min_buyers": 3, "price": "25.00"}],
                  "cap": 10, "duration_s": 600}
    async with http(souk, "host-1", Role.HOST) as host, http(souk, "v0") as v0:
        answer(await host.post(base, json=offer_body), 409, "not_pinned")
        answer(await host.post(f"/v1/live/{ROOM}/pins", json={"sku": SKU}))
        answer(await v0.post(base, json=offer_body), 403, "not_host")
        bad = answer(await host.post(base, json={**offer_body, "tiers": [{"min_buyers": 2, "price": "1"}]}),
                     400, "bad_group_buy")
        assert bad["error"]["details"] == {"field": "tiers[0].min_buyers"}
        offer = answer(await host.post(base, json=offer_body), 201)
        assert (offer["price"], offer["next"]) == ("30.00", {"min_buyers": 3, "price": "25.00", "needed": 3})
        oid = offer["offer_id"]
        answer(await v0.post(f"{base}/{oid}/join", json={"country": "US", "qty": 2}), 400, "bad_group_buy")
        answer(await v0.get(f"{base}/gb_nope"), 404, "group_buy_not_found")
    orders = []
    for i in range(3):
        async with http(souk, f"v{i}") as shopper:
            joined = answer(await shopper.post(f"{base}/{oid}/join", json={"country": "US"}))
            orders.append(joined["order_id"])
            assert joined["offer"]["mine"] == joined["order_id"] and joined["offer"]["buyers"] == i + 1
            assert joined["lines"][0]["unit_price"] == ("25.00" if i == 2 else "30.00")
    async with http(souk, "v1") as v1:
        answer(await v1.post(f"{base}/{oid}/join", json={"country": "US"}), 409, "already_joined")
        listed = answer(await v1.get(base))["offers"]
        assert [(o["offer_id"], o["mine"], o["tier"], o["price"]) for o in listed] == [(oid, orders[1], 1, "25.00")]
        assert listed[0]["card"]["sku"] == SKU
        answer(await v1.post(f"{base}/{oid}/end"), 403, "not_host")
    async with http(souk, "host-1", Role.HOST) as host:
        ended = answer(await host.post(f"{base}/{oid}/end"))
        assert ended["ended"] and ended["buyers"] == 3 and ended["price"] == "25.00"
    async with http(souk, "v9") as late:
        answer(await late.post(f"{base}/{oid}/join", json={"country": "US"}), 409, "group_buy_ended")

    deadline = time.monotonic() + 10
    while len(receiver.received) < 5 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    events = [json.loads(body) for _, body in receiver.received]
    created = sorted(e["data"]["order"]["id"] for e in events if e["type"] == "order.created")
    updated = {e["data"]["order"]["id"]: e["data"] for e in events if e["type"] == "order.updated"}
    assert created == sorted(orders)
    assert sorted(updated) == sorted(orders[:2])  # the third was written at the new price
    assert all(d["change"] == "price" and d["order"]["total"] == "25.00" and d["room_id"] == ROOM
               for d in updated.values())
    stored = {o.id: o for o in await souk.ctx.storage.orders.list(souk.merchant_id, limit=1000) if o.id in orders}
    assert {str(o.lines[0].unit_price) for o in stored.values()} == {"25.00"}
