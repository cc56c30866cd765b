"""What the consult service needs from the outside, as Protocols (storage, media, listeners)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from souk.consult.models import Call
from souk.core.tenancy import RoomKey
from souk.domain.calls import CallRecord


class CallStore(Protocol):
    """Persists rooms and call records for the consult flow (adapter over souk.storage)."""

    async def create_room(self, merchant_id: str, room_id: str, metadata: dict[str, str]) -> None: ...

    async def close_room(self, merchant_id: str, room_id: str) -> None: ...

    async def save_call(self, call: Call) -> None:
        """Insert or update the call record (idempotent on call.id)."""

    async def recent_calls(self, merchant_id: str, limit: int) -> list[CallRecord]: ...

    async def load_call(self, merchant_id: str, call_id: str) -> Call | None:
        """The call as its record says (the truth, whichever node changed it last); None: no such call."""

    async def open_calls(self) -> list[Call]:
        """Every merchant's calls ringing or running now, on any node."""

    async def interrupt_call(self, merchant_id: str, call_id: str) -> Call | None:
        """End a call whose node died as ``interrupted`` (conditional: None when it had ended already)."""


class CallBus(Protocol):
    """The cross-node bus (souk.cluster.bus.Bus) as the call flow uses it: topic ``calls``."""

    def subscribe(self, topic: str, handler: Callable[[str, bytes], None]) -> None: ...

    async def publish(self, topic: str, merchant_id: str, payload: bytes) -> None: ...


class NodeLiveness(Protocol):
    """Which nodes are alive (souk.cluster.nodes.Nodes): node id -> URL."""

    async def alive(self) -> dict[str, str]: ...


class RoomPins(Protocol):
    """Sticky routing (souk.cluster.nodes.RoomRouter): a call's room is served by the node that rang it."""

    async def pin(self, room: RoomKey) -> None: ...

    async def unpin(self, room: RoomKey) -> None: ...


class ProductNames(Protocol):
    async def product_name(self, merchant_id: str, sku: str, language: str) -> str | None:
        """The product's display name, or None when the merchant has no such product."""


class CallListener(Protocol):
    def call_changed(self, call: Call) -> None:
        """Told about every state change; must not block (enqueue and return)."""


class RoomCloser(Protocol):
    async def close_room(self, room: RoomKey, reason: str) -> None:
        """Make everyone leave the media room and release its media resources."""
