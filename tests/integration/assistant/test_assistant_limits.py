"""Abuse limits of the assistant transports (REST and the agent socket) with the real brain: open-session
rate and cap (refused, never evicting another shopper), message rate and size, the order-verification
lockout, deep JSON, and the socket closing when its token expires or is revoked."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from souk.api.bootstrap import provide
from souk.api.context import AppContext
from souk.api.errors import install_error_handlers
from souk.api.routes import agent
from souk.assistant.offline import OfflineBrain
from souk.assistant.service import AssistantService
from souk.assistant.store import StaticStore
from souk.auth.tokens import Role, TokenService
from souk.core.settings import Settings
from souk.domain.store import StoreSnapshot

SECRET = "s" * 40
Rig = tuple[TestClient, AppContext, TokenService]


@pytest.fixture
def make_rig(brain: OfflineBrain, snap: StoreSnapshot) -> Iterator[Callable[..., Rig]]:
    clients: list[TestClient] = []

    def make(**limits: Any) -> Rig:
        tokens = TokenService(SECRET)
        service = AssistantService(StaticStore(snap), embedder=brain._embedder)
        service._router = brain.router
        ctx = AppContext(settings=Settings(limits=limits), tokens=tokens, assistant=service)

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with AsyncExitStack() as stack:
                app.state.ctx = ctx
                await provide(ctx, stack, ["assistant"])
                stack.push_async_callback(service.aclose)
                yield

        app = FastAPI(lifespan=lifespan)
        install_error_handlers(app)
        app.include_router(agent.router)
        client = TestClient(app).__enter__()
        clients.append(client)
        return client, ctx, tokens

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def auth(tokens: TokenService, who: str, role: Role = Role.MEMBER, ttl_s: int | None = None) -> dict[str, str]:
    t = tokens.mint(merchant_id="lumen", identity=who, room="lobby", role=role, ttl_s=ttl_s)
    return {"Authorization": f"Bearer {t}"}


def refused(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code
    if status == 429:
        assert int(r.headers["Retry-After"]) >= 1 and err["details"]["retry_after"] >= 1
    return err


def test_open_sessions_are_capped_per_identity_and_never_evict_others(make_rig: Callable[..., Rig]) -> None:
    client, _, tokens = make_rig(assistant_sessions_per_identity=2)
    other = auth(tokens, "C-510")
    theirs = client.post("/v1/agent/sessions", headers=other, json={}).json()["session_id"]
    mine = auth(tokens, "C-518")
    sids = [client.post("/v1/agent/sessions", headers=mine, json={}).json()["session_id"] for _ in range(2)]
    refused(client.post("/v1/agent/sessions", headers=mine, json={}), 429, "too_many_sessions")
    # the other shopper's conversation is still there and answers
    r = client.post(f"/v1/agent/sessions/{theirs}/messages", headers=other, json={"text": "hello"})
    assert r.status_code == 200
    client.delete(f"/v1/agent/sessions/{sids[0]}", headers=mine)
    assert client.post("/v1/agent/sessions", headers=mine, json={}).status_code == 200
    with client.websocket_connect("/v1/agent/ws", headers=mine) as ws:  # the socket is capped the same way
        ws.send_json({"type": "auth", "token": mine["Authorization"].split()[1]})
        assert ws.receive_json()["code"] == "too_many_sessions"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4429


def test_opening_sessions_is_rate_limited(make_rig: Callable[..., Rig]) -> None:
    client, _, tokens = make_rig(assistant_open_identity={"count": 3, "per_s": 60})
    h = auth(tokens, "C-518")
    for _ in range(3):
        sid = client.post("/v1/agent/sessions", headers=h, json={}).json()["session_id"]
        client.delete(f"/v1/agent/sessions/{sid}", headers=h)
    err = refused(client.post("/v1/agent/sessions", headers=h, json={}), 429, "rate_limited")
    assert err["details"]["limit"] == "assistant_open" and 15 <= err["details"]["retry_after"] <= 20
    assert client.post("/v1/agent/sessions", headers=auth(tokens, "C-510"), json={}).status_code == 200


def test_messages_have_a_rate_and_a_size(make_rig: Callable[..., Rig]) -> None:
    client, _, tokens = make_rig(assistant_message_identity={"count": 2, "per_s": 60}, assistant_message_chars=100)
    h = auth(tokens, "C-518")
    sid = client.post("/v1/agent/sessions", headers=h, json={}).json()["session_id"]
    err = refused(client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "x" * 101}),
                  413, "message_too_large")
    assert err["details"]["max_chars"] == 100
    for _ in range(2):
        assert client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "hi"}).status_code == 200
    refused(client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "hi"}), 429, "rate_limited")
    # the socket answers the same codes in error frames and stays up
    t = auth(tokens, "C-503")["Authorization"].split()[1]
    with client.websocket_connect(f"/v1/agent/ws?token={t}") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "message", "text": "y" * 101})
        assert ws.receive_json()["code"] == "message_too_large"
        ws.send_json({"type": "message", "text": "hi"})
        ws.send_json({"type": "message", "text": "hi"})
        assert [ws.receive_json()["type"] for _ in range(2)] == ["reply", "reply"]
        ws.send_json({"type": "message", "text": "hi"})
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "rate_limited" and frame["details"]["retry_after"] >= 1
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_wrong_order_guesses_lock_out_verification(make_rig: Callable[..., Rig], snap: StoreSnapshot) -> None:
    client, _, tokens = make_rig(verify_failures=3, verify_lockout_s=600)
    order = snap.order("1036")
    assert order is not None
    owner = snap.customer(order.customer_id)
    assert owner is not None
    guest = auth(tokens, "guest-1", Role.GUEST)
    sid = client.post("/v1/agent/sessions", headers=guest, json={}).json()["session_id"]
    for n in range(3):
        r = client.post(f"/v1/agent/sessions/{sid}/messages", headers=guest,
                        json={"text": f"where is order 1036? my e-mail is guess{n}@example.com"})
        assert r.status_code == 200 and "1Z5760225209" not in r.text
    # the right e-mail now is refused: the 4th guess never reaches the order
    err = refused(client.post(f"/v1/agent/sessions/{sid}/messages", headers=guest,
                              json={"text": f"where is order 1036? my e-mail is {owner.email}"}), 429, "locked_out")
    assert 590 <= err["details"]["retry_after"] <= 600
    # a new guest token from the same address is locked out too; questions without an e-mail still work
    other = auth(tokens, "guest-2", Role.GUEST)
    sid2 = client.post("/v1/agent/sessions", headers=other, json={}).json()["session_id"]
    refused(client.post(f"/v1/agent/sessions/{sid2}/messages", headers=other,
                        json={"text": f"order 1036, e-mail {owner.email}"}), 429, "locked_out")
    ok = client.post(f"/v1/agent/sessions/{sid2}/messages", headers=other, json={"text": "what is your return policy?"})
    assert ok.status_code == 200
    # a signed-in shopper is not affected (their own orders need no e-mail proof)
    signed = auth(tokens, owner.id)
    sid3 = client.post("/v1/agent/sessions", headers=signed, json={}).json()["session_id"]
    r = client.post(f"/v1/agent/sessions/{sid3}/messages", headers=signed,
                    json={"text": f"where is my order 1036? ({owner.email})"})
    assert r.status_code == 200 and "1Z5760225209" in r.text


def test_right_guess_within_the_limit_still_works(make_rig: Callable[..., Rig], snap: StoreSnapshot) -> None:
    client, _, tokens = make_rig(verify_failures=3)
    order = snap.order("1036")
    owner = snap.customer(order.customer_id) if order else None
    assert owner is not None
    guest = auth(tokens, "guest-1", Role.GUEST)
    sid = client.post("/v1/agent/sessions", headers=guest, json={}).json()["session_id"]
    client.post(f"/v1/agent/sessions/{sid}/messages", headers=guest,
                json={"text": "where is order 1036? my e-mail is typo@example.com"})
    r = client.post(f"/v1/agent/sessions/{sid}/messages", headers=guest,
                    json={"text": f"where is order 1036? my e-mail is {owner.email}"})
    assert r.status_code == 200 and "1Z5760225209" in r.text


def test_deep_or_malformed_json_gets_an_error_frame_and_the_socket_stays_up(make_rig: Callable[..., Rig]) -> None:
    client, _, tokens = make_rig()
    t = auth(tokens, "C-503")["Authorization"].split()[1]
    with client.websocket_connect(f"/v1/agent/ws?token={t}") as ws:
        assert ws.receive_json()["type"] == "ready"
        for bad in ("[" * 2048, "[" * 970 + "]" * 970, '{"type":"message","text":' + "[" * 1000, "{nope"):
            ws.send_text(bad)
            assert ws.receive_json()["code"] == "bad_json"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_the_socket_closes_when_its_token_expires(make_rig: Callable[..., Rig]) -> None:
    client, _, tokens = make_rig()
    t = auth(tokens, "C-503", ttl_s=1)["Authorization"].split()[1]
    started = time.monotonic()
    with client.websocket_connect(f"/v1/agent/ws?token={t}") as ws:
        assert ws.receive_json()["type"] == "ready"
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "token_expired"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    assert time.monotonic() - started < 5


def test_the_socket_closes_when_its_token_is_revoked(make_rig: Callable[..., Rig]) -> None:
    client, ctx, tokens = make_rig()
    t = auth(tokens, "C-503")["Authorization"].split()[1]
    claims = tokens.verify(t)
    with client.websocket_connect(f"/v1/agent/ws?token={t}") as ws:
        assert ws.receive_json()["type"] == "ready"
        assert ctx.guard is not None
        client.portal.call(ctx.guard.revoke, claims.token_id, "lumen", claims.expires_at)  # type: ignore[union-attr]
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "token_revoked"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    r = client.post("/v1/agent/sessions", headers={"Authorization": f"Bearer {t}"}, json={})
    refused(r, 403, "token_revoked")


async def test_a_client_that_never_reads_is_cut_off_and_may_resume(
        brain: OfflineBrain, snap: StoreSnapshot, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Over a real socket: the agent socket gives up on a client that takes no frame for SEND_TIMEOUT_S
    (4429), keeps its conversation, and a new socket resumes it with ``?session=``."""
    import asyncio
    import json
    import threading

    import uvicorn
    import websockets

    from souk.bench.rawws import connect, flood
    from tests.fixtures.browser import free_port

    monkeypatch.setattr(agent, "SEND_TIMEOUT_S", 1.0)
    tokens = TokenService(SECRET)
    service = AssistantService(StaticStore(snap), embedder=brain._embedder)
    service._router = brain.router
    ctx = AppContext(settings=Settings(), tokens=tokens, assistant=service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = ctx
        yield
        await service.aclose()

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(agent.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server._serve(), name="uvicorn-agent")
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        t = tokens.mint(merchant_id="lumen", identity="C-518", room="lobby", role=Role.MEMBER)
        sock = await asyncio.to_thread(connect, "127.0.0.1", port, f"/v1/agent/ws?token={t}")
        stop = threading.Event()
        flooding = asyncio.ensure_future(asyncio.to_thread(
            flood, sock, b'{"type":"ping"}', seconds=60, stop=stop))  # pongs are small: many pings

        caplog.set_level("INFO", logger="souk.api.routes.agent")

        def serving() -> bool:
            return not any("does not read; cut off" in r.getMessage() for r in caplog.records)

        started = asyncio.get_running_loop().time()
        try:
            while serving() and asyncio.get_running_loop().time() - started < 30:
                await asyncio.sleep(0.2)
        finally:
            stop.set()
            await flooding
        assert not serving(), "the client that never reads was not cut off"
        assert len(service) == 1  # the conversation is kept for the client to resume
        sid = next(iter(service._conversations))
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/agent/ws?token={t}&session={sid}") as ws:
            ready = json.loads(await ws.recv())
            assert ready == {"type": "ready", "session_id": sid, "resumed": True}
            await ws.send(json.dumps({"type": "message", "text": "Where is my order 1036?"}))
            assert "1Z5760225209" in json.loads(await ws.recv())["text"]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
