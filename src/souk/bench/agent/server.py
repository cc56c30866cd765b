"""The voice server of ``souk bench agent``, run in a subprocess of its own.

``python -m souk.bench.agent.server serve ...``: uvicorn with the voice route, the real engine and the chosen
brain, so the paced client and the server do not share one interpreter. :func:`voice_app` also serves the
integration tests' voice server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from souk.core.settings import load_settings


def voice_app(ctx: Any) -> Any:
    """A FastAPI app serving only the voice route on ``ctx`` (used by the bench server and tests)."""
    from fastapi import FastAPI

    from souk.api.bootstrap import provide
    from souk.api.errors import install_error_handlers
    from souk.api.routes import voice

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await provide(ctx, stack, ["voice"])  # keeps the voice service and brain that ctx holds
            app.state.ctx = ctx
            yield

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(voice.router)
    return app


async def _assistant_brain(ctx: Any, stack: AsyncExitStack) -> Any:
    """The real commerce brain, built the way the app builds it (souk.api.bootstrap)."""
    from souk.api.bootstrap import provide

    await provide(ctx, stack, ["assistant"])
    if ctx.assistant is None:
        raise RuntimeError("souk.api.bootstrap.provide did not set ctx.assistant")
    return ctx.assistant


def serve_main(argv: list[str]) -> int:
    """``python -m souk.bench.agent.server serve --port P --secret S --brain B``: the bench's server process."""
    import uvicorn

    from souk.agent.factory import build_voice_engine
    from souk.agent.service import VoiceService
    from souk.api.context import AppContext
    from souk.auth.tokens import TokenService
    from souk.core.logging import configure_logging

    p = argparse.ArgumentParser(prog="python -m souk.bench.agent.server serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--brain", choices=("assistant", "canned"), default="canned")
    args = p.parse_args(argv)
    settings = load_settings()
    if args.brain == "assistant" and not settings.demo:
        # the bench talks to the demo store's merchant: demo mode lets the assistant fall back to the bundled
        # demo store when this data dir does not hold it (the same as `souk demo`)
        settings = settings.model_copy(update={"demo": True})
    configure_logging("WARNING")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            ctx = AppContext(settings=settings, tokens=TokenService(args.secret))
            engine = build_voice_engine(settings)
            ctx.voice = VoiceService.of(engine, max_sessions=16)
            stack.push_async_callback(engine.aclose)
            if args.brain == "assistant":
                await _assistant_brain(ctx, stack)
            else:
                from souk.bench.agent.canned import CannedBrain

                ctx.assistant = CannedBrain()
            config = uvicorn.Config(voice_app(ctx), host="127.0.0.1", port=args.port, log_level="warning",
                                    lifespan="on", ws_max_size=1 << 20)
            server = uvicorn.Server(config)
            print("READY", flush=True)
            await server.serve()

    asyncio.run(main())
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        sys.exit(serve_main(sys.argv[2:]))
    print("usage: python -m souk.bench.agent.server serve --port P --secret S [--brain canned|assistant]", file=sys.stderr)
    sys.exit(2)
