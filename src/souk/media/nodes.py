"""Janus nodes and a small pool that places rooms on them (first step toward many media nodes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from souk.core.errors import Unavailable
from souk.core.tenancy import RoomKey


@dataclass(frozen=True, slots=True)
class JanusNode:
    """How to reach one Janus: its API and admin WebSocket URLs and the secrets it was configured with."""

    node_id: str
    url: str
    region: str = "local"
    admin_url: str = ""
    api_secret: str = ""
    admin_secret: str = ""
    admin_key: str = ""
    # the address other nodes rtp_forward to when this node is an audience edge (where its mountpoints bind)
    relay_host: str = "127.0.0.1"


@dataclass(slots=True)
class NodeLoad:
    """Counters the placement uses; kept by the media plane as rooms and handles come and go."""

    rooms: int = 0
    handles: int = 0
    up: bool = True


@dataclass(slots=True)
class NodePool:
    """Known nodes, their load, and which node each room lives on (sticky once placed)."""

    _nodes: dict[str, JanusNode] = field(default_factory=dict)
    _load: dict[str, NodeLoad] = field(default_factory=dict)
    _rooms: dict[RoomKey, str] = field(default_factory=dict)

    def add(self, node: JanusNode) -> None:
        self._nodes[node.node_id] = node
        self._load.setdefault(node.node_id, NodeLoad())

    def replace(self, node: JanusNode) -> None:
        """Update a node's URLs/secrets in place (e.g. after an embedded restart)."""
        self._nodes[node.node_id] = node

    def remove(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)
        self._load.pop(node_id, None)
        self._rooms = {r: n for r, n in self._rooms.items() if n != node_id}

    def nodes(self) -> list[JanusNode]:
        return list(self._nodes.values())

    def get(self, node_id: str) -> JanusNode:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise Unavailable(f"unknown media node {node_id!r}") from None

    def load(self, node_id: str) -> NodeLoad:
        return self._load[node_id]

    def set_up(self, node_id: str, up: bool) -> None:
        if node_id in self._load:
            self._load[node_id].up = up

    def node_of(self, room: RoomKey) -> str | None:
        return self._rooms.get(room)

    def place(self, room: RoomKey, region: str | None = None) -> JanusNode:
        """The node hosting ``room``: where it already is, else the least-loaded up node (region first)."""
        if room in self._rooms and self._rooms[room] in self._nodes:
            return self._nodes[self._rooms[room]]
        candidates = [n for n in self._nodes.values() if self._load[n.node_id].up]
        if region is not None and any(n.region == region for n in candidates):
            candidates = [n for n in candidates if n.region == region]
        if not candidates:
            raise Unavailable("no media node is up")
        best = min(candidates, key=lambda n: (self._load[n.node_id].rooms, self._load[n.node_id].handles))
        self._rooms[room] = best.node_id
        self._load[best.node_id].rooms += 1
        return best

    def release(self, room: RoomKey) -> None:
        node_id = self._rooms.pop(room, None)
        if node_id is not None and node_id in self._load:
            self._load[node_id].rooms = max(0, self._load[node_id].rooms - 1)

    def rooms_on(self, node_id: str) -> list[RoomKey]:
        return [r for r, n in self._rooms.items() if n == node_id]
