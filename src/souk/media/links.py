"""The media plane's links to its Janus nodes, as the audience cascade and its relays see them.

:class:`NodeLink` is one live connection to a node (its session and the VideoRoom control handle). The
cascade (souk.media.cascade) and the relays (souk.media.relays) need of the plane only what
:class:`PlaneLinks` names: the node pool, the clock, a live link to a node, a subscription on a chosen node
and the participant book-keeping. :class:`~souk.media.plane.MediaPlane` implements it, so neither module
imports the plane. Room secrets and PINs are derived per node, here, for all three.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from souk.core.clock import Clock
from souk.core.tenancy import RoomKey
from souk.media.client import JanusConnection, JanusSession
from souk.media.nodes import JanusNode, NodePool
from souk.media.roomids import room_secret
from souk.media.streaming import Viewer
from souk.media.videoroom import Publisher, RoomControl, Subscriber


class NodeLink:
    """A live connection to one node: its session and the control handle for room requests."""

    def __init__(self, node: JanusNode, conn: JanusConnection, session: JanusSession, control: RoomControl):
        self.node = node
        self.conn = conn
        self.session = session
        self.control = control

    @property
    def alive(self) -> bool:
        return self.conn.is_open and self.session.alive


class PlaneLinks(Protocol):
    """What the cascade and its relays need of the media plane."""

    @property
    def pool(self) -> NodePool: ...

    @property
    def clock(self) -> Clock: ...

    async def link(self, node_id: str) -> NodeLink:
        """The live link to a node, (re)connecting when needed."""

    async def subscribe_on(self, room: RoomKey, node_id: str, feeds: Sequence[int], wait_s: float, *,
                           on_close: Callable[[object], None]) -> Subscriber:
        """A VideoRoom subscription to ``feeds`` on ``node_id`` (the room's origin)."""

    def opened(self, p: Publisher | Subscriber | Viewer, node_id: str) -> None:
        """Count a participant opened on ``node_id``."""

    def closed_participant(self, p: object) -> None:
        """Forget a closed participant (idempotent)."""


def node_room_secret(node: JanusNode, room: RoomKey) -> str:
    """The secret of ``room``'s Janus room on ``node`` (derived from the node's keys, never sent to clients)."""
    return room_secret(room.merchant_id, room.room_id, node.admin_key or node.api_secret or "souk")


def node_room_pin(node: JanusNode, room: RoomKey) -> str:
    """The PIN that joining ``room``'s Janus room on ``node`` takes."""
    key = node.admin_key or node.api_secret or "souk"
    return room_secret(room.merchant_id, "pin:" + room.room_id, key)[:32]
