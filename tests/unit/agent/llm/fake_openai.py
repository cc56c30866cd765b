"""A local fake OpenAI-compatible chat server (aiohttp on 127.0.0.1) that plays a scripted list of answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

Answer = Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]]


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[dict[str, Any]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if not self.script:
            return web.json_response({"error": "script exhausted"}, status=500)
        return await self.script.pop(0)(request, body)


@asynccontextmanager
async def serve_chat(handle: Callable[[web.Request], Awaitable[web.StreamResponse]], *,
                     client_max_size: int = 1024 ** 2) -> AsyncIterator[str]:
    """``POST /v1/chat/completions`` answered by ``handle`` on a free loopback port; yields the base URL."""
    app = web.Application(client_max_size=client_max_size)
    app.router.add_post("/v1/chat/completions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    async with serve_chat(fake.handle) as fake.url:
        yield fake


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def sse(*chunks: str, done: bool = True, delay_s: float = 0.0) -> Answer:
    async def answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for c in chunks:
            if delay_s:
                await asyncio.sleep(delay_s)
            await resp.write(f"data: {c}\n\n".encode())
        if done:
            await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp
    return answer


def text_answer(*pieces: str) -> Answer:
    return sse(*[chunk({"content": p}) for p in pieces], chunk({}, "stop"))


def tool_answer(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> Answer:
    args = json.dumps(arguments)
    half = len(args) // 2
    return sse(
        chunk({"tool_calls": [{"index": 0, "id": call_id, "type": "function",
                               "function": {"name": name, "arguments": args[:half]}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[half:]}}]}),
        chunk({}, "tool_calls"),
    )


def status(code: int, text: str = "nope") -> Answer:
    async def answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        return web.json_response({"error": text}, status=code)
    return answer


def hang(seconds: float) -> Answer:
    async def answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.json_response({})
    return answer
