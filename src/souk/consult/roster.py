"""The AI as a member of a call room's signaling (souk.signal.hub): announced like a person who joined and
published audio, so the shopper's client subscribes to its voice; withdrawn when it leaves.

It has no socket: its seat discards what the room broadcasts, and when the room closes (the call ended)
the hub's ``leave`` reaches the attendant through the callback it gave.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.hub import Member, Outbox, SignalHub
from souk.signal.ports import PublisherPort

log = logging.getLogger(__name__)


class _Deaf(Outbox):
    """The seat's outbox: nobody reads it, so nothing is kept."""

    def push_frame(self, frame: bytes) -> bool:
        return True


class _Seat:
    """A MemberSession without a socket."""

    publisher: PublisherPort | None = None

    def __init__(self, room: RoomKey, leave: Callable[[str], Awaitable[None]]) -> None:
        self.outbox: Outbox = _Deaf(limit=1)
        self._room: RoomKey | None = room
        self._leave = leave

    @property
    def room(self) -> RoomKey | None:
        return self._room

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None:
        pass  # it subscribes through the media plane, not through signaling

    def release_room(self, room: RoomKey) -> None:
        pass

    async def leave(self, reason: str) -> None:
        await self._leave(reason)

    async def leave_stage(self, reason: str) -> None:
        pass  # never on a live stage


class HubRoster:
    """:class:`souk.consult.attendant.RoomRoster` over the signaling hub."""

    def __init__(self, hub: SignalHub) -> None:
        self._hub = hub
        self._seats: dict[tuple[RoomKey, str], _Seat] = {}

    def enter(self, room: RoomKey, identity: str, name: str, leave: Callable[[str], Awaitable[None]]) -> bool:
        held = self._hub.member(room, identity)
        if held is not None and held.session is not self._seats.get((room, identity)):
            return False  # a real participant of that identity: never replaced
        seat = _Seat(room, leave)
        self._seats[(room, identity)] = seat
        self._hub.add_member(room, Member(identity=identity, role="assistant", name=name, session=seat))
        return True

    def published(self, room: RoomKey, identity: str, feed_id: int) -> None:
        member = self._hub.member(room, identity)
        seat = self._seats.get((room, identity))
        if member is None or seat is None or member.session is not seat:
            return
        member.feed_id, member.audio, member.video = feed_id, True, False
        self._hub.broadcast(room, m.Published(feed=member.feed()), exclude=identity)

    def red(self, room: RoomKey, identity: str) -> bool:
        member = self._hub.member(room, identity)
        return member is not None and member.red

    def exit(self, room: RoomKey, identity: str) -> None:
        seat = self._seats.pop((room, identity), None)
        if seat is not None:
            seat._room = None
            self._hub.remove_member(room, identity, seat)
