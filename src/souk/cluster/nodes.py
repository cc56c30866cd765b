"""Which nodes are alive, and which node serves a room (sticky routing).

A room's signaling members, their Janus handles and the media room itself live in one node (its process and
its Janus), so every client of a room must reach the same node. The rule (docs/multinode.md):

- a room is pinned to a node: a consult room to the node that rang the call, a live room to the node where
  the show went live, any other room to the node of its first join;
- a signaling join on another node is refused with ``room_elsewhere``, naming the pinned node and its URL
  (the client connects there; a load balancer can route ``/v1/signal`` by the same pin);
- a pin to a node whose heartbeat stopped (killed, or stopped) is taken over by the node the client reached,
  so a host reconnecting to node B after node A died goes on from B;
- a room's pin goes when the room closes.

Keys: ``node:<node_id>`` (the node's public URL, expiring unless the node's heartbeat refreshes it) and
``pin:<merchant>/<room>`` (the node id).
"""

from __future__ import annotations

import logging
from typing import Protocol

from souk.cluster.state import SharedState
from souk.core.clock import Clock, SystemClock
from souk.core.errors import Conflict, Unavailable
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

HEARTBEAT_TTL_S = 6.0


class Nodes:
    """This node's heartbeat (``node:<id>`` = its URL, refreshed every third of ``ttl_s``) and the others'."""

    def __init__(self, state: SharedState, node_id: str, url: str, *, ttl_s: float = HEARTBEAT_TTL_S,
                 clock: Clock | None = None) -> None:
        if not node_id:
            raise ValueError("a node of a multi-node deployment needs a node id (SOUK_NODE_ID)")
        self.state = state
        self.node_id = node_id
        self.url = url
        self.ttl_s = ttl_s
        self._clock = clock or SystemClock()
        self._tasks = TaskOwner("nodes")
        self._closed = False

    async def start(self) -> None:
        await self.beat()
        self._tasks.spawn(self._beating(), "heartbeat")

    async def beat(self) -> None:
        await self.state.put(f"node:{self.node_id}", self.url.encode(), ttl_s=self.ttl_s)

    async def _beating(self) -> None:
        while True:
            await self._clock.sleep(self.ttl_s / 3)
            try:
                await self.beat()
            except Unavailable as exc:
                log.warning("node %s: heartbeat failed: %s", self.node_id, exc.message)

    async def url_of(self, node_id: str) -> str | None:
        """The URL of a live node; None when its heartbeat stopped."""
        raw = await self.state.get(f"node:{node_id}")
        return raw.decode() if raw is not None else None

    async def alive(self) -> dict[str, str]:
        return {k.removeprefix("node:"): v.decode() for k, v in (await self.state.scan("node:")).items()}

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        try:
            await self.state.delete(f"node:{self.node_id}")
        except Unavailable as exc:
            log.warning("node %s: could not withdraw its heartbeat (%s); it expires", self.node_id, exc.message)


def _pin_key(room: RoomKey) -> str:
    return f"pin:{room.merchant_id}/{room.room_id}"


class RoomRouter:
    """Pins rooms to nodes and refuses joins of rooms pinned to another live node (see the module doc)."""

    def __init__(self, nodes: Nodes) -> None:
        self.nodes = nodes
        self.state = nodes.state
        self.node_id = nodes.node_id

    async def owner(self, room: RoomKey) -> str | None:
        raw = await self.state.get(_pin_key(room))
        return raw.decode() if raw is not None else None

    async def pin(self, room: RoomKey) -> None:
        """Pin ``room`` to this node (a call rung here, a show going live here)."""
        async with self.state.lock([_pin_key(room)]):
            await self.state.put(_pin_key(room), self.node_id.encode())

    async def unpin(self, room: RoomKey) -> None:
        await self.state.delete(_pin_key(room))

    async def claim(self, room: RoomKey) -> str:
        """The node that serves ``room``: its pinned node while that node lives, else this node (pinned now)."""
        key = _pin_key(room)
        raw = await self.state.get(key)  # the common cases without the lock: pinned here, or to a live node
        if raw is not None:
            owner = raw.decode()
            if owner == self.node_id or await self.nodes.url_of(owner) is not None:
                return owner
        async with self.state.lock([key]):
            raw = await self.state.get(key)
            owner = raw.decode() if raw is not None else ""
            if owner and owner != self.node_id:
                if await self.nodes.url_of(owner) is not None:
                    return owner
                log.warning("room %s: node %s is gone; node %s takes the room over", room, owner, self.node_id)
            if owner != self.node_id:
                await self.state.put(key, self.node_id.encode())
            return self.node_id

    async def require_here(self, room: RoomKey) -> None:
        """Conflict ``room_elsewhere`` (details: node, url) when another live node serves ``room``."""
        owner = await self.claim(room)
        if owner == self.node_id:
            return
        url = await self.nodes.url_of(owner) or ""
        signal_url = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/v1/signal"
        raise Conflict(f"room {room.room_id} is served by node {owner}: connect to {signal_url}",
                       code="room_elsewhere", details={"node": owner, "url": url, "signal_url": signal_url})


class RoomDirectoryPort(Protocol):
    """What signaling asks of the room store (souk.signal.ports.RoomDirectory, restated: no import of signal)."""

    async def open_room_kind(self, merchant_id: str, room_id: str) -> str: ...

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None: ...

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None: ...


class RoutedRooms:
    """A room directory for signaling that first checks the room is served by this node (sticky routing)."""

    def __init__(self, inner: RoomDirectoryPort, router: RoomRouter) -> None:
        self._inner = inner
        self._router = router

    async def open_room_kind(self, merchant_id: str, room_id: str) -> str:
        kind = await self._inner.open_room_kind(merchant_id, room_id)  # unknown / closed rooms answer as before
        await self._router.require_here(RoomKey(merchant_id, room_id))
        return kind

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None:
        await self._inner.record_join(merchant_id, room_id, identity, role, name)

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None:
        await self._inner.record_leave(merchant_id, room_id, identity)

