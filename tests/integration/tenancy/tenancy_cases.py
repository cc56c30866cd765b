"""Merchant B's requests against merchant A's objects, one case per (method, path) of the app.

``COVERED`` is the table of every route the module covers: ``test_tenancy_coverage`` compares it with the
routes the app serves, so a new route fails the suite until a case for it is written here. A case drives B's
credentials (API key, staff token, host, viewer, shopper tokens with A's room ids and identities) at A's
objects and checks each answer: another merchant's object is 404 (never 403) and nothing of A's shows
(``Tenancy.leaked``). The test around each case proves A's state is unchanged (``conftest.a_state``); a case
may return a check that A still works, run after that comparison.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration.tenancy.tenancy_app import (
    A_COUPON,
    A_ONLY_COUPON,
    A_ONLY_CUSTOMER,
    A_ONLY_EMAIL,
    A_ONLY_ORDER,
    A_ONLY_ROOM,
    LIVE,
    SKU,
    A,
    B,
    Tenancy,
)

Then = Callable[[], Awaitable[None]]
CaseFn = Callable[[Tenancy], Awaitable[Then | None]]

A_ONLY_ROOM_2 = "a-private-2"  # A has it; B creates a room with this id in the POST /v1/rooms case
B_LIVE_2 = "b-live-2"  # a live room of B's own, for the PK cases


@dataclass(frozen=True)
class Case:
    method: str  # GET, POST, DELETE, ... or WS for a socket
    path: str
    fn: CaseFn | None
    public: str = ""  # why a route without credentials shows nothing of a merchant's private state
    elsewhere: str = ""  # the test module that covers it instead (the signaling socket needs Janus)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


COVERED: dict[tuple[str, str], Case] = {}


def covers(method: str, path: str, *, public: str = "") -> Callable[[CaseFn], CaseFn]:
    def register(fn: CaseFn) -> CaseFn:
        key = (method, path)
        assert key not in COVERED, f"{key} is covered twice"
        COVERED[key] = Case(method, path, fn, public=public)
        return fn
    return register


def covered_elsewhere(method: str, path: str, module: str) -> None:
    COVERED[(method, path)] = Case(method, path, None, elsewhere=module)


# ------------------------------------------------------------------ helpers


def b_key(t: Tenancy) -> str:
    return t.keys[B]


def b_staff(t: Tenancy) -> str:
    return t.token(B, "seller-1", "*", "agent")


def b_host(t: Tenancy, room: str = LIVE) -> str:
    return t.token(B, "host-1", room, "host")


def b_viewer(t: Tenancy, identity: str = "viewer-1") -> str:
    return t.token(B, identity, LIVE, "audience")


def b_shopper(t: Tenancy, identity: str = "shopper-1") -> str:
    return t.token(B, identity, "lobby", "member")


def clean(t: Tenancy, r: httpx.Response, *status: int) -> Any:
    """The answer has one of ``status`` (200 by default) and nothing of A's."""
    want = status or (200,)
    assert r.status_code in want, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:400]}"
    sent = str(r.request.url) + r.request.content.decode(errors="replace")
    leaked = [s for s in t.leaked(r.text) if s not in sent]  # an id B sent may be echoed back to B
    assert not leaked, f"{r.request.method} {r.request.url.path} shows A's {leaked}: {r.text[:400]}"
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


def not_found(t: Tenancy, r: httpx.Response, code: str | None = None) -> None:
    """Another merchant's object: 404, never 403, and the answer names nothing of A's."""
    body = clean(t, r, 404)
    if code is not None:
        assert body["error"]["code"] == code, body


def refused_as_b(t: Tenancy, r: httpx.Response, *status: int) -> dict[str, Any]:
    """B acting on its own (empty) state with A's ids: an answer about B's state, never wrong_merchant."""
    body: dict[str, Any] = clean(t, r, *status)
    assert body.get("error", {}).get("code") != "wrong_merchant", body
    return body


async def b_pins(t: Tenancy) -> None:
    async with t.http(b_host(t)) as host:
        clean(t, await host.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}))


async def a_publishes(t: Tenancy, identity: str, text: str) -> None:
    async with t.http(t.token(A, identity, LIVE, "audience")) as viewer:
        r = await viewer.post(f"/v1/rtm/channels/{LIVE}/messages", json={"body": text})
    assert r.status_code == 200, r.text


# ------------------------------------------------------------------ public routes (no credentials)

NO_STATE = "no credentials and no merchant state: served the same to everyone"
STOREFRONT = "the public storefront of merchant ?m= (catalog only); with ?m=acme nothing of lumen's"


async def _public_get(t: Tenancy, path: str, *status: int) -> None:
    async with t.http(b_key(t)) as c:
        clean(t, await c.get(path), *status)


@covers("GET", "/openapi.json", public=NO_STATE)
async def openapi(t: Tenancy) -> None:
    await _public_get(t, "/openapi.json")


@covers("GET", "/docs", public=NO_STATE)
async def docs(t: Tenancy) -> None:
    await _public_get(t, "/docs")


@covers("GET", "/healthz", public=NO_STATE)
async def healthz(t: Tenancy) -> None:
    await _public_get(t, "/healthz")


@covers("GET", "/favicon.ico", public=NO_STATE)
async def favicon(t: Tenancy) -> None:
    await _public_get(t, "/favicon.ico", 204)


@covers("GET", "/static/{path:path}", public=NO_STATE)
async def static(t: Tenancy) -> None:
    await _public_get(t, "/static/souk.js", 200, 404)
    await _public_get(t, "/static/../../token_secret", 404)


@covers("GET", "/", public=STOREFRONT)
async def index(t: Tenancy) -> None:
    await _public_get(t, "/?m=acme")


@covers("GET", "/shop/{sku}", public=STOREFRONT)
async def shop(t: Tenancy) -> None:
    async with t.http() as c:
        body = clean(t, await c.get(f"/shop/{SKU}?m=acme"))
    assert f"Acme {SKU} en" in body and "Acme Goods" in body


@covers("GET", "/shop", public=STOREFRONT)
async def shop_first(t: Tenancy) -> None:
    async with t.http() as c:
        r = await c.get("/shop?m=acme")
    assert r.status_code in (302, 307) and r.headers["location"].endswith("?m=acme"), r.headers


@covers("GET", "/console", public=STOREFRONT)
async def console(t: Tenancy) -> None:
    await _public_get(t, "/console?m=acme")


@covers("GET", "/live/{room}", public=STOREFRONT)
async def watch_page(t: Tenancy) -> None:
    await _public_get(t, f"/live/{LIVE}?m=acme")


@covers("GET", "/live/{room}/studio", public=STOREFRONT)
async def studio_page(t: Tenancy) -> None:
    await _public_get(t, f"/live/{LIVE}/studio?m=acme")


@covers("GET", "/replay/{recording_id}", public="the replay page shell: the recording is fetched with a token")
async def replay_page(t: Tenancy) -> None:
    await _public_get(t, f"/replay/{LIVE}.s1")


@covers("GET", "/v1/rtm/info", public=NO_STATE)
async def rtm_info(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        clean(t, await c.get("/v1/rtm/info"))


@covers("POST", "/v1/demo/tokens", public="demo mode only: tokens of the demo merchant, chosen by nobody")
async def demo_tokens(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.post("/v1/demo/tokens", json={"as": "viewer", "merchant_id": B}))
    assert body["merchant_id"] == A  # the demo merchant, whatever the caller is; a body cannot pick another


# ------------------------------------------------------------------ the operator API (no merchant credential opens it)


async def _operator_refuses_b(t: Tenancy, method: str, path: str, body: Any = None) -> Then:
    """B's API key and staff token are not the operator's secret: 401, nothing of A's, nothing done."""
    for cred in (b_key(t), b_staff(t), t.keys[A]):
        async with t.http(cred) as c:
            r = await c.request(method, path, json=body)
        assert clean(t, r, 401)["error"]["code"] == "operator_token_invalid", r.text

    async def a_key_still_works() -> None:
        async with t.http(t.keys[A]) as c:
            assert (await c.get(f"/v1/rooms/{A_ONLY_ROOM}")).status_code == 200
    return a_key_still_works


async def _a_key_id(t: Tenancy) -> str:
    return (await t.ctx.storage.api_keys.list(A))[0].key_id


@covers("POST", "/v1/operator/merchants")
async def op_create(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "POST", "/v1/operator/merchants",
                                     {"id": A, "name": "x", "currency": "USD", "region": "us"})


@covers("GET", "/v1/operator/merchants")
async def op_list(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "GET", "/v1/operator/merchants")


@covers("GET", "/v1/operator/merchants/{merchant_id}")
async def op_get(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "GET", f"/v1/operator/merchants/{A}")


@covers("POST", "/v1/operator/merchants/{merchant_id}/keys")
async def op_issue_key(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "POST", f"/v1/operator/merchants/{A}/keys", {"label": "b's"})


@covers("GET", "/v1/operator/merchants/{merchant_id}/keys")
async def op_keys(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "GET", f"/v1/operator/merchants/{A}/keys")


@covers("DELETE", "/v1/operator/merchants/{merchant_id}/keys/{key_id}")
async def op_revoke_key(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "DELETE", f"/v1/operator/merchants/{A}/keys/{await _a_key_id(t)}")


@covers("PUT", "/v1/operator/merchants/{merchant_id}/store")
async def op_import(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "PUT", f"/v1/operator/merchants/{A}/store", {"products": []})


@covers("GET", "/v1/operator/merchants/{merchant_id}/store")
async def op_export(t: Tenancy) -> Then:
    return await _operator_refuses_b(t, "GET", f"/v1/operator/merchants/{A}/store")


# ------------------------------------------------------------------ tokens and rooms


@covers("POST", "/v1/tokens")
async def mint(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.post("/v1/tokens", json={"identity": "host-1", "room": LIVE, "role": "host",
                                                         "merchant_id": A}))
    assert body["merchant_id"] == B and t.ctx.tokens.verify(body["token"]).merchant_id == B


@covers("POST", "/v1/tokens/revoke")
async def revoke(t: Tenancy) -> Then:
    a_token = t.token(A, "host-1", LIVE, "host")
    jti = t.ctx.tokens.verify(a_token).token_id
    async with t.http(b_key(t)) as c:
        for body in ({"token": a_token}, {"jti": jti}):
            not_found(t, await c.post("/v1/tokens/revoke", json=body), "token_not_found")

    async def a_token_still_works() -> None:
        async with t.http(a_token) as c:
            assert (await c.get(f"/v1/live/{LIVE}/pins")).status_code == 200
    return a_token_still_works


@covers("POST", "/v1/rooms")
async def room_create(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        room = clean(t, await c.post("/v1/rooms", json={"kind": "consult", "room_id": A_ONLY_ROOM_2,
                                                        "metadata": {"by": "acme"}}), 201)
        assert room["metadata"] == {"by": "acme"} and room["status"] == "open"
        r = await c.post("/v1/rooms", json={"kind": "live", "room_id": LIVE})  # B's own live-demo exists
        assert refused_as_b(t, r, 409)["error"]["code"] == "room_exists"
    async with t.http(b_staff(t)) as c:
        clean(t, await c.post("/v1/rooms", json={"kind": "live"}), 201)


@covers("GET", "/v1/rooms")
async def room_list(t: Tenancy) -> None:
    mine = {r.id for r in await t.ctx.storage.rooms.list(B, limit=500)}
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            for params in ({}, {"kind": "live"}, {"status": "open", "limit": 500}):
                rooms = clean(t, await c.get("/v1/rooms", params=params))
                assert {r["id"] for r in rooms} <= mine, rooms
                assert all(r["live_participants"] == 0 for r in rooms), rooms


@covers("GET", "/v1/rooms/{room_id}")
async def room_get(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        room = clean(t, await c.get(f"/v1/rooms/{LIVE}"))
        assert room["metadata"] == {"title": "acme show room"} and room["live_participants"] == 0, room
        not_found(t, await c.get(f"/v1/rooms/{A_ONLY_ROOM}"), "unknown_room")
    async with t.http(t.token(B, "host-1", A_ONLY_ROOM, "host")) as c:
        not_found(t, await c.get(f"/v1/rooms/{A_ONLY_ROOM}"), "unknown_room")


@covers("POST", "/v1/rooms/{room_id}/close")
async def room_close(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        not_found(t, await c.post(f"/v1/rooms/{A_ONLY_ROOM}/close"), "unknown_room")
        # B's consult room with the id of A's ringing consult's room: B's closes, A's call rings on
        room = clean(t, await c.post(f"/v1/rooms/{t.ids['call_room']}/close"))
        assert room["status"] == "closed"


@covers("GET", "/v1/rooms/{room_id}/participants")
async def room_participants(t: Tenancy) -> None:
    for cred in (b_key(t), b_viewer(t)):
        async with t.http(cred) as c:
            assert clean(t, await c.get(f"/v1/rooms/{LIVE}/participants")) == []
            assert clean(t, await c.get(f"/v1/rooms/{LIVE}/participants", params={"present_only": False})) == []
    async with t.http(b_key(t)) as c:
        not_found(t, await c.get(f"/v1/rooms/{A_ONLY_ROOM}/participants"), "unknown_room")


# ------------------------------------------------------------------ consults


@covers("POST", "/v1/consults")
async def consult_request(t: Tenancy) -> None:
    # B's shopper-1 while A's shopper-1 has a call ringing: B's own call, with B's product
    async with t.http(b_shopper(t)) as c:
        out = clean(t, await c.post("/v1/consults", json={"product_sku": SKU}), 201)
        call = out["call"]
        assert call["product_name"] == f"Acme {SKU} en" and call["call_id"] != t.a["call_id"]
        assert t.ctx.tokens.verify(out["token"]).merchant_id == B
    async with t.http(t.token(B, "shopper-1", call["room"], "member")) as c:
        clean(t, await c.post(f"/v1/consults/{call['call_id']}/hangup"))


@covers("GET", "/v1/consults")
async def consult_list(t: Tenancy) -> None:
    async with t.http(b_staff(t)) as c:
        body = clean(t, await c.get("/v1/consults", params={"limit": 200}))
    ids = {x["call_id"] for x in body["active"]} | {x["id"] for x in body["recent"]}
    assert t.a["call_id"] not in ids and t.a["show_call_id"] not in ids


async def _calls_of_a(t: Tenancy, method: str, suffix: str) -> None:
    """A's two calls through each kind of B credential that might reach them: 404 unknown_call each time."""
    creds = [b_staff(t), t.token(B, "shopper-1", t.ids["call_room"], "member"), b_host(t)]
    for cred in creds:
        async with t.http(cred) as c:
            for call_id in (t.a["call_id"], t.a["show_call_id"]):
                not_found(t, await c.request(method, f"/v1/consults/{call_id}{suffix}"), "unknown_call")


@covers("GET", "/v1/consults/{call_id}")
async def consult_get(t: Tenancy) -> None:
    await _calls_of_a(t, "GET", "")


@covers("POST", "/v1/consults/{call_id}/accept")
async def consult_accept(t: Tenancy) -> None:
    await _calls_of_a(t, "POST", "/accept")


@covers("POST", "/v1/consults/{call_id}/decline")
async def consult_decline(t: Tenancy) -> None:
    await _calls_of_a(t, "POST", "/decline")


@covers("POST", "/v1/consults/{call_id}/hangup")
async def consult_hangup(t: Tenancy) -> None:
    await _calls_of_a(t, "POST", "/hangup")


# ------------------------------------------------------------------ RTM over REST


@covers("POST", "/v1/rtm/channels/{ch}/messages")
async def rtm_publish(t: Tenancy) -> None:
    for cred in (b_key(t), b_viewer(t)):
        async with t.http(cred) as c:
            body = clean(t, await c.post(f"/v1/rtm/channels/{LIVE}/messages", json={"body": "acme chat"}))
            assert body["seq"] >= 1


@covers("GET", "/v1/rtm/channels/{ch}/messages")
async def rtm_history(t: Tenancy) -> None:
    for cred in (b_key(t), b_viewer(t)):
        async with t.http(cred) as c:
            clean(t, await c.get(f"/v1/rtm/channels/{LIVE}/messages", params={"limit": 1000}))


@covers("GET", "/v1/rtm/channels/{ch}/presence")
async def rtm_presence(t: Tenancy) -> None:
    # A's viewer-1 is connected to A's live-demo channel for the whole module (conftest)
    for cred in (b_key(t), b_viewer(t)):
        async with t.http(cred) as c:
            assert clean(t, await c.get(f"/v1/rtm/channels/{LIVE}/presence"))["members"] == []


@covers("POST", "/v1/rtm/channels/{ch}/moderation")
async def rtm_moderate(t: Tenancy) -> Then:
    async with t.http(b_host(t)) as c:
        for body in ({"action": "ban", "user": "viewer-5", "duration_s": 600},
                     {"action": "mute", "user": "viewer-6", "duration_s": 600},
                     {"action": "slow", "duration_s": 60}, {"action": "keywords", "words": ["hello"]},
                     {"action": "kick", "user": "viewer-1"}, {"action": "delete", "seq": 1}):
            clean(t, await c.post(f"/v1/rtm/channels/{LIVE}/moderation", json=body))

    async def a_still_chats() -> None:
        # B's ban, mute, slow mode and keyword filter are for B's channel only; B's kick left A's viewer-1 in
        for who in ("viewer-5", "viewer-6", "viewer-6"):
            await a_publishes(t, who, "hello from A")
        assert t.a_rtm is not None and t.a_rtm.open, "B's kick closed A's viewer-1"
    return a_still_chats


# ------------------------------------------------------------------ live commerce


@covers("POST", "/v1/live/{room}/pins")
async def live_pin(t: Tenancy) -> None:
    async with t.http(b_host(t)) as c:
        body = clean(t, await c.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}))
    assert body["card"]["name"] == f"Acme {SKU} en" and body["pinned"] == [SKU]


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
    assert order["order_id"] == t.a["sale_order_id"] and order["total"] != "0.00"
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
        assert _dec(q["price"]) == price
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


covered_elsewhere("WS", "/v1/signal", "test_signal_tenancy.py")  # H2's, with Janus
covered_elsewhere("WS", "/v1/rtm/ws", "test_socket_tenancy.py")
covered_elsewhere("WS", "/v1/agent/ws", "test_socket_tenancy.py")
covered_elsewhere("WS", "/v1/voice", "test_socket_tenancy.py")
