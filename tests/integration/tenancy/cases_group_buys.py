"""Cases for group buys in a room (souk.api.routes.group_buys): B's host and viewers in B's room with A's
room id never see, join or end A's offer (404 group_buy_not_found), and what B opens is B's own."""

from __future__ import annotations

from tests.integration.tenancy.tenancy_app import LIVE, SKU, Tenancy
from tests.integration.tenancy.tenancy_registry import b_host, b_pins, b_viewer, clean, covers, not_found

TIERS = [{"min_buyers": 1, "price": "3.00"}, {"min_buyers": 2, "price": "2.00"}]


@covers("POST", "/v1/live/{room}/group-buys")
async def group_buy_create(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_host(t)) as c:
        offer = clean(t, await c.post(f"/v1/live/{LIVE}/group-buys",
                                      json={"sku": SKU, "tiers": TIERS, "cap": 3, "duration_s": 600}), 201)
        assert offer["offer_id"] != t.a["group_buy_id"] and offer["currency"] == "EUR"  # B's, never A's USD
        assert offer["card"]["name"] == f"Acme {SKU} en" and offer["buyers"] == 0
        clean(t, await c.post(f"/v1/live/{LIVE}/group-buys/{offer['offer_id']}/end"))


@covers("GET", "/v1/live/{room}/group-buys")
async def group_buy_list(t: Tenancy) -> None:
    for cred in (b_viewer(t, "viewer-2"), b_host(t)):
        async with t.http(cred) as c:
            for offer in clean(t, await c.get(f"/v1/live/{LIVE}/group-buys"))["offers"]:
                assert offer["offer_id"] != t.a["group_buy_id"] and offer["mine"] is None


@covers("GET", "/v1/live/{room}/group-buys/{offer_id}")
async def group_buy_get(t: Tenancy) -> None:
    for cred in (b_viewer(t, "viewer-2"), b_host(t)):
        async with t.http(cred) as c:
            not_found(t, await c.get(f"/v1/live/{LIVE}/group-buys/{t.a['group_buy_id']}"), "group_buy_not_found")


@covers("POST", "/v1/live/{room}/group-buys/{offer_id}/join")
async def group_buy_join(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_viewer(t, "viewer-2")) as c:  # A's viewer-2 joined; B's has A's order id too
        not_found(t, await c.post(f"/v1/live/{LIVE}/group-buys/{t.a['group_buy_id']}/join",
                                  json={"country": "US", "order_id": t.a["group_buy_order_id"]}),
                  "group_buy_not_found")


@covers("POST", "/v1/live/{room}/group-buys/{offer_id}/end")
async def group_buy_end(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        not_found(t, await c.post(f"/v1/live/{LIVE}/group-buys/{t.a['group_buy_id']}/end"), "group_buy_not_found")
