"""Serve the voice route with uvicorn on a loopback port inside the test's event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from souk.api.context import AppContext
from souk.auth.tokens import TokenService
from souk.bench.agent.server import voice_app
from souk.core.settings import Settings

SECRET = "voice-test-secret-0123456789abcdef0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(*, voice: Any, brain: Any, extra: Any = None) -> AsyncIterator[tuple[str, TokenService]]:
    tokens = TokenService(SECRET)
    ctx = AppContext(settings=Settings(), tokens=tokens, assistant=brain, voice=voice)
    port = free_port()
    app = voice_app(ctx)
    if extra is not None:
        extra(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", ws_max_size=1 << 20))
    task = asyncio.create_task(server._serve(), name="uvicorn-voice")  # no signal handlers inside pytest
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    else:
        raise TimeoutError("uvicorn did not start")
    try:
        yield f"ws://127.0.0.1:{port}/v1/voice", tokens
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def shopper_token(tokens: TokenService, **kw: Any) -> str:
    return tokens.mint(merchant_id="m1", identity="cust_1", room="lobby", role=kw.pop("role", "member"), **kw)
