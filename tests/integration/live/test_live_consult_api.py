"""Coupons, persistent carts and show -> 1v1 over REST in a real Souk app (uvicorn, seeded demo store, real
RTM node, the consult call flow and its signaling WebSocket)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import websockets

from souk.rtm.client import RtmClient
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-7"


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    features = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live")
    async with running_souk(tmp_path / "souk", features=features) as s:
        yield s


async def test_coupons_over_rest_announced_applied_and_refused_with_codes(souk_live: Souk) -> None:
    souk = souk_live
    mint = souk.ctx.tokens.mint
    host = bearer(mint(merchant_id=souk.merchant_id, identity="host", room=ROOM, role="host"))
    ana_token = mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience")
    ana = bearer(ana_token)
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=10) as http:
        viewer = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws", ana_token).connect()
        try:
            await viewer.join(ROOM)
            body = {"code": "live10", "kind": "percent", "value": "10", "max_redemptions": 2, "min_spend": "30"}
            r = await http.post(f"/v1/live/{ROOM}/coupons", json=body, headers=ana)
            assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"
            r = await http.post(f"/v1/live/{ROOM}/coupons", json={**body, "kind": "bogo"}, headers=host)
            assert r.status_code == 422
            r = await http.post(f"/v1/live/{ROOM}/coupons", json={**body, "code": "a b"}, headers=host)
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_coupon"
            r = await http.post(f"/v1/live/{ROOM}/coupons", json=body, headers=host)
            assert r.status_code == 201 and (r.json()["code"], r.json()["remaining"]) == ("LIVE10", 2)
            r = await http.post(f"/v1/live/{ROOM}/coupons", json=body, headers=host)
            assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_exists"
            assert [c["code"] for c in (await http.get(f"/v1/live/{ROOM}/coupons", headers=ana)).json()["coupons"]] \
                == ["LIVE10"]

            await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"}, headers=host)
            r = await http.get(f"/v1/live/{ROOM}/quote/AP-1001?country=US&coupon=live10", headers=ana)
            assert r.json()["coupon"] == {"code": "LIVE10", "applies": True, "reason": None, "discount": "3.99",
                                          "price": "35.91"}
            await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "AP-1001", "qty": 2}, headers=ana)  # 79.80
            r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "US", "coupon": "NOPE"}, headers=ana)
            assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_invalid"
            r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "US", "coupon": "live10"}, headers=ana)
            assert r.status_code == 200, r.text
            order = r.json()
            assert (order["subtotal"], order["discount"], order["coupon"]) == ("79.80", "7.98", "LIVE10")
            assert Decimal(order["total"]) == Decimal("71.82") + Decimal(order["shipping"])
            assert (await http.get(f"/v1/live/{ROOM}/cart", headers=ana)).json()["lines"] == []

            def kinds() -> list[str]:
                return [m["b"]["type"] for m in viewer.messages.get(ROOM, []) if m.get("k") == "system"]

            async def seen(kind: str) -> None:
                for _ in range(500):
                    if kind in kinds():
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError(f"no {kind} on the channel: {kinds()}")

            await seen("coupon_stock")  # coalesced remaining count
            await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "AP-1001", "qty": 1}, headers=ana)
            r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "US", "coupon": "live10"}, headers=ana)
            assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_used"
            assert (await http.get(f"/v1/live/{ROOM}/cart", headers=ana)).json()["lines"] == [
                {"sku": "AP-1001", "qty": 1}]  # kept
            r = await http.post(f"/v1/live/{ROOM}/coupons/live10/end", headers=host)
            assert r.status_code == 200 and r.json()["type"] == "coupon_end"
            await seen("coupon_end")
            assert kinds() == ["coupon", "pin", "coupon_stock", "coupon_end"]
            stock = [m["b"] for m in viewer.messages[ROOM] if m.get("k") == "system"
                     and m["b"]["type"] == "coupon_stock"]
            assert stock[-1]["remaining"] == 1
        finally:
            await viewer.close()


async def test_show_to_1v1_keeps_the_cart_and_the_seller_sees_it(souk_live: Souk) -> None:
    souk = souk_live
    mint = souk.ctx.tokens.mint
    mid = souk.merchant_id
    host_token = mint(merchant_id=mid, identity="host", room=ROOM, role="host")
    host = bearer(host_token)
    ana = bearer(mint(merchant_id=mid, identity="ana", room=ROOM, role="audience", name="Ana"))
    seller = mint(merchant_id=mid, identity="seller-demo", room="*", role="agent")
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=10) as http, \
            websockets.connect(souk.ws_url + "?token=" + seller) as console:
        assert json.loads(await console.recv())["type"] == "welcome"
        await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1002"}, headers=host)
        await http.post(f"/v1/live/{ROOM}/cart", json={"sku": "AP-1002", "qty": 2}, headers=ana)
        cart_before = (await http.get(f"/v1/live/{ROOM}/cart", headers=ana)).json()

        # refused: no token, a bad token, another room's token, the host side asking
        r = await http.post(f"/v1/live/{ROOM}/consult", json={})
        assert r.status_code == 401 and r.json()["error"]["code"] == "token_missing"
        r = await http.post(f"/v1/live/{ROOM}/consult", json={}, headers=bearer("nope"))
        assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
        elsewhere = bearer(mint(merchant_id=mid, identity="ana", room="live-1", role="audience"))
        r = await http.post(f"/v1/live/{ROOM}/consult", json={}, headers=elsewhere)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
        r = await http.post(f"/v1/live/{ROOM}/consult", json={}, headers=host)
        assert r.status_code == 403 and r.json()["error"]["code"] == "viewer_only"

        r = await http.post(f"/v1/live/{ROOM}/consult", json={"note": "does it run small?", "lang": "es"},
                            headers=ana)
        assert r.status_code == 201, r.text
        call, token = r.json()["call"], r.json()["token"]
        assert (call["state"], call["origin_room"], call["shopper"], call["product_sku"]) == (
            "ringing", ROOM, "ana", "AP-1002")
        assert call["origin_cart"]["items"] == 2 and call["note"] == "does it run small?"
        claims = souk.ctx.tokens.verify(token)  # the shopper of the call, as the shop page's flow has it
        assert (claims.room, claims.identity, claims.role.value) == (call["room"], "ana", "member")
        r = await http.post(f"/v1/live/{ROOM}/consult", json={}, headers=ana)
        assert r.status_code == 409 and r.json()["error"]["code"] == "call_in_progress"

        ring = json.loads(await console.recv())  # the seller's console (and a staff-token studio) rings
        assert ring["type"] == "call" and ring["call"]["call_id"] == call["call_id"]
        assert ring["call"]["origin_room"] == ROOM and ring["call"]["origin_cart"] == call["origin_cart"]

        other_host = bearer(mint(merchant_id=mid, identity="h2", room="live-1", role="host"))
        r = await http.post(f"/v1/consults/{call['call_id']}/accept", headers=other_host)
        assert r.status_code == 403 and r.json()["error"]["code"] == "staff_only"
        r = await http.post(f"/v1/consults/{call['call_id']}/accept", headers=ana)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"
        r = await http.get(f"/v1/consults/{call['call_id']}", headers=host)  # the host side sees the cart
        assert r.status_code == 200 and r.json()["cart"]["items"] == 2

        async with websockets.connect(souk.ws_url + "?token=" + token) as shopper_ws:
            assert json.loads(await shopper_ws.recv())["type"] == "welcome"
            assert json.loads(await shopper_ws.recv())["call"]["state"] == "ringing"
            r = await http.post(f"/v1/consults/{call['call_id']}/accept", headers=host)
            assert r.status_code == 200 and r.json()["call"]["state"] == "accepted"
            seller_token = r.json()["token"]
            seller_claims = souk.ctx.tokens.verify(seller_token)
            assert (seller_claims.room, seller_claims.role.value) == (call["room"], "host")
            assert json.loads(await shopper_ws.recv())["call"]["state"] == "accepted"

        # in the consult: the cart is still the viewer's, and the seller side can see it
        assert (await http.get(f"/v1/live/{ROOM}/cart", headers=ana)).json() == cart_before
        for who in (bearer(seller_token), bearer(seller)):
            got = (await http.get(f"/v1/consults/{call['call_id']}", headers=who)).json()
            assert got["cart"]["lines"][0]["sku"] == "AP-1002" and got["cart"]["items"] == 2
            assert Decimal(got["cart"]["total"]) == 2 * Decimal(got["cart"]["lines"][0]["price"])
        shopper_view = (await http.get(f"/v1/consults/{call['call_id']}", headers=bearer(token))).json()
        assert shopper_view["cart"] is None and shopper_view["call"]["origin_room"] == ROOM

        r = await http.post(f"/v1/consults/{call['call_id']}/hangup", headers=bearer(token))
        assert r.json()["call"]["state"] == "ended"
        # back in the show: the cart is intact and checks out
        assert (await http.get(f"/v1/live/{ROOM}/cart", headers=ana)).json() == cart_before
        r = await http.post(f"/v1/live/{ROOM}/checkout", json={"country": "US"}, headers=ana)
        assert r.status_code == 200 and r.json()["lines"][0]["qty"] == 2
