"""REST and signaling auth against a real Souk (uvicorn + SQLite seeded with the demo store), no media."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets

from souk.auth.tokens import Privilege, TokenService
from tests.fixtures.browser import Souk


async def _ws_first(souk: Souk, query: str = "", first: dict[str, Any] | None = None) -> tuple[dict, Any]:
    async with websockets.connect(souk.ws_url + query) as ws:
        if first is not None:
            await ws.send(json.dumps(first))
        msg = json.loads(await ws.recv())
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            return msg, closed.rcvd
        return msg, None


def _client(souk: Souk, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=souk.base_url, headers=headers, timeout=10)


async def _mint(souk: Souk, **body: Any) -> str:
    async with _client(souk, souk.api_key) as c:
        r = await c.post("/v1/tokens", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def test_tokens_need_a_valid_api_key(souk: Souk) -> None:
    body = {"identity": "alice", "room": "*", "role": "agent"}
    async with _client(souk) as c:
        assert (await c.post("/v1/tokens", json=body)).json()["error"]["code"] == "api_key_missing"
    async with _client(souk, "sk_abc_def") as c:
        r = await c.post("/v1/tokens", json=body)
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_api_key"
    async with _client(souk, souk.api_key) as c:
        r = await c.post("/v1/tokens", json={**body, "ttl_s": 60, "privileges": ["subscribe"]})
        assert r.status_code == 200
        claims = souk.ctx.tokens.verify(r.json()["token"])
        assert (claims.merchant_id, claims.identity, claims.room) == ("lumen", "alice", "*")
        assert {p.value for p in claims.privileges} == {"subscribe"}
        assert claims.expires_at - claims.issued_at == 60
        bad = await c.post("/v1/tokens", json={**body, "role": "emperor"})
        assert bad.status_code == 422
        bad = await c.post("/v1/tokens", json={**body, "privileges": ["fly"]})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_privilege"
        r = await c.post("/v1/tokens", json={**body, "region": "ap-southeast"})
        assert souk.ctx.tokens.verify(r.json()["token"]).metadata == {"region": "ap-southeast"}
        bad = await c.post("/v1/tokens", json={**body, "region": "<b>"})
        assert bad.status_code == 422


async def test_rooms_crud_is_tenant_scoped(souk: Souk) -> None:
    async with _client(souk, souk.api_key) as c:
        r = await c.post("/v1/rooms", json={"kind": "live", "metadata": {"title": "Spring drop"}})
        assert r.status_code == 201, r.text
        room = r.json()
        assert room["kind"] == "live" and room["status"] == "open"
        assert (await c.get(f"/v1/rooms/{room['id']}")).json()["metadata"] == {"title": "Spring drop"}
        assert room["id"] in [x["id"] for x in (await c.get("/v1/rooms", params={"kind": "live"})).json()]
        closed = await c.post(f"/v1/rooms/{room['id']}/close")
        assert closed.json()["status"] == "closed"
        assert (await c.get("/v1/rooms/room_nope")).json()["error"]["code"] == "unknown_room"
        assert (await c.post("/v1/rooms", json={"kind": "disco"})).status_code == 422
        reserved = await c.post("/v1/rooms", json={"kind": "consult", "room_id": "lobby"})
        assert reserved.json()["error"]["code"] == "reserved_room_id"  # lobby tokens must never join a room
    # another merchant's staff token sees nothing of lumen's
    other = souk.ctx.tokens.mint(merchant_id="acme", identity="eve", room="*", role="agent")
    async with _client(souk, other) as c:
        r = await c.get(f"/v1/rooms/{room['id']}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_room"
        assert (await c.get("/v1/rooms")).json() == []
    # a room token reads its own room only; a shopper token cannot manage rooms
    own = await _mint(souk, identity="bob", room=room["id"], role="member")
    async with _client(souk, own) as c:
        assert (await c.get(f"/v1/rooms/{room['id']}")).status_code == 200
        assert (await c.get(f"/v1/rooms/{room['id']}/participants")).json() == []
        r = await c.post("/v1/rooms", json={"kind": "consult"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "staff_only"


async def test_demo_viewer_token_is_audience_of_the_live_demo_channel(souk: Souk) -> None:
    async with _client(souk) as c:
        viewer = (await c.post("/v1/demo/tokens", json={"as": "viewer"})).json()
        bad = await c.post("/v1/demo/tokens", json={"as": "emperor"})
    assert viewer["room"] == "live-demo" and viewer["role"] == "audience"
    claims = souk.ctx.tokens.verify(viewer["token"])
    assert claims.can(Privilege.CHAT) and not claims.can(Privilege.PUBLISH)
    assert bad.status_code == 422


async def test_consult_rest_flow_and_records(souk: Souk) -> None:
    async with _client(souk) as c:
        shopper = (await c.post("/v1/demo/tokens", json={"as": "shopper"})).json()
        seller = (await c.post("/v1/demo/tokens", json={"as": "seller"})).json()
    assert shopper["room"] == "lobby" and seller["room"] == "*"
    async with _client(souk, shopper["token"]) as c:
        r = await c.post("/v1/consults", json={"product_sku": "AP-1002", "language": "en"})
        assert r.status_code == 201, r.text
        call, room_token = r.json()["call"], r.json()["token"]
        assert call["state"] == "ringing" and call["product_name"] == "Waterproof Hiking Jacket"
        assert (await c.post("/v1/consults", json={"product_sku": "NOPE"})).json()["error"]["code"] in (
            "unknown_product", "call_in_progress")
        assert (await c.get("/v1/consults")).json()["error"]["code"] == "staff_only"
        r = await c.post(f"/v1/consults/{call['call_id']}/accept")
        assert r.status_code == 403  # shoppers cannot answer
    claims = souk.ctx.tokens.verify(room_token)
    assert claims.room == call["room"] and claims.role.value == "member"
    async with _client(souk, seller["token"]) as c:
        listing = (await c.get("/v1/consults")).json()
        assert [a["call_id"] for a in listing["active"]] == [call["call_id"]]
        r = await c.post(f"/v1/consults/{call['call_id']}/accept")
        assert r.status_code == 200 and r.json()["call"]["state"] == "accepted"
        seller_claims = souk.ctx.tokens.verify(r.json()["token"])
        assert seller_claims.room == call["room"] and seller_claims.role.value == "host"
    async with _client(souk, room_token) as c:
        r = await c.post(f"/v1/consults/{call['call_id']}/hangup")
        assert r.json()["call"]["state"] == "ended"
    async with _client(souk, seller["token"]) as c:
        recent = (await c.get("/v1/consults")).json()["recent"]
        assert recent[0]["id"] == call["call_id"] and recent[0]["outcome"] == "completed"
        assert recent[0]["seller"] == "seller-demo" and recent[0]["product_sku"] == "AP-1002"


async def test_demo_tokens_only_in_demo_mode(souk: Souk) -> None:
    souk.settings.demo = False
    try:
        async with _client(souk) as c:
            r = await c.post("/v1/demo/tokens", json={"as": "seller"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "demo_disabled"
    finally:
        souk.settings.demo = True


async def test_signaling_refuses_bad_tokens_with_clear_codes(souk: Souk, monkeypatch: pytest.MonkeyPatch) -> None:
    from souk.api.routes import signaling

    monkeypatch.setattr(signaling, "AUTH_TIMEOUT_S", 0.3)
    room = (await souk.ctx.storage.rooms.create("lumen", "consult")).id
    other_room = (await souk.ctx.storage.rooms.create("lumen", "consult")).id
    msg, closed = await _ws_first(souk)  # no token at all: refused once the auth window passes
    assert msg["code"] == "token_missing" and closed.code == 4401
    msg, closed = await _ws_first(souk, first={"type": "join", "room": room})
    assert msg["code"] == "token_missing" and closed.code == 4401
    msg, closed = await _ws_first(souk, "?token=garbage")
    assert msg["code"] == "token_invalid" and closed.code == 4401
    # expired: minted with the server's secret one hour in the past
    secret = souk.ctx.tokens._secret
    past = TokenService(secret, now=lambda: souk.ctx.clock.wall() - 7200)
    expired = past.mint(merchant_id="lumen", identity="bob", room=room, role="member", ttl_s=60)
    msg, closed = await _ws_first(souk, "?token=" + expired)
    assert msg["code"] == "token_expired" and closed.code == 4401
    # a forged token (another secret) is invalid
    forged = TokenService("x" * 40).mint(merchant_id="lumen", identity="bob", room=room, role="host")
    msg, _ = await _ws_first(souk, "?token=" + forged)
    assert msg["code"] == "token_invalid"
    # first-message auth works, and a token for another room cannot join this one
    token = await _mint(souk, identity="bob", room=other_room, role="member")
    async with websockets.connect(souk.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        welcome = json.loads(await ws.recv())
        assert welcome["type"] == "welcome" and welcome["room"] == other_room
        await ws.send(json.dumps({"type": "join", "room": room, "id": "1"}))
        assert json.loads(await ws.recv()) == {"type": "error", "id": "1", "code": "wrong_room",
                                               "message": "token is not valid for this room"}
    # another merchant's token, even a staff one, cannot join lumen's room (it does not exist for them)
    acme = souk.ctx.tokens.mint(merchant_id="acme", identity="eve", room="*", role="agent")
    async with websockets.connect(souk.ws_url + "?token=" + acme) as ws:
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "join", "room": room, "id": "2"}))
        err = json.loads(await ws.recv())
        assert (err["type"], err["code"]) == ("error", "unknown_room")


async def test_signaling_bad_input_gets_errors_and_the_socket_survives(souk: Souk) -> None:
    token = await _mint(souk, identity="bob", room="*", role="agent")
    limit = souk.settings.server.max_ws_message_bytes
    async with websockets.connect(souk.ws_url + "?token=" + token, max_size=2**22) as ws:
        assert json.loads(await ws.recv())["type"] == "welcome"
        cases = [
            ("{not json", "malformed"),
            (json.dumps({"type": "warp", "id": "w"}), "unknown_type"),
            (json.dumps({"type": "join", "id": "j"}), "malformed"),
            (json.dumps({"type": "publish", "sdp": "v=0", "id": "p"}), "not_joined"),
            (json.dumps({"type": "ping", "pad": "x" * (limit + 1)}), "too_large"),
            (json.dumps({"type": "join", "room": "room_does_not_exist", "id": "u"}), "unknown_room"),
            (json.dumps({"type": "answer", "sub": "sub_x", "sdp": "garbage", "id": "a"}), "not_joined"),
        ]
        for raw, code in cases:
            await ws.send(raw)
            reply = json.loads(await ws.recv())
            assert (reply["type"], reply["code"]) == ("error", code), (raw[:40], reply)
            assert reply["message"]
        await ws.send(json.dumps({"type": "ping", "id": "alive"}))
        assert json.loads(await ws.recv()) == {"type": "pong", "id": "alive"}


async def test_console_socket_rings_and_hears_the_outcome(souk: Souk) -> None:
    seller = souk.ctx.tokens.mint(merchant_id="lumen", identity="seller-demo", room="*", role="agent")
    shopper = souk.ctx.tokens.mint(merchant_id="lumen", identity="shopper_1", room="lobby", role="member")
    async with websockets.connect(souk.ws_url + "?token=" + seller) as console:
        assert json.loads(await console.recv())["type"] == "welcome"
        async with _client(souk, shopper) as c:
            r = await c.post("/v1/consults", json={"product_sku": "AP-1001", "language": "es"})
        call = r.json()["call"]
        ring = json.loads(await console.recv())
        assert ring["type"] == "call" and ring["call"]["state"] == "ringing"
        assert ring["call"]["call_id"] == call["call_id"] and ring["call"]["language"] == "es"
        async with websockets.connect(souk.ws_url + "?token=" + r.json()["token"]) as shopper_ws:
            assert json.loads(await shopper_ws.recv())["type"] == "welcome"
            assert json.loads(await shopper_ws.recv())["call"]["state"] == "ringing"  # current state on connect
            async with _client(souk, seller) as c:
                await c.post(f"/v1/consults/{call['call_id']}/decline")
            assert json.loads(await shopper_ws.recv())["call"]["state"] == "declined"
            assert json.loads(await console.recv())["call"]["state"] == "declined"


@pytest.mark.parametrize("path", ["/", "/shop/AP-1001", "/console", "/static/sdk/souk.js"])
async def test_pages_are_served(souk: Souk, path: str) -> None:
    async with _client(souk) as c:
        r = await c.get(path)
    assert r.status_code == 200
    if path == "/shop/AP-1001":
        assert "Linen Summer Dress" in r.text and "Video call the seller" in r.text


async def test_static_files_cannot_escape_the_static_dir(souk: Souk) -> None:
    async with _client(souk) as c:
        for path in ["/static/../render.py", "/static/%2e%2e/render.py", "/static/sdk/nope.js"]:
            assert (await c.get(path)).status_code == 404


async def test_welcome_advertises_the_configured_turn_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.browser import running_souk

    janus = {"turn_server": "turn.example.net:3478", "turn_user": "u", "turn_password": "p",
             "stun_server": "stun.example.net:3478"}
    async with running_souk(tmp_path / "souk", janus=janus) as s:
        token = s.ctx.tokens.mint(merchant_id="lumen", identity="bob", room="*", role="agent")
        async with websockets.connect(s.ws_url + "?token=" + token) as ws:
            welcome = json.loads(await ws.recv())
    assert welcome["ice_servers"] == [
        {"urls": "stun:stun.example.net:3478"},
        {"urls": "turn:turn.example.net:3478", "username": "u", "credential": "p"},
    ]


async def test_pages_escape_whatever_the_store_data_holds(souk: Souk) -> None:
    import dataclasses

    product = await souk.ctx.storage.catalog.get("lumen", "AP-1001")
    evil = dataclasses.replace(product, names={"en": '<script>alert("x")</script>'},
                               description='"><img src=x onerror=alert(1)>',
                               attributes={"<b>k</b>": "<i>v</i>"})
    await souk.ctx.storage.catalog.upsert("lumen", evil)
    async with _client(souk) as c:
        shop = (await c.get("/shop/AP-1001")).text
        index = (await c.get("/")).text
    for html in (shop, index):
        assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img src=x" not in shop and "&lt;img src=x onerror=alert(1)&gt;" in shop
    assert "<b>k</b>" not in shop and "<i>v</i>" not in shop
