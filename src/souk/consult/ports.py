"""What the consult service needs from the outside, as Protocols (storage, media, listeners)."""

from __future__ import annotations

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


class ProductNames(Protocol):
    async def product_name(self, merchant_id: str, sku: str, language: str) -> str | None:
        """The product's display name, or None when the merchant has no such product."""


class CallListener(Protocol):
    def call_changed(self, call: Call) -> None:
        """Told about every state change; must not block (enqueue and return)."""


class RoomCloser(Protocol):
    async def close_room(self, room: RoomKey, reason: str) -> None:
        """Make everyone leave the media room and release its media resources."""
