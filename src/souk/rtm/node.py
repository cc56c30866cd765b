"""Wiring of one RTM node: broker (memory+SQLite or Redis) -> hub -> service -> picows listener.

Used by the API's composition root (souk.api.bootstrap) and by ``souk rtm node`` (a standalone RTM process,
e.g. a second node sharing Redis). Only entry points call this.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from souk.auth.guard import TokenGuard
from souk.auth.tokens import TokenService
from souk.core.clock import Clock, SystemClock
from souk.core.ids import new_id
from souk.rtm.broker import Broker
from souk.rtm.config import RtmConfig
from souk.rtm.hub import Hub
from souk.rtm.memory import MemoryBroker
from souk.rtm.redis_broker import RedisBroker
from souk.rtm.server import CloseCode, RtmServer, default_close_code
from souk.rtm.service import RtmService
from souk.rtm.sqlite_log import SqliteLog

log = logging.getLogger(__name__)


@dataclass
class RtmNode:
    """A running RTM node; ``aclose()`` is idempotent."""

    broker: Broker
    hub: Hub
    service: RtmService
    server: RtmServer | None
    _closed: bool = False

    @property
    def port(self) -> int:
        return self.server.port if self.server else 0

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.server is not None:
            await self.server.aclose()
        await self.hub.aclose()
        await self.broker.aclose()


def make_broker(*, redis_url: str, sqlite_path: str | None, clock: Clock | None = None) -> Broker:
    if redis_url:
        return RedisBroker(redis_url, clock=clock)
    return MemoryBroker(log=SqliteLog(sqlite_path) if sqlite_path else None, clock=clock)


async def start_node(config: RtmConfig, tokens: TokenService, *, redis_url: str = "",
                     sqlite_path: str | None = None, host: str = "127.0.0.1", port: int | None = 0,
                     node_id: str = "", close_code: CloseCode = default_close_code,
                     clock: Clock | None = None, guard: TokenGuard | None = None) -> RtmNode:
    """Start a node; ``port=None`` means no dedicated listener (the ASGI endpoint serves clients)."""
    clock = clock or SystemClock()
    broker = make_broker(redis_url=redis_url, sqlite_path=sqlite_path, clock=clock)
    hub = Hub(broker, node_id=node_id or new_id("node"), tick_s=config.tick_s, queue_limit=config.queue_limit,
              high_water=config.high_water, heartbeat_s=config.heartbeat_s,
              presence_ttl_s=config.presence_ttl_s, clock=clock)
    service = RtmService(broker, hub, config, clock=clock)
    node = RtmNode(broker, hub, service, None)
    try:
        await hub.start()
        if port is not None:
            node.server = RtmServer(service, tokens, host=host, port=port, close_code=close_code, guard=guard)
            await node.server.start()
    except BaseException:
        await node.aclose()
        raise
    return node
