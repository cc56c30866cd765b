"""Cases for the public routes, the operator API, tokens, rooms, consults and RTM over REST."""

from __future__ import annotations

from typing import Any

from tests.integration.tenancy.tenancy_app import (
    A_ONLY_ROOM,
    LIVE,
    SKU,
    A,
    B,
    Tenancy,
)
from tests.integration.tenancy.tenancy_registry import (
    A_ONLY_ROOM_2,
    Then,
    a_publishes,
    b_host,
    b_key,
    b_shopper,
    b_staff,
    b_viewer,
    clean,
    covers,
    not_found,
    refused_as_b,
)

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


@covers("GET", "/readyz", public=NO_STATE)
async def readyz(t: Tenancy) -> None:
    await _public_get(t, "/readyz", 200, 503)  # per-component status of the node, nothing of a merchant's


@covers("GET", "/metrics")
async def metrics(t: Tenancy) -> None:
    """The node's series (room and merchant labels of every merchant) are the operator's: no merchant
    credential opens them (docs/operate.md)."""
    for cred in (b_key(t), b_staff(t), b_host(t), t.keys[A]):
        async with t.http(cred) as c:
            r = await c.get("/metrics")
        assert clean(t, r, 401)["error"]["code"] == "metrics_token_invalid", r.text


@covers("GET", "/embed.js", public=NO_STATE)
async def embed_js(t: Tenancy) -> None:
    await _public_get(t, "/embed.js")  # the storefront embed's module: the same bytes for every merchant


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


# ------------------------------------------------------------------ webhooks (the merchant's endpoints and delivery log)

A_HOOK_URL = "https://a-secret.lumen.example/hook"  # carries the marker: an answer of B's showing it leaked it


async def _a_webhook(t: Tenancy) -> Then:
    """A's endpoint (made once, through A's key) with one logged delivery (its test event, which cannot reach
    that host); the returned check proves B changed nothing of it."""
    if "webhook_id" not in t.a:
        async with t.http(t.keys[A]) as c:
            made = (await c.post("/v1/webhooks", json={"url": A_HOOK_URL, "events": ["handoff"]})).json()
            t.a["webhook_id"], t.a["webhook_secret"] = made["id"], made["secret"]
            t.a["webhook_delivery_id"] = (await c.post(f"/v1/webhooks/{made['id']}/test")).json()["delivery_id"]
    async with t.http(t.keys[A]) as c:
        before = ((await c.get(f"/v1/webhooks/{t.a['webhook_id']}")).json(),
                  (await c.get(f"/v1/webhooks/{t.a['webhook_id']}/deliveries")).json())

    async def a_webhook_unchanged() -> None:
        async with t.http(t.keys[A]) as c:
            after = ((await c.get(f"/v1/webhooks/{t.a['webhook_id']}")).json(),
                     (await c.get(f"/v1/webhooks/{t.a['webhook_id']}/deliveries")).json())
        assert after == before, f"B changed A's webhook: {before} -> {after}"
        assert after[0]["secret_hint"] == "…" + t.a["webhook_secret"][-4:] and after[0]["active"] is True
    return a_webhook_unchanged


async def _webhook_of_a(t: Tenancy, method: str, suffix: str = "", body: Any = None) -> Then:
    then = await _a_webhook(t)
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            r = await c.request(method, f"/v1/webhooks/{t.a['webhook_id']}{suffix}", json=body)
            not_found(t, r, "webhook_endpoint_not_found")
    return then


@covers("GET", "/v1/webhooks")
async def webhooks_list(t: Tenancy) -> Then:
    then = await _a_webhook(t)
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            assert clean(t, await c.get("/v1/webhooks"))["webhooks"] == []
    return then


@covers("POST", "/v1/webhooks")
async def webhooks_create(t: Tenancy) -> Then:
    then = await _a_webhook(t)
    async with t.http(b_key(t)) as c:  # B's own endpoint: B's id and secret, and only B's in B's list
        made = clean(t, await c.post("/v1/webhooks", json={"url": "https://acme.example/hook", "events": ["handoff"]}),
                     201)
        assert made["id"] != t.a["webhook_id"] and made["secret"] != t.a["webhook_secret"]
        assert [w["id"] for w in clean(t, await c.get("/v1/webhooks"))["webhooks"]] == [made["id"]]
        assert (await c.delete(f"/v1/webhooks/{made['id']}")).status_code == 204
    return then


@covers("GET", "/v1/webhooks/{webhook_id}")
async def webhooks_get(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "GET")


@covers("PATCH", "/v1/webhooks/{webhook_id}")
async def webhooks_patch(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "PATCH", body={"url": "https://acme.example/stolen", "active": False})


@covers("DELETE", "/v1/webhooks/{webhook_id}")
async def webhooks_delete(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "DELETE")


@covers("POST", "/v1/webhooks/{webhook_id}/rotate-secret")
async def webhooks_rotate(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "POST", "/rotate-secret")


@covers("POST", "/v1/webhooks/{webhook_id}/test")
async def webhooks_test(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "POST", "/test")


@covers("GET", "/v1/webhooks/{webhook_id}/deliveries")
async def webhooks_deliveries(t: Tenancy) -> Then:
    return await _webhook_of_a(t, "GET", "/deliveries")


@covers("GET", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}")
async def webhooks_delivery(t: Tenancy) -> Then:
    then = await _a_webhook(t)
    delivery = t.a["webhook_delivery_id"]
    await _webhook_of_a(t, "GET", f"/deliveries/{delivery}")
    async with t.http(b_key(t)) as c:  # B's own endpoint with A's delivery id: not B's delivery either
        mine = clean(t, await c.post("/v1/webhooks", json={"url": "https://acme.example/h", "events": ["csat"]}), 201)
        not_found(t, await c.get(f"/v1/webhooks/{mine['id']}/deliveries/{delivery}"), "webhook_delivery_not_found")
        not_found(t, await c.post(f"/v1/webhooks/{mine['id']}/deliveries/{delivery}/retry"),
                  "webhook_delivery_not_found")
        assert (await c.delete(f"/v1/webhooks/{mine['id']}")).status_code == 204
    return then


@covers("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
async def webhooks_retry(t: Tenancy) -> Then:
    await _a_webhook(t)
    return await _webhook_of_a(t, "POST", f"/deliveries/{t.a['webhook_delivery_id']}/retry")
