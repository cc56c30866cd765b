"""``souk rtm node``: a standalone RTM node (``souk bench rtm`` is in souk.bench.rtm)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import signal
from typing import Any

from souk.core.errors import ConfigError
from souk.core.settings import Settings


def register(sub: Any, bench: Any) -> None:
    rtm = sub.add_parser("rtm", help="real-time messaging").add_subparsers(dest="rtm", required=True)
    node = rtm.add_parser("node", help="run one RTM node (picows WebSocket listener) until SIGTERM")
    node.add_argument("--host", default=None)
    node.add_argument("--port", type=int, default=None, help="listener port (default: settings rtm.port)")
    node.add_argument("--redis", default=None, help="Redis URL (default: settings redis_url; empty = embedded)")
    node.add_argument("--user-rate", type=float, default=None, help="messages a second per user")
    node.add_argument("--metrics-bind", default=None, metavar="HOST:PORT",
                      help="record metrics and serve GET /metrics there (default: settings metrics.bind; "
                           "empty: no metrics)")
    node.set_defaults(func=run_node)



def run_node(args: argparse.Namespace, settings: Settings) -> int:
    from souk.auth.tokens import TokenService
    from souk.rtm.config import RtmConfig
    from souk.rtm.node import start_node

    secret = settings.auth.token_secret.get_secret_value()
    if len(secret) < 32:
        raise ConfigError("souk rtm node needs auth.token_secret (SOUK_AUTH__TOKEN_SECRET, >= 32 chars)")
    tokens = TokenService(secret, issuer=settings.auth.issuer)
    config = RtmConfig.from_settings(settings.rtm)
    if args.user_rate is not None:
        config = dataclasses.replace(config, user_rate_per_s=args.user_rate, user_burst=args.user_rate * 2)
    redis_url = settings.redis_url if args.redis is None else args.redis
    port = settings.rtm.port if args.port is None else args.port
    host = args.host or settings.server.host

    async def main() -> None:
        from souk.api.errors import ws_close_code
        from souk.auth.guard import TokenGuard
        from souk.auth.revocation import revocations_from_settings

        settings.data_path.mkdir(parents=True, exist_ok=True)
        # the revocations the API nodes write (Redis, or this host's data_dir file): revoked tokens are
        # refused here too, and their connections close (4403)
        guard = TokenGuard(revocations_from_settings(redis_url, settings.data_path),
                           poll_s=settings.limits.revocation_poll_s)
        tokens.use_revocations(guard.is_revoked)
        await guard.start()
        node = await start_node(config, tokens, redis_url=redis_url, host=host, port=port,
                                sqlite_path=None if redis_url else str(settings.data_path / "rtm.db"),
                                node_id=settings.node_id, close_code=ws_close_code, guard=guard)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        stack = contextlib.AsyncExitStack()
        metrics_port = await _metrics(node, settings, args.metrics_bind, stack)
        gc.collect()
        gc.freeze()  # start-up objects leave the collector's view: shorter GC pauses on the hot path
        print(f"READY {node.port}" + (f" metrics {metrics_port}" if metrics_port else ""), flush=True)
        try:
            await stop.wait()
        finally:
            await stack.aclose()
            await node.aclose()
            await guard.aclose()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
    return 0


async def _metrics(node: Any, settings: Settings, bind: str | None, stack: contextlib.AsyncExitStack) -> int:
    """Metrics on this node (souk.core.metrics): frames in by type, the hub's counters; served on ``bind``."""
    bind = settings.metrics.bind if bind is None else bind
    if not bind or not settings.metrics.enabled:
        return 0
    from souk.api.metrics_boot import rtm_series, serve_bind
    from souk.core.metrics import Metrics

    metrics = Metrics(settings.node_id)
    node.service.metrics = metrics
    metrics.add_source("rtm", lambda: rtm_series(node.hub))
    return await serve_bind(metrics, bind, stack)
