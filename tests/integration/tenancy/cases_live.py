"""Cases for live commerce, the show and stage, recordings and replays, and the assistant over REST."""

from __future__ import annotations

from typing import Any

from tests.integration.tenancy.tenancy_app import (
    A_COUPON,
    A_ONLY_COUPON,
    A_ONLY_CUSTOMER,
    A_ONLY_EMAIL,
    A_ONLY_ORDER,
    LIVE,
    SKU,
    B,
    Tenancy,
)
from tests.integration.tenancy.tenancy_registry import (
    B_LIVE_2,
    b_host,
    b_pins,
    b_shopper,
    b_viewer,
    clean,
    covers,
    not_found,
    refused_as_b,
)

# ------------------------------------------------------------------ live commerce


@covers("POST", "/v1/live/{room}/pins")
async def live_pin(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        body = clean(t, await c.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}))
    assert body["card"]["name"] == f"Acme {SKU} en" and body["pinned"] == [SKU]
    assert body["card"]["currency"] == "EUR", body["card"]  # B's, never A's USD


@covers("DELETE", "/v1/live/{room}/pins/{sku}")
async def live_unpin(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_host(t)) as c:
        assert clean(t, await c.delete(f"/v1/live/{LIVE}/pins/{SKU}"))["pinned"] == []
        r = await c.delete(f"/v1/live/{LIVE}/pins/{SKU}")  # B has nothing pinned now; A's pin stays
        assert refused_as_b(t, r, 409)["error"]["code"] == "not_pinned"


@covers("GET", "/v1/live/{room}/pins")
async def live_pins(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        for card in clean(t, await c.get(f"/v1/live/{LIVE}/pins"))["pinned"]:
            assert card["name"].startswith("Acme "), card


@covers("POST", "/v1/live/{room}/sales")
async def live_sale_start(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_host(t)) as c:
        sale = clean(t, await c.post(f"/v1/live/{LIVE}/sales",
                                     json={"sku": SKU, "units": 3, "price": "1.00", "duration_s": 600}))
        assert sale["sale_id"] != t.a["sale_id"] and sale["card"]["name"] == f"Acme {SKU} en"
        clean(t, await c.post(f"/v1/live/{LIVE}/sales/{sale['sale_id']}/end"))


@covers("GET", "/v1/live/{room}/sales/{sale_id}")
async def live_sale_get(t: Tenancy) -> None:
    for cred in (b_viewer(t), b_host(t)):
        async with t.http(cred) as c:
            not_found(t, await c.get(f"/v1/live/{LIVE}/sales/{t.a['sale_id']}"), "sale_not_found")


@covers("POST", "/v1/live/{room}/sales/{sale_id}/end")
async def live_sale_end(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        not_found(t, await c.post(f"/v1/live/{LIVE}/sales/{t.a['sale_id']}/end"), "sale_not_found")


@covers("POST", "/v1/live/{room}/sales/{sale_id}/buy")
async def live_sale_buy(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_viewer(t, "viewer-2")) as c:
        not_found(t, await c.post(f"/v1/live/{LIVE}/sales/{t.a['sale_id']}/buy",
                                  json={"country": "US", "order_id": t.a["sale_order_id"]}), "sale_not_found")


@covers("GET", "/v1/live/{room}/cart")
async def live_cart(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-4")) as c:
        assert clean(t, await c.get(f"/v1/live/{LIVE}/cart"))["lines"] == []  # A's viewer-4 has one


@covers("POST", "/v1/live/{room}/cart")
async def live_cart_add(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_viewer(t, "viewer-1")) as c:
        lines = clean(t, await c.post(f"/v1/live/{LIVE}/cart", json={"sku": SKU, "qty": 1}))["lines"]
    assert lines == [{"sku": ln.sku, "qty": ln.qty}  # B's viewer-1's cart, never with A's viewer-1's two
                     for ln in await t.ctx.storage.live_carts.lines(B, LIVE, "viewer-1")]


@covers("DELETE", "/v1/live/{room}/cart/{sku}")
async def live_cart_remove(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-4")) as c:
        assert clean(t, await c.delete(f"/v1/live/{LIVE}/cart/{SKU}"))["lines"] == []


@covers("POST", "/v1/live/{room}/checkout")
async def live_checkout(t: Tenancy) -> None:
    await b_pins(t)
    async with t.http(b_viewer(t, "viewer-7")) as c:
        r = await c.post(f"/v1/live/{LIVE}/checkout", json={"country": "US"})  # A's viewer-7: no cart either
        refused_as_b(t, r, 409)
        clean(t, await c.post(f"/v1/live/{LIVE}/cart", json={"sku": SKU, "qty": 1}))
        for code in (A_COUPON, A_ONLY_COUPON):  # A's coupons are not B's
            r = await c.post(f"/v1/live/{LIVE}/checkout", json={"country": "US", "coupon": code})
            assert refused_as_b(t, r, 404, 409)["error"]["code"] == "coupon_invalid"
        # an order id A already used is B's to use
        order = clean(t, await c.post(f"/v1/live/{LIVE}/checkout",
                                      json={"country": "US", "order_id": t.a["sale_order_id"]}))
    assert order["order_id"] == t.a["sale_order_id"] and order["total"] != "0.00" and order["currency"] == "EUR"
    assert (await t.ctx.storage.orders.get(B, order["order_id"])).total == _dec(order["total"])


def _dec(s: str) -> Any:
    from decimal import Decimal

    return Decimal(s)


@covers("POST", "/v1/live/{room}/coupons")
async def live_coupon_create(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        body = clean(t, await c.post(f"/v1/live/{LIVE}/coupons",
                                     json={"code": A_COUPON, "kind": "amount", "value": "1.00"}), 201)
    assert body["code"] == A_COUPON and body["kind"] == "amount"


@covers("GET", "/v1/live/{room}/coupons")
async def live_coupons(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        codes = [x["code"] for x in clean(t, await c.get(f"/v1/live/{LIVE}/coupons"))["coupons"]]
    assert A_ONLY_COUPON not in codes


@covers("POST", "/v1/live/{room}/coupons/{code}/end")
async def live_coupon_end(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        r = await c.post(f"/v1/live/{LIVE}/coupons/{A_ONLY_COUPON}/end")
        assert refused_as_b(t, r, 404, 409)["error"]["code"] == "coupon_invalid"


@covers("POST", "/v1/live/{room}/consult")
async def live_consult(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-4")) as c:  # A's viewer-4 has a call ringing and a cart
        out = clean(t, await c.post(f"/v1/live/{LIVE}/consult", json={"sku": SKU}), 201)
    call = out["call"]
    assert call["call_id"] != t.a["show_call_id"] and call["product_name"] == f"Acme {SKU} en"
    async with t.http(t.token(B, "viewer-4", call["room"], "member")) as c:
        clean(t, await c.post(f"/v1/consults/{call['call_id']}/hangup"))


@covers("GET", "/v1/live/{room}/quote/{sku}")
async def live_quote(t: Tenancy) -> None:
    price = (await t.ctx.storage.catalog.get(B, SKU)).price
    async with t.http(b_viewer(t)) as c:
        q = clean(t, await c.get(f"/v1/live/{LIVE}/quote/{SKU}", params={"country": "US"}))
        assert _dec(q["price"]) == price and q["store_currency"] == "EUR", q
        r = await c.get(f"/v1/live/{LIVE}/quote/{SKU}", params={"country": "US", "coupon": A_ONLY_COUPON})
        assert refused_as_b(t, r, 404, 409)["error"]["code"] == "coupon_invalid"


# ------------------------------------------------------------------ the show and the stage (B's own show in live-demo)


async def b_show_id(t: Tenancy) -> str:
    async with t.http(b_viewer(t)) as c:
        view = clean(t, await c.get(f"/v1/live/{LIVE}/show"))
    assert view["status"] == "live" and view["title"] == "acme show", view
    return str(view["show_id"])


@covers("POST", "/v1/live/{room}/show")
async def show_start(t: Tenancy) -> None:
    show_id = await b_show_id(t)
    async with t.http(b_host(t)) as c:  # B's show is live already: the same one comes back, B's
        view = clean(t, await c.post(f"/v1/live/{LIVE}/show", json={"title": "acme again"}))
    assert view["show_id"] == show_id and view["host"] == "host-1", view


@covers("GET", "/v1/live/{room}/show")
async def show_get(t: Tenancy) -> None:
    show_id = await b_show_id(t)
    async with t.http(b_host(t)) as c:
        view = clean(t, await c.get(f"/v1/live/{LIVE}/show"))
    assert view["show_id"] == show_id and view["hands"] == [] and view["pk"] is None, view


@covers("POST", "/v1/live/{room}/show/end")
async def show_end(t: Tenancy) -> None:
    await b_show_id(t)
    async with t.http(b_host(t)) as c:
        view = clean(t, await c.post(f"/v1/live/{LIVE}/show/end"))
        assert view["status"] == "ended", view
        r = await c.post(f"/v1/live/{LIVE}/show/end")  # B's show is over; A's is live
        assert clean(t, r, 409)["error"]["code"] == "show_not_live"
    await t.ctx.stage.start_show(B, LIVE, host="host-1", title="acme show", record=False)  # live again


@covers("POST", "/v1/live/{room}/stage/hand")
async def stage_hand(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-3")) as c:  # A's viewer-3 has a hand up in A's show
        hand = clean(t, await c.post(f"/v1/live/{LIVE}/stage/hand", json={"note": "acme"}))
        assert hand["note"] == "acme"
    async with t.http(b_host(t)) as c:
        hands = clean(t, await c.get(f"/v1/live/{LIVE}/show"))["hands"]
    assert [(h["identity"], h["note"]) for h in hands] == [("viewer-3", "acme")], hands


@covers("DELETE", "/v1/live/{room}/stage/hand")
async def stage_hand_lower(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-3")) as c:
        clean(t, await c.post(f"/v1/live/{LIVE}/stage/hand", json={"note": "acme"}))
        assert clean(t, await c.delete(f"/v1/live/{LIVE}/stage/hand")) == {"lowered": True}
        assert clean(t, await c.delete(f"/v1/live/{LIVE}/stage/hand")) == {"lowered": False}


@covers("POST", "/v1/live/{room}/stage/invite")
async def stage_invite(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        assert clean(t, await c.post(f"/v1/live/{LIVE}/stage/invite", json={"identity": "viewer-8"})) == {
            "invited": "viewer-8"}


@covers("POST", "/v1/live/{room}/stage/approve")
async def stage_approve(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:  # A's viewer-3 has a hand up, B's has none
        r = await c.post(f"/v1/live/{LIVE}/stage/approve", json={"identity": "viewer-3"})
        assert clean(t, r, 404, 409)["error"]["code"] == "no_hand", r.text


@covers("POST", "/v1/live/{room}/stage/accept")
async def stage_accept(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        clean(t, await c.post(f"/v1/live/{LIVE}/stage/invite", json={"identity": "viewer-9"}))
    async with t.http(b_viewer(t, "viewer-9")) as c:
        out = clean(t, await c.post(f"/v1/live/{LIVE}/stage/accept", json={"consent_recording": True}))
        claims = t.ctx.tokens.verify(out["token"])
        assert (claims.merchant_id, claims.room, claims.role.value) == (B, LIVE, "cohost")
        clean(t, await c.post(f"/v1/live/{LIVE}/stage/leave"))
    async with t.http(b_viewer(t, "viewer-3")) as c:  # A invited nobody of that name; B did not invite them
        r = await c.post(f"/v1/live/{LIVE}/stage/accept", json={"consent_recording": True})
        assert clean(t, r, 403, 404, 409)["error"]["code"] == "not_invited", r.text


@covers("POST", "/v1/live/{room}/stage/decline")
async def stage_decline(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        clean(t, await c.post(f"/v1/live/{LIVE}/stage/invite", json={"identity": "viewer-10"}))
    async with t.http(b_viewer(t, "viewer-10")) as c:
        assert clean(t, await c.post(f"/v1/live/{LIVE}/stage/decline")) == {"declined": True}


@covers("POST", "/v1/live/{room}/stage/remove")
async def stage_remove(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        r = await c.post(f"/v1/live/{LIVE}/stage/remove", json={"identity": "viewer-3"})
        assert clean(t, r, 404, 409)["error"]["code"] == "not_on_stage", r.text


@covers("POST", "/v1/live/{room}/stage/leave")
async def stage_leave(t: Tenancy) -> None:
    async with t.http(b_viewer(t, "viewer-3")) as c:
        r = await c.post(f"/v1/live/{LIVE}/stage/leave")
        assert clean(t, r, 404, 409)["error"]["code"] == "not_on_stage", r.text


@covers("POST", "/v1/live/{room}/stage/mute")
async def stage_mute(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:  # A's host-1 is A's host, on A's stage; B's host-1 is not connected here
        r = await c.post(f"/v1/live/{LIVE}/stage/mute", json={"identity": "viewer-3", "kind": "audio",
                                                                "muted": True})
        assert clean(t, r, 404, 409)["error"]["code"] == "not_on_stage", r.text


async def _b_live_show(t: Tenancy) -> None:
    """A live show of B's own in another room (the stage directly: no media plane here)."""
    await t.ctx.stage.start_show(B, B_LIVE_2, host="host-1", title="acme two")


@covers("POST", "/v1/live/{room}/pk")
async def pk_invite(t: Tenancy) -> None:
    await _b_live_show(t)
    async with t.http(b_host(t, B_LIVE_2)) as c:  # "live-demo" is B's own live-demo here, not A's
        out = clean(t, await c.post(f"/v1/live/{B_LIVE_2}/pk", json={"room": LIVE}))
    assert out["pk"] == {"room": LIVE, "host": "host-1", "active": False}
    async with t.http(b_host(t)) as c:
        link = clean(t, await c.post(f"/v1/live/{LIVE}/pk/accept", json={"room": B_LIVE_2}))["pk"]
        assert link == {"room": B_LIVE_2, "host": "host-1", "active": True}
        clean(t, await c.delete(f"/v1/live/{LIVE}/pk"))


@covers("POST", "/v1/live/{room}/pk/accept")
async def pk_accept(t: Tenancy) -> None:
    await _b_live_show(t)
    async with t.http(b_host(t)) as c:  # nobody of B's invited live-demo (A's show has no PK either)
        r = await c.post(f"/v1/live/{LIVE}/pk/accept", json={"room": B_LIVE_2})
        clean(t, r, 404, 409)


@covers("DELETE", "/v1/live/{room}/pk")
async def pk_end(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        clean(t, await c.delete(f"/v1/live/{LIVE}/pk"), 404, 409)


# ------------------------------------------------------------------ recordings and replays


@covers("GET", "/v1/live/{room}/recordings")
async def recordings(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        assert clean(t, await c.get(f"/v1/live/{LIVE}/recordings")) == {"recordings": []}


@covers("GET", "/v1/replays/{recording_id}")
async def replay(t: Tenancy) -> None:
    for cred in (b_viewer(t), b_host(t)):
        async with t.http(cred) as c:
            not_found(t, await c.get(f"/v1/replays/{t.ids['recording_id']}"))


@covers("GET", "/v1/replays/{recording_id}/media/{name}")
async def replay_media(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        not_found(t, await c.get(f"/v1/replays/{t.ids['recording_id']}/media/host-1-1.webm"))


@covers("POST", "/v1/replays/{recording_id}/cart")
async def replay_cart(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        not_found(t, await c.post(f"/v1/replays/{t.ids['recording_id']}/cart", json={"sku": SKU}))


# ------------------------------------------------------------------ the assistant over REST


@covers("POST", "/v1/agent/sessions")
async def agent_open(t: Tenancy) -> None:
    async with t.http(b_shopper(t, A_ONLY_CUSTOMER)) as c:
        sid = clean(t, await c.post("/v1/agent/sessions", json={}))["session_id"]
        for text in (f"Where is my order {A_ONLY_ORDER}?", f"Track order {A_ONLY_ORDER}, e-mail {A_ONLY_EMAIL}"):
            reply = clean(t, await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": text}))
            assert reply["text"]
    async with t.http(t.token(B, "guest-1", "lobby", "guest")) as c:  # a guest proving an order of A's
        sid = clean(t, await c.post("/v1/agent/sessions", json={}))["session_id"]
        for text in (f"Where is order {A_ONLY_ORDER}?", A_ONLY_EMAIL):
            assert clean(t, await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": text}))["text"]
        clean(t, await c.delete(f"/v1/agent/sessions/{sid}"))


@covers("POST", "/v1/agent/sessions/{session_id}/messages")
async def agent_message(t: Tenancy) -> None:
    for identity in (A_ONLY_CUSTOMER, "shopper-1"):  # the owner's identity, and another
        async with t.http(b_shopper(t, identity)) as c:
            r = await c.post(f"/v1/agent/sessions/{t.a['conv_id']}/messages", json={"text": "hello"})
            not_found(t, r, "unknown_conversation")


@covers("DELETE", "/v1/agent/sessions/{session_id}")
async def agent_close(t: Tenancy) -> None:
    async with t.http(b_shopper(t, A_ONLY_CUSTOMER)) as c:
        not_found(t, await c.delete(f"/v1/agent/sessions/{t.a['conv_id']}"), "unknown_conversation")
