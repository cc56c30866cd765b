"""Pinned products per live room: ordered, bounded, pure (no I/O)."""

from __future__ import annotations

from collections import OrderedDict

from souk.core.errors import Conflict, TooLarge

MAX_PINS_PER_ROOM = 10
MAX_ROOMS = 10_000

RoomKey = tuple[str, str]  # (merchant_id, room_id)


class PinBoard:
    """Which skus are pinned in each room, in pin order (the newest last)."""

    def __init__(self, *, max_pins: int = MAX_PINS_PER_ROOM, max_rooms: int = MAX_ROOMS) -> None:
        self._rooms: OrderedDict[RoomKey, list[str]] = OrderedDict()
        self._max_pins = max_pins
        self._max_rooms = max_rooms

    def pin(self, room: RoomKey, sku: str) -> bool:
        """Pin ``sku``; False if it was pinned already (idempotent)."""
        pins = self._rooms.get(room)
        if pins is None:
            if len(self._rooms) >= self._max_rooms:
                self._rooms.popitem(last=False)  # forget the longest-idle room
            pins = self._rooms[room] = []
        self._rooms.move_to_end(room)
        if sku in pins:
            return False
        if len(pins) >= self._max_pins:
            raise TooLarge(f"a room may pin at most {self._max_pins} products; unpin one first",
                           code="too_many_pins")
        pins.append(sku)
        return True

    def unpin(self, room: RoomKey, sku: str) -> bool:
        pins = self._rooms.get(room, [])
        if sku not in pins:
            return False
        pins.remove(sku)
        return True

    def pinned(self, room: RoomKey) -> tuple[str, ...]:
        return tuple(self._rooms.get(room, ()))

    def is_pinned(self, room: RoomKey, sku: str) -> bool:
        return sku in self._rooms.get(room, ())

    def require_pinned(self, room: RoomKey, sku: str) -> None:
        if not self.is_pinned(room, sku):
            raise Conflict(f"product {sku!r} is not pinned in this live room", code="not_pinned",
                           details={"sku": sku})

    def clear(self, room: RoomKey) -> None:
        self._rooms.pop(room, None)
