"""Who is connected, who is in which room, and fan-out of events to their sockets.

Every connection has a bounded outbound queue; a client that stops reading is cut off instead of
stalling everyone (``Outbox.push`` returns False and the socket is closed with ``slow_consumer``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from souk.signal import messages as m
from souk.consult.models import Call

if TYPE_CHECKING:
    from souk.signal.session import SignalSession

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 256


class Outbox:
    """A bounded queue of encoded frames for one socket."""

    def __init__(self, limit: int = OUTBOX_LIMIT) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=limit)
        self.overflowed = False

    def push(self, msg: m.ServerMessage) -> bool:
        return self.push_frame(m.encode(msg))

    def push_frame(self, frame: bytes) -> bool:
        """Queue an already-encoded frame (a broadcast encodes once for the whole room)."""
        if self.overflowed:
            return False
        try:
            self.queue.put_nowait(frame)
            return True
        except asyncio.QueueFull:
            self.overflowed = True
            return False

    def close(self) -> None:
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            self.overflowed = True


@dataclass
class Member:
    identity: str
    role: str
    name: str
    session: SignalSession
    feed_id: int | None = None  # set once the publisher's PeerConnection is up
    audio: bool = False
    video: bool = False
    audio_muted: bool = False
    video_muted: bool = False
    quiet: bool = False  # a live-show viewer: gets feed events but is never announced to the room

    def info(self) -> m.ParticipantInfo:
        return m.ParticipantInfo(identity=self.identity, role=self.role, name=self.name)

    def feed(self) -> m.FeedInfo:
        return m.FeedInfo(participant=self.identity, audio=self.audio, video=self.video,
                          audio_muted=self.audio_muted, video_muted=self.video_muted)


@dataclass
class RoomState:
    room_id: str
    merchant_id: str
    members: dict[str, Member] = field(default_factory=dict)


def call_info(call: Call, ring_timeout_s: float = 0.0) -> m.CallInfo:
    return m.CallInfo(
        call_id=call.id, room=call.room_id, shopper=call.shopper, state=call.state.value,  # type: ignore[arg-type]
        product_sku=call.product_sku, product_name=call.product_name, language=call.language,
        shopper_name=call.shopper_name, seller=call.seller, requested_at=call.requested_at,
        answered_at=call.answered_at or 0.0, ended_at=call.ended_at or 0.0, ring_timeout_s=ring_timeout_s,
        origin_room=call.origin_room, note=call.note, origin_cart=call.origin_cart,
    )


class SignalHub:
    def __init__(self, ring_timeout_s: float = 0.0) -> None:
        self._ring_timeout_s = ring_timeout_s
        self._consoles: dict[str, set[Outbox]] = defaultdict(set)
        self._watchers: dict[str, set[Outbox]] = defaultdict(set)
        self.rooms: dict[str, RoomState] = {}
        # sessions holding subscriptions into a room they are not members of (live PK partner rooms)
        self._followers: dict[str, set[SignalSession]] = defaultdict(set)

    # ---- subscriptions ----
    def watch_console(self, merchant_id: str, box: Outbox) -> None:
        self._consoles[merchant_id].add(box)

    def watch_room(self, room_id: str, box: Outbox) -> None:
        self._watchers[room_id].add(box)

    def unwatch(self, box: Outbox) -> None:
        for registry in (self._consoles, self._watchers):
            for key in [k for k, boxes in registry.items() if box in boxes]:
                registry[key].discard(box)
                if not registry[key]:
                    del registry[key]

    # ---- consult events (CallListener) ----
    def call_changed(self, call: Call) -> None:
        msg = m.CallEvent(call=call_info(call, self._ring_timeout_s))
        targets = set(self._consoles.get(call.merchant_id, ())) | set(self._watchers.get(call.room_id, ()))
        for box in targets:
            box.push(msg)

    # ---- room membership ----
    def add_member(self, room_id: str, merchant_id: str, member: Member) -> RoomState:
        room = self.rooms.setdefault(room_id, RoomState(room_id, merchant_id))
        room.members[member.identity] = member
        if not member.quiet:
            self.broadcast(room_id, m.ParticipantJoined(participant=member.info()), exclude=member.identity)
        return room

    def remove_member(self, room_id: str, identity: str, session: SignalSession) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        member = room.members.get(identity)
        if member is None or member.session is not session:
            return  # a newer connection of the same identity replaced this one
        del room.members[identity]
        if member.feed_id is not None:
            self.unpublished(room_id, identity)
        if not member.quiet:
            self.broadcast(room_id, m.ParticipantLeft(identity=identity))
        if not room.members:
            del self.rooms[room_id]

    def member(self, room_id: str, identity: str) -> Member | None:
        room = self.rooms.get(room_id)
        return room.members.get(identity) if room else None

    def participants(self, room_id: str) -> list[Member]:
        room = self.rooms.get(room_id)
        return list(room.members.values()) if room else []

    def viewers(self, room_id: str) -> int:
        """Members never announced to the room (live-show audience)."""
        room = self.rooms.get(room_id)
        return sum(1 for x in room.members.values() if x.quiet) if room else 0

    def unpublished(self, room_id: str, identity: str) -> None:
        """``identity``'s feed is gone: tell the room, and make every subscriber release its handle on it."""
        self.broadcast(room_id, m.Unpublished(participant=identity), exclude=identity)
        room = self.rooms.get(room_id)
        for member in list(room.members.values()) if room else []:
            if member.identity != identity:
                member.session.release_feed(identity)
        for session in list(self._followers.get(room_id, ())):
            session.release_feed(identity, room_id)

    # ---- subscriptions across rooms (live PK) ----
    def follow(self, room_id: str, session: SignalSession) -> None:
        self._followers[room_id].add(session)

    def unfollow(self, room_id: str, session: SignalSession) -> None:
        followers = self._followers.get(room_id)
        if followers is not None:
            followers.discard(session)
            if not followers:
                del self._followers[room_id]

    def unlink(self, room_a: str, room_b: str) -> None:
        """A PK ended: every subscription of one room's members into the other room is released."""
        for here, there in ((room_a, room_b), (room_b, room_a)):
            for session in list(self._followers.get(there, ())):
                if session.room_id == here:
                    session.release_room(there)

    def broadcast(self, room_id: str, msg: m.ServerMessage, exclude: str = "") -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        frame = m.encode(msg)  # once for the whole room (a live room may hold thousands of viewers)
        for member in room.members.values():
            if member.identity != exclude:
                member.session.outbox.push_frame(frame)

    def tell(self, room_id: str, identity: str, msg: m.ServerMessage) -> bool:
        member = self.member(room_id, identity)
        return member is not None and member.session.outbox.push(msg)

    def set_muted(self, room_id: str, identity: str, kind: Literal["audio", "video"], muted: bool) -> None:
        """Record that ``identity``'s audio or video is muted (or not) and tell the room."""
        member = self.member(room_id, identity)
        if member is None:
            return
        if kind == "audio":
            member.audio_muted = muted
        else:
            member.video_muted = muted
        self.broadcast(room_id, m.MediaState(participant=identity, audio_muted=member.audio_muted,
                                             video_muted=member.video_muted))

    async def close_room(self, room_id: str, reason: str) -> None:
        """Tell every member, then make each leave the media room (releasing their Janus handles)."""
        self.broadcast(room_id, m.RoomClosed(room=room_id, reason=reason))
        for member in list(self.participants(room_id)):
            try:
                await member.session.leave(reason)
            except Exception:  # keep closing the others
                log.exception("leaving room %s for %s failed", room_id, member.identity)
