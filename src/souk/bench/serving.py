"""Serve an app on uvicorn inside a bench run: started (or its failure raised) before the body runs, stopped after;
and the demo-seeded Souk the API benches (abuse, voice-room seat ops) run against."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@asynccontextmanager
async def running_uvicorn(app: Any, port: int, name: str, *, start_timeout_s: float = 30.0,
                          **config: Any) -> AsyncIterator[None]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           **config))
    task = asyncio.create_task(server.serve(), name=name)
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not start within {start_timeout_s:.0f} s")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class SeededSouk:
    """A Souk with the demo store seeded in a fresh SQLite database, serving on loopback without a media plane."""

    url: str
    port: int
    rtm_port: int
    settings: Any
    ctx: Any
    seed: Any

    def mint(self, identity: str, room: str, role: str) -> str:
        return str(self.ctx.tokens.mint(merchant_id=self.seed.merchant_id, identity=identity, room=room, role=role))


@asynccontextmanager
async def seeded_souk(data_dir: Path, features: tuple[str, ...], name: str, *, ws_max_size_factor: int | None = None,
                      **overrides: Any) -> AsyncIterator[SeededSouk]:
    """Serve ``features`` of a demo-seeded Souk (``overrides``: settings sections) in this event loop."""
    from souk.api.app import create_app
    from souk.api.bootstrap import build_context
    from souk.core.settings import load_settings
    from souk.storage import open_storage, seed_demo

    port, rtm_port = free_port(), free_port()
    settings = load_settings(None, data_dir=str(data_dir), demo=True, server={"host": "127.0.0.1", "port": port},
                             rtm={"port": rtm_port}, **overrides)
    async with AsyncExitStack() as stack:
        storage = await open_storage(settings)
        stack.push_async_callback(storage.aclose)
        seed = await seed_demo(storage)
        if seed.api_key is None:
            raise RuntimeError("the fresh demo store minted no API key")
        ctx = await build_context(settings, stack, storage=storage, with_media=False)
        app = create_app(settings, ctx=ctx, features=features)
        config = {} if ws_max_size_factor is None else {
            "ws_max_size": ws_max_size_factor * settings.server.max_ws_message_bytes}
        async with running_uvicorn(app, port, name, **config):
            yield SeededSouk(f"http://127.0.0.1:{port}", port, rtm_port, settings, ctx, seed)
