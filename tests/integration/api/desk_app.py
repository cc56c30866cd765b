"""A running Souk for the desk API tests: real uvicorn and SQLite (merchants lumen and acme seeded), the core
routes, the assistant's text routes (the session's warmed offline brain) and the desk; helpers to talk to it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from souk.api.context import AppContext
from souk.assistant.offline import OfflineBrain
from souk.assistant.service import AssistantService, CachedStore
from souk.core.settings import Settings, load_settings
from souk.data import demo_store_json
from tests.fixtures.browser import CORE_FEATURES, bound_listener

A, B = "lumen", "acme"
DESK_FEATURES = (*CORE_FEATURES, "souk.api.routes.agent", "souk.api.routes.desk")


def b_store() -> dict[str, Any]:
    text = json.dumps(demo_store_json()).replace("Lumen", "Acme").replace("lumen", "acme")
    data: dict[str, Any] = json.loads(text)
    data["store"].update(id=B)
    return data


@dataclass
class DeskSouk:
    settings: Settings
    ctx: AppContext
    base_url: str
    keys: dict[str, str]

    @property
    def ws_base(self) -> str:
        return self.base_url.replace("http://", "ws://")

    def token(self, identity: str, *, merchant: str = A, room: str = "lobby", role: str = "member",
              **kw: Any) -> str:
        return str(self.ctx.tokens.mint(merchant_id=merchant, identity=identity, room=room, role=role, **kw))

    def staff(self, identity: str, *, merchant: str = A, role: str = "agent") -> str:
        return self.token(identity, merchant=merchant, room="*", role=role, name=identity.title())

    def http(self, credential: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def ws(self, path: str, token: str, **query: str) -> Socket:
        q = "&".join(f"{k}={v}" for k, v in {"token": token, **query}.items())
        return Socket(await websockets.connect(f"{self.ws_base}{path}?{q}"))


@dataclass
class Socket:
    """A websockets client whose frames a reader task collects (so tests wait for a frame by predicate)."""

    ws: Any
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed_code: int | None = None
    _reader: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self._reader = asyncio.create_task(self._read(), name="desk-test-reader")

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                if isinstance(raw, str):
                    self.frames.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
        self.closed_code = self.ws.close_code

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0,
                       after: int = 0) -> dict[str, Any]:
        """The first frame from index ``after`` on that ``pred`` accepts."""
        deadline = time.monotonic() + timeout
        while True:
            for f in self.frames[after:]:
                if pred(f):
                    return f
            if time.monotonic() > deadline:
                raise AssertionError(f"no such frame within {timeout} s; last frames: {self.frames[-8:]}")
            await asyncio.sleep(0.01)

    async def wait_type(self, kind: str, timeout: float = 5.0, after: int = 0) -> dict[str, Any]:
        return await self.wait_for(lambda f: f.get("type") == kind, timeout, after)

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        assert self._reader is not None
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.closed_code

    async def aclose(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


@asynccontextmanager
async def desk_souk(data_dir: Path, brain: OfflineBrain, *, keys: dict[str, str] | None = None,
                    voice: Any = None, **overrides: Any) -> AsyncIterator[DeskSouk]:
    """Serve Souk on a free loopback port over the SQLite file in ``data_dir`` (seeded once: pass the first
    run's ``keys`` to a second app over the same file). ``voice``: a VoiceService for the voice route too."""
    import uvicorn

    from souk.api.app import create_app
    from souk.api.bootstrap import build_context
    from souk.storage import open_storage, seed_demo

    listener, port = bound_listener()
    settings = load_settings(None, data_dir=str(data_dir), demo=True,
                             server={"host": "127.0.0.1", "port": port}, **overrides)
    async with AsyncExitStack() as stack:
        storage = await open_storage(settings)
        stack.push_async_callback(storage.aclose)
        if keys is None:
            keys = {}
            for data in (None, b_store()):
                seed = await seed_demo(storage, data)
                assert seed.api_key is not None
                keys[seed.merchant_id] = seed.api_key
        ctx = await build_context(settings, stack, storage=storage, with_media=False)
        assistant = AssistantService(CachedStore(storage), embedder=brain._embedder, max_conversations=50)
        assistant._router = brain.router  # the session's warmed router
        stack.push_async_callback(assistant.aclose)
        ctx.assistant = assistant
        features = DESK_FEATURES
        if voice is not None:  # the voice route on the test's engine
            ctx.voice = voice
            features = (*DESK_FEATURES, "souk.api.routes.voice")
        app = create_app(settings, ctx=ctx, features=features)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server._serve(sockets=[listener]), name="uvicorn-desk")
        deadline = time.monotonic() + 15
        while not server.started:
            if task.done():
                task.result()
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            await asyncio.sleep(0.01)
        try:
            yield DeskSouk(settings=settings, ctx=ctx, base_url=f"http://127.0.0.1:{port}", keys=keys)
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 15)


async def put_agent(souk: DeskSouk, agent_id: str, *, merchant: str = A, languages: tuple[str, ...] = ("es", "en"),
                    capacity: int = 3, name: str = "") -> None:
    async with souk.http(souk.keys[merchant]) as c:
        r = await c.put(f"/v1/desk/agents/{agent_id}", json={
            "name": name or agent_id.title(), "capacity": capacity, "skills": {"languages": list(languages)}})
    assert r.status_code == 200, r.text


async def online_agent(souk: DeskSouk, agent_id: str, **kw: Any) -> Socket:
    """A staff member with a profile, on the desk socket, online."""
    await put_agent(souk, agent_id, **kw)
    sock = await souk.ws("/v1/desk/ws", souk.staff(agent_id))
    await sock.wait_type("hello")
    await sock.send(type="presence", presence="online")
    await sock.wait_for(lambda f: f.get("type") == "presence" and f["presence"] == "online")
    return sock
