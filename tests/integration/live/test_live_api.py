"""The live-commerce REST routes inside a real Souk app (uvicorn, seeded demo store, real RTM node)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from souk.rtm.client import RtmClient
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-9"


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    features = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live")
    async with running_souk(tmp_path / "souk", features=features) as s:
        yield s


async def test_pin_sale_buy_cart_and_checkout_over_rest(souk_live: Souk) -> None:
    souk = souk_live
    mint = souk.ctx.tokens.mint
    host = bearer(mint(merchant_id=souk.merchant_id, identity="host", room=ROOM, role="host"))
    ana_token = mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience")
    ana = bearer(ana_token)
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        # no token, a bad token, an API key where an access token is needed: 401 with a clear code
        r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "token_missing"
        r = await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "AP-1001"}, headers=bearer("nope"))
        assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
        r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"}, headers=bearer(souk.api_key))
        assert r.status_code == 401
        other_room = bearer(mint(merchant_id=souk.merchant_id, identity="ana", room="live-1", role="audience"))
        r = await http.get(f"/v1/live/{ROOM}/cart", headers=other_room)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"

        viewer = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws", ana_token).connect()
        try:
            await viewer.join(ROOM)
            r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"}, headers=ana)  # a fake pin
            assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"
            r = await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "AP-1001"}, headers=ana)
            assert r.status_code == 409 and r.json()["error"]["code"] == "not_pinned"

            r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"}, headers=host)
            assert r.status_code == 200 and r.json()["card"]["sku"] == "AP-1001"
            r = await http.post(f"/v1/live/{ROOM}/sales", headers=host,
                                json={"sku": "AP-1001", "units": 5, "price": "29.90", "duration_s": 120})
            assert r.status_code == 200
            sale = r.json()
            r = await http.post(f"/v1/live/{ROOM}/sales", headers=ana,
                                json={"sku": "AP-1001", "units": 5, "price": "0.01", "duration_s": 120})
            assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"

            async def buy(i: int) -> int:
                token = mint(merchant_id=souk.merchant_id, identity=f"v{i}", room=ROOM, role="audience")
                resp = await http.post(f"/v1/live/{ROOM}/sales/{sale['sale_id']}/buy", headers=bearer(token),
                                       json={"country": "SG"})
                return resp.status_code

            codes = await asyncio.gather(*(buy(i) for i in range(12)))
            assert sorted(codes) == [200] * 5 + [409] * 7
            r = await http.post(f"/v1/live/{ROOM}/sales/{sale['sale_id']}/buy", headers=ana, json={"country": "SG"})
            assert r.json()["error"]["code"] == "sale_sold_out"
            r = await http.get(f"/v1/live/{ROOM}/sales/{sale['sale_id']}", headers=ana)
            assert r.json()["remaining"] == 0

            # every viewer on the channel sees the pin, the sale and (coalesced) the stock, in order
            def kinds() -> list[str]:
                return [m["b"]["type"] for m in viewer.messages.get(ROOM, []) if m.get("k") == "system"]

            await viewer.until(lambda: "sale_stock" in kinds())
            assert kinds()[:2] == ["pin", "sale_start"]
            first = next(m for m in viewer.messages[ROOM] if m.get("k") == "system")
            assert first["b"]["card"]["name"] and first["from"] == "live"
        finally:
            await viewer.close()

        r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "BT-2001"}, headers=host)
        r = await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "BT-2001", "qty": 3}, headers=ana)
        assert r.json() == {"lines": [{"sku": "BT-2001", "qty": 3}]}
        r = await http.get(f"/v1/live/{ROOM}/quote/BT-2001?country=ID", headers=ana)
        assert r.json()["currency"] == "IDR" and r.json()["landed"]["duty_mode"] == "ddu"
        r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "MX"}, headers=ana)
        assert r.status_code == 200
        order = r.json()
        assert order["lines"] == [{"sku": "BT-2001", "qty": 3, "unit_price": "18.00"}] and order["total"] == "54.00"
        assert (await souk.ctx.storage.orders.get(souk.merchant_id, order["order_id"])).total == 54
        r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "MX"}, headers=ana)
        assert r.status_code == 409 and r.json()["error"]["code"] == "cart_empty"
        r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "Mexico"}, headers=ana)
        assert r.status_code == 422
