"""REST and WebSocket transports of the assistant, in a tiny app with the real brain and real tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager

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


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET)


@pytest.fixture
def client(brain: OfflineBrain, snap: StoreSnapshot, tokens: TokenService) -> Iterator[TestClient]:
    service = AssistantService(StaticStore(snap), embedder=brain._embedder)
    service._router = brain.router  # reuse the session's warmed router
    ctx = AppContext(settings=Settings(), tokens=tokens, assistant=service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.ctx = ctx
            await provide(ctx, stack, ["assistant"])  # keeps the injected service
            stack.push_async_callback(service.aclose)
            yield

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(agent.router)
    with TestClient(app) as c:
        yield c


def token(tokens: TokenService, identity: str, role: Role = Role.MEMBER) -> dict[str, str]:
    t = tokens.mint(merchant_id="lumen", identity=identity, room="lobby", role=role)
    return {"Authorization": f"Bearer {t}"}


def test_rest_conversation(client: TestClient, tokens: TokenService) -> None:
    h = token(tokens, "C-518")
    sid = client.post("/v1/agent/sessions", headers=h, json={}).json()["session_id"]
    r = client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "Where is my order 1036?"})
    body = r.json()
    assert r.status_code == 200 and "1Z5760225209" in body["text"] and body["language"] == "en"
    assert body["tool_calls"][0]["name"] == "get_order" and body["cards"][0]["order_id"] == "1036"
    follow = client.post(f"/v1/agent/sessions/{sid}/messages", headers=h,
                         json={"text": "which carrier is it with?"}).json()
    assert "UPS" in follow["text"]
    assert client.delete(f"/v1/agent/sessions/{sid}", headers=h).json() == {"closed": True}
    assert client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "hi"}).status_code == 404


def test_rest_privacy_and_auth(client: TestClient, tokens: TokenService) -> None:
    assert client.post("/v1/agent/sessions", json={}).status_code == 401
    mine = token(tokens, "C-510")
    sid = client.post("/v1/agent/sessions", headers=mine, json={}).json()["session_id"]
    other = client.post(f"/v1/agent/sessions/{sid}/messages", headers=mine, json={"text": "Where is order 1036?"})
    assert "1Z5760225209" not in other.text
    thief = token(tokens, "C-518")
    stolen = client.post(f"/v1/agent/sessions/{sid}/messages", headers=thief, json={"text": "hi"})
    assert stolen.status_code == 404  # another shopper's conversation is not found, never forbidden
    guest = token(tokens, "C-518", Role.GUEST)  # a guest token is anonymous whatever its identity says
    gsid = client.post("/v1/agent/sessions", headers=guest, json={}).json()["session_id"]
    g = client.post(f"/v1/agent/sessions/{gsid}/messages", headers=guest, json={"text": "Where is my order 1036?"})
    assert "1Z5760225209" not in g.text and "e-mail" in g.json()["text"]


def test_rest_bad_input(client: TestClient, tokens: TokenService) -> None:
    h = token(tokens, "C-518")
    sid = client.post("/v1/agent/sessions", headers=h, json={}).json()["session_id"]
    big = client.post(f"/v1/agent/sessions/{sid}/messages", headers=h,
                      json={"text": "Where is my order 1036? " + "x" * 10_000})
    assert big.status_code == 200 and "1Z5760225209" in big.json()["text"]
    huge = client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "x" * 50_000})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "message_too_large"
    assert client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"nope": 1}).status_code == 422


def test_websocket_conversation(client: TestClient, tokens: TokenService) -> None:
    t = tokens.mint(merchant_id="lumen", identity="C-503", room="lobby", role=Role.MEMBER)
    with client.websocket_connect(f"/v1/agent/ws?token={t}") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "message", "text": "¿Dónde está mi pedido 1004?"})
        reply = ws.receive_json()
        assert reply["type"] == "reply" and reply["language"] == "es" and "1Z2591258060" in reply["text"]
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
        ws.send_text("{not json")
        assert ws.receive_json()["code"] == "bad_json"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["code"] == "binary_not_supported"
        ws.send_json({"type": "message", "text": "x" * 30_000})
        assert ws.receive_json()["code"] == "message_too_large"
        ws.send_json({"type": "message", "text": "I want to talk to a real person"})
        assert ws.receive_json()["handoff"] == "human"
        ws.send_json({"type": "bye"})


def test_websocket_auth(client: TestClient, tokens: TokenService) -> None:
    with client.websocket_connect("/v1/agent/ws") as ws:
        ws.send_json({"type": "hello"})
        assert ws.receive_json()["code"] == "token_missing"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    t = tokens.mint(merchant_id="lumen", identity="C-518", room="lobby", role=Role.MEMBER)
    with client.websocket_connect("/v1/agent/ws") as ws:
        ws.send_json({"type": "auth", "token": t})
        assert ws.receive_json()["type"] == "ready"


async def test_the_root_sets_the_assistant() -> None:
    ctx = AppContext(settings=Settings(), tokens=TokenService(SECRET))
    async with AsyncExitStack() as stack:
        await provide(ctx, stack, ["assistant"])
        assert isinstance(ctx.assistant, AssistantService)
        session = ctx.assistant.new_session(customer_id="C-518", channel="voice")  # the Brain protocol
        assert hasattr(session, "reply") and hasattr(session, "truncate_last_reply")
