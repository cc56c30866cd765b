"""A voice room as the platform stores it: the room's settings and its seat map (souk.domain.seats).

The seat map changes only through :meth:`VoiceRoomRepo.apply`, which runs the pure rules
(souk.domain.seat_rules) on the map read under the database's row lock and writes the result over the
version it read: two nodes changing seats at once serialize in the database, never in one process.
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from souk.core.errors import BadRequest
from souk.domain.seats import Actor, Change, Op, SeatMap, check_count

MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class VoiceRoomSpec:
    host_identity: str
    title: str = ""
    seats: int = 8
    free_seating: bool = False
    record: bool = False

    def __post_init__(self) -> None:
        check_count(self.seats)
        if not isinstance(self.host_identity, str) or not 0 < len(self.host_identity.strip()) <= 128:
            raise BadRequest("a voice room needs its host's identity (1..128 characters)", code="bad_voice_room")
        if not isinstance(self.title, str) or len(self.title) > MAX_TITLE:
            raise BadRequest(f"a title is at most {MAX_TITLE} characters", code="bad_voice_room")


@dataclass(frozen=True, slots=True)
class VoiceRoom:
    merchant_id: str
    room_id: str
    title: str
    host_identity: str
    record: bool
    seats: SeatMap
    created_at: dt.datetime
    updated_at: dt.datetime
    ended_at: dt.datetime | None = None

    @property
    def live(self) -> bool:
        return self.ended_at is None


class VoiceRoomRepo(Protocol):
    async def create(self, merchant_id: str, room_id: str, spec: VoiceRoomSpec) -> VoiceRoom:
        """The room (a ``rooms`` row of kind voice, made here if missing) and its empty seat map, in one
        transaction. 409 ``room_exists`` if the id is another kind of room or already a voice room."""
        ...

    async def get(self, merchant_id: str, room_id: str) -> VoiceRoom:
        """404 ``voice_room_not_found`` (also for another merchant's room of the same id)."""
        ...

    async def list(self, merchant_id: str, *, live_only: bool = True, limit: int = 100) -> builtins.list[VoiceRoom]:
        ...

    async def apply(self, merchant_id: str, room_id: str, actor: Actor, op: Op) -> tuple[VoiceRoom, Change]:
        """Run one seat operation atomically: the room after it and the change (no events: nothing written).
        409 ``room_ended`` once the room ended; the rules' own errors (souk.domain.seat_rules)."""
        ...

    async def end(self, merchant_id: str, room_id: str) -> tuple[VoiceRoom, Change]:
        """End the room: every seat emptied, hands and invitations dropped, the ``rooms`` row closed.
        Ending twice changes nothing the second time."""
        ...
