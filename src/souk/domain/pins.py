"""Pinned products of a live room: the rules as pure changes, and the port that keeps them.

A room's pins are an ordered tuple of skus (the newest last), at most ``MAX_PINS_PER_ROOM``; pinning a
pinned sku or unpinning one that is not pinned changes nothing. The pins themselves live in the database
(souk.storage.repos.pins: shared by every Souk node, kept across restarts), which applies these changes
under the room's row lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from souk.core.errors import BadRequest, Conflict, TooLarge

MAX_PINS_PER_ROOM = 10
MAX_SKU_LEN = 64

Pins = tuple[str, ...]
PinChange = Callable[[Pins], Pins]


def pin_to(sku: str, *, max_pins: int = MAX_PINS_PER_ROOM) -> PinChange:
    """The change pinning ``sku`` last: 400 ``bad_value``, 413 ``too_many_pins``; already pinned: no change."""
    if not isinstance(sku, str) or not sku or len(sku) > MAX_SKU_LEN:
        raise BadRequest(f"a pinned sku is 1-{MAX_SKU_LEN} characters", code="bad_value", details={"field": "sku"})

    def change(pins: Pins) -> Pins:
        if sku in pins:
            return pins
        if len(pins) >= max_pins:
            raise TooLarge(f"a room may pin at most {max_pins} products; unpin one first", code="too_many_pins")
        return (*pins, sku)

    return change


def unpin_from(sku: str) -> PinChange:
    """The change unpinning ``sku``; a sku that is not pinned: no change."""
    def change(pins: Pins) -> Pins:
        return tuple(p for p in pins if p != sku)

    return change


def not_pinned(sku: str) -> Conflict:
    return Conflict(f"product {sku!r} is not pinned in this live room", code="not_pinned", details={"sku": sku})


def require_pinned(pins: Pins, sku: str) -> None:
    """409 ``not_pinned`` unless ``sku`` is among ``pins``."""
    if sku not in pins:
        raise not_pinned(sku)


class PinRepo(Protocol):
    async def pinned(self, merchant_id: str, room_id: str) -> Pins:
        """The room's pins in pin order; () when none."""
        ...

    async def update(self, merchant_id: str, room_id: str, change: PinChange) -> tuple[Pins, Pins]:
        """Apply ``change`` under the room's lock; returns (before, after). An empty result deletes the row."""
        ...

    async def clear(self, merchant_id: str, room_id: str) -> None: ...
