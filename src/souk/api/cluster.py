"""The cluster pieces of one node, built by the composition root (docs/multinode.md).

- no ``redis_url``: one node; the bus and the shared state are this process's memory (the embedded default);
- ``redis_url``: the bus and the shared state are in Redis, shared by every node; with a ``node_id`` the node
  also beats its heartbeat and rooms are pinned to nodes (sticky routing: a signaling join of a room served by
  another live node is refused ``room_elsewhere``). Without a ``node_id`` there is no routing, and a warning.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from souk.cluster.bus import Bus, MemoryBus, RedisBus
from souk.cluster.nodes import Nodes, RoomRouter
from souk.cluster.state import MemoryState, MemoryStateStore, RedisState, SharedState
from souk.core.clock import Clock
from souk.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cluster:
    node_id: str
    bus: Bus
    state: SharedState
    shared: bool = False  # True: Redis, every node sees the bus and the state
    nodes: Nodes | None = None  # None: one node, or no node id
    router: RoomRouter | None = None


async def start_cluster(settings: Settings, stack: AsyncExitStack, clock: Clock) -> Cluster:
    if not settings.redis_url:
        bus: Bus = MemoryBus()
        state: SharedState = MemoryState(MemoryStateStore(clock))
        await bus.start()
        stack.push_async_callback(bus.aclose)
        return Cluster(settings.node_id, bus, state)
    bus = RedisBus(settings.redis_url, prefix="souk:bus")
    stack.push_async_callback(bus.aclose)
    await bus.start()
    state = RedisState(settings.redis_url, prefix="souk:state", clock=clock)
    stack.push_async_callback(state.aclose)
    if not settings.node_id:
        log.warning("redis_url is set but node_id is not: calls and the stage are shared, rooms are not pinned "
                    "to nodes; give every node its own SOUK_NODE_ID (docs/multinode.md)")
        return Cluster("", bus, state, shared=True)
    nodes = Nodes(state, settings.node_id, settings.server.base_url, clock=clock)
    stack.push_async_callback(nodes.aclose)
    await nodes.start()
    log.info("node %s joined the cluster at %s", settings.node_id, settings.server.base_url)
    return Cluster(settings.node_id, bus, state, shared=True, nodes=nodes, router=RoomRouter(nodes))
