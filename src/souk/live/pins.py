"""Pinned products per live room.

The rules (ordered, at most ``MAX_PINS_PER_ROOM``, idempotent) are pure changes in souk.domain.pins; the
pins themselves live in the database (storage.pins, souk.storage.repos.pins), so every Souk node sees the
same pins and a restart keeps them. ``PinBoard`` is the same rules over an in-process map (bounded, LRU),
for tests and tools.
"""

from __future__ import annotations

from collections import OrderedDict

from souk.domain.pins import MAX_PINS_PER_ROOM, Pins, not_pinned, pin_to, unpin_from

MAX_ROOMS = 10_000

RoomKey = tuple[str, str]  # (merchant_id, room_id)

__all__ = ["MAX_PINS_PER_ROOM", "MAX_ROOMS", "PinBoard", "RoomKey", "require_pinned"]


def require_pinned(pins: Pins, sku: str) -> None:
    """409 ``not_pinned`` unless ``sku`` is among ``pins``."""
    if sku not in pins:
        raise not_pinned(sku)


class PinBoard:
    """Which skus are pinned in each room, in pin order (the newest last), in this process only."""

    def __init__(self, *, max_pins: int = MAX_PINS_PER_ROOM, max_rooms: int = MAX_ROOMS) -> None:
        self._rooms: OrderedDict[RoomKey, Pins] = OrderedDict()
        self._max_pins = max_pins
        self._max_rooms = max_rooms

    def pin(self, room: RoomKey, sku: str) -> bool:
        """Pin ``sku``; False if it was pinned already (idempotent)."""
        before = self._rooms.get(room, ())
        after = pin_to(sku, max_pins=self._max_pins)(before)
        if room not in self._rooms and len(self._rooms) >= self._max_rooms:
            self._rooms.popitem(last=False)  # forget the longest-idle room
        self._rooms[room] = after
        self._rooms.move_to_end(room)
        return after != before

    def unpin(self, room: RoomKey, sku: str) -> bool:
        before = self._rooms.get(room)
        if before is None:
            return False
        self._rooms[room] = unpin_from(sku)(before)
        return self._rooms[room] != before

    def pinned(self, room: RoomKey) -> Pins:
        return self._rooms.get(room, ())

    def is_pinned(self, room: RoomKey, sku: str) -> bool:
        return sku in self._rooms.get(room, ())

    def require_pinned(self, room: RoomKey, sku: str) -> None:
        require_pinned(self.pinned(room), sku)

    def clear(self, room: RoomKey) -> None:
        self._rooms.pop(room, None)
