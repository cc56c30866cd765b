"""Tenant-scoped keys: every room a merchant names is that merchant's, even when another uses the same id.

Room ids are chosen by merchants (``live-demo``), so two merchants may use the same one; anything keyed by a
room (the signaling hub, the media plane's Janus rooms, consult calls, the live stage) keys by a
:class:`RoomKey` instead of the bare id.
"""

from __future__ import annotations

from dataclasses import dataclass

from souk.core.errors import BadRequest


@dataclass(frozen=True, slots=True, order=True)
class RoomKey:
    """One merchant's room: ``(merchant_id, room_id)``. Hashable, ordered, printed as ``merchant/room``."""

    merchant_id: str
    room_id: str

    def __post_init__(self) -> None:
        if not self.merchant_id or not self.room_id:
            raise BadRequest(f"a room key needs a merchant and a room id (got {self.merchant_id!r}, "
                             f"{self.room_id!r})")

    def __str__(self) -> str:
        return f"{self.merchant_id}/{self.room_id}"
