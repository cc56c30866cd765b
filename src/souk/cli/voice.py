"""``souk bench agent``: the voice pipeline over its real WebSocket transport, with synthesized speech.

The server runs in a subprocess (``python -m souk.cli.voice serve ...``: uvicorn with the voice route, the
real engine and the chosen brain) so the paced client and the server do not share one interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from souk.core.settings import Settings, load_settings


def register(sub: Any, bench: Any) -> None:
    b = bench.add_parser("agent", help="voice-to-voice latency, barge-in, WER, concurrency of the voice agent")
    b.add_argument("--json", action="store_true", help="print only the JSON result")
    b.add_argument("--brain", choices=("auto", "assistant", "canned"), default="auto",
                   help="auto: the commerce assistant when it is installed, else a canned brain")
    b.add_argument("--rounds", type=int, default=2, help="times each utterance is spoken (single session)")
    b.add_argument("--sessions", type=int, default=4, help="concurrent sessions in the concurrency phase")
    b.add_argument("--bargeins", type=int, default=10, help="barge-in trials")
    b.add_argument("--echo-db", type=float, default=-26.0, help="level of the agent's voice leaking back")
    b.add_argument("--echo-s", type=float, default=30.0, help="seconds of echo-only listening for false barge-ins")
    b.set_defaults(func=run_bench)


def voice_app(ctx: Any) -> Any:
    """A FastAPI app serving only the voice route on ``ctx`` (used by the bench server and tests)."""
    from fastapi import FastAPI

    from souk.api.errors import install_error_handlers
    from souk.api.routes import voice

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.ctx = ctx
            await voice.start(ctx, stack)
            yield

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(voice.router)
    return app


async def _assistant_brain(ctx: Any, stack: AsyncExitStack) -> Any:
    """The real commerce brain, wired the way the app wires it (souk.api.routes.agent.start)."""
    from souk.api.routes import agent as agent_route  # type: ignore[attr-defined]

    await agent_route.start(ctx, stack)
    if ctx.assistant is None:
        raise RuntimeError("souk.api.routes.agent.start did not set ctx.assistant")
    return ctx.assistant


def serve_main(argv: list[str]) -> int:
    """``python -m souk.cli.voice serve --port P --secret S --brain B``: the bench's server process."""
    import uvicorn

    from souk.agent.factory import build_voice_engine
    from souk.agent.service import VoiceService
    from souk.api.context import AppContext
    from souk.auth.tokens import TokenService
    from souk.core.logging import configure_logging

    p = argparse.ArgumentParser(prog="python -m souk.cli.voice serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--brain", choices=("assistant", "canned"), default="canned")
    args = p.parse_args(argv)
    settings = load_settings()
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
                from souk.agent.bench.canned import CannedBrain

                ctx.assistant = CannedBrain()
            config = uvicorn.Config(voice_app(ctx), host="127.0.0.1", port=args.port, log_level="warning",
                                    lifespan="on", ws_max_size=1 << 20)
            server = uvicorn.Server(config)
            print("READY", flush=True)
            await server.serve()

    asyncio.run(main())
    return 0


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.agent.bench.runner import BenchOptions, run

    brain = args.brain
    if brain == "auto":
        import importlib.util

        brain = "assistant" if importlib.util.find_spec("souk.api.routes.agent") is not None else "canned"
    opts = BenchOptions(brain=brain, rounds=args.rounds, sessions=args.sessions, bargeins=args.bargeins,
                        echo_db=args.echo_db, echo_s=args.echo_s)
    result = asyncio.run(run(opts, settings, log=None if args.json else sys.stderr))
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        sys.exit(serve_main(sys.argv[2:]))
    print("usage: python -m souk.cli.voice serve --port P --secret S [--brain canned|assistant]", file=sys.stderr)
    sys.exit(2)
