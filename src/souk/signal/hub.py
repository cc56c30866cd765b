"""Who is connected, who is in which room, and fan-out of events to their sockets.

Every room is one merchant's (:class:`~souk.core.tenancy.RoomKey`): two merchants using the same room id are
two rooms here, with their own members, watchers and followers.

Every connection has a bounded outbound queue; a client that stops reading is cut off instead of
stalling everyone (``Outbox.push`` returns False and the socket is closed with ``slow_consumer``).

Backstage: a seller's console joins a consult room while the call still rings (camera published, a warm
subscription held, see docs/api.md, consult calls) as a ``backstage`` member: nobody is told of it and it is told of
nobody, its feed cannot be subscribed to and it can subscribe to nothing but its own warm connection. When the
call is accepted (:meth:`SignalHub.call_changed`) the seller who answered is seated: the room hears that they
joined and published, and they hear who is there; the server switches both sides' warm connections to the other's
feed itself before telling them of it (:mod:`souk.signal.seat`). The other
backstage members (someone else answered) are told ``room.closed`` (``answered_elsewhere``) and stay unseen.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from souk.core.errors import Conflict
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.ports import CallView, ConsentPort, PublisherPort

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 256
BACKSTAGE_MAX = 3  # sellers preparing for one call at once (each one holds a publisher in the media room)
# a publisher's reported round trip is told to the room when it moved this much (a live room may hold thousands)
UPLINK_STEP = 0.2
UPLINK_STEP_MS = 20
K = TypeVar("K")


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


class MemberSession(Protocol):
    """What the hub (and the stage routes) need of a member's signaling session."""

    outbox: Outbox
    publisher: PublisherPort | None

    @property
    def room(self) -> RoomKey | None: ...

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None: ...

    def release_room(self, room: RoomKey) -> None: ...

    async def leave(self, reason: str) -> None: ...

    async def leave_stage(self, reason: str) -> None: ...


@dataclass
class Member:
    identity: str
    role: str
    name: str
    session: MemberSession
    feed_id: int | None = None  # set once the publisher's PeerConnection is up
    audio: bool = False
    video: bool = False
    audio_muted: bool = False
    video_muted: bool = False
    quiet: bool = False  # a live-show viewer: gets feed events but is never announced to the room
    backstage: bool = False  # preparing for a call that rings: sees nobody, seen by nobody (module docstring)
    simulcast: bool = False  # its video is published as simulcast layers (a=simulcast in its offer)
    red: bool = False  # its audio is published as RFC 2198 RED (souk.signal.red)
    rtt_ms: int = 0  # its publishing connection's round trip, as it last reported it (``uplink``)
    hand: bool = False  # a raised hand (group calls: souk.signal.group)
    talking: bool = False  # the media server hears it talking (group calls: souk.signal.group)
    # a consult was answered: switch this member's warm subscription to the other side's feed, then push the
    # notices (souk.signal.seat); None: the notices are pushed at once
    on_seat: Callable[[str | None, list[m.ServerMessage]], None] | None = None

    def seat(self, feed: str | None, notices: list[m.ServerMessage]) -> None:
        if self.on_seat is not None:
            self.on_seat(feed, notices)
        else:
            for notice in notices:
                self.session.outbox.push(notice)

    @property
    def seen(self) -> bool:
        """Announced to the room (joins, feeds, mutes)."""
        return not (self.quiet or self.backstage)

    def info(self) -> m.ParticipantInfo:
        return m.ParticipantInfo(identity=self.identity, role=self.role, name=self.name, hand=self.hand,
                                 talking=self.talking)

    def feed(self) -> m.FeedInfo:
        return m.FeedInfo(participant=self.identity, audio=self.audio, video=self.video,
                          audio_muted=self.audio_muted, video_muted=self.video_muted, simulcast=self.simulcast,
                          rtt_ms=self.rtt_ms)


@dataclass
class RoomState:
    key: RoomKey
    members: dict[str, Member] = field(default_factory=dict)


def call_info(call: CallView, ring_timeout_s: float = 0.0) -> m.CallInfo:
    return m.CallInfo(
        call_id=call.id, room=call.room_id, shopper=call.shopper, state=call.state.value,  # type: ignore[arg-type]
        product_sku=call.product_sku, product_name=call.product_name, language=call.language,
        shopper_name=call.shopper_name, seller=call.seller, requested_at=call.requested_at,
        answered_at=call.answered_at or 0.0, ended_at=call.ended_at or 0.0, ring_timeout_s=ring_timeout_s,
        origin_room=call.origin_room, note=call.note, origin_cart=call.origin_cart,
        conversation_id=call.conversation_id,
    )


class SignalHub:
    def __init__(self, ring_timeout_s: float = 0.0) -> None:
        self._ring_timeout_s = ring_timeout_s
        # consent to recording, checked at the recorder (souk.signal.consent_gate; None: only hosts are recorded)
        self.consent: ConsentPort | None = None
        self.recording_watches: dict[tuple[str, str, str], Callable[[], None]] = {}  # (merchant, room, identity)
        self._consoles: dict[str, set[Outbox]] = defaultdict(set)  # merchant id -> staff sockets
        self._watchers: dict[RoomKey, set[Outbox]] = defaultdict(set)  # room-scoped sockets (call events)
        self.rooms: dict[RoomKey, RoomState] = {}
        # sessions holding subscriptions into a room they are not members of (live PK partner rooms)
        self._followers: dict[RoomKey, set[MemberSession]] = defaultdict(set)

    # ---- subscriptions ----
    def watch_console(self, merchant_id: str, box: Outbox) -> None:
        self._consoles[merchant_id].add(box)

    def watch_room(self, room: RoomKey, box: Outbox) -> None:
        self._watchers[room].add(box)

    def unwatch(self, box: Outbox) -> None:
        _discard(self._consoles, box)
        _discard(self._watchers, box)

    # ---- consult events (CallListener) ----
    def call_changed(self, call: CallView) -> None:
        """A call changed: the merchant's consoles and the watchers of that merchant's room hear it."""
        msg = m.CallEvent(call=call_info(call, self._ring_timeout_s))
        room = RoomKey(call.merchant_id, call.room_id)
        targets = set(self._consoles.get(call.merchant_id, ())) | set(self._watchers.get(room, ()))
        for box in targets:
            box.push(msg)
        if call.state.value == "accepted" and call.seller:
            self._seat(room, call.seller, call.shopper)

    def _seat(self, room: RoomKey, seller: str, shopper: str) -> None:
        """The call in ``room`` was answered by ``seller``: seat them if they wait backstage, and tell the
        other backstage members it was answered elsewhere."""
        state = self.rooms.get(room)
        if state is None:
            return
        for loser in [x for x in state.members.values() if x.backstage and x.identity not in (seller, shopper)]:
            loser.session.outbox.push(m.RoomClosed(room=room.room_id, reason="answered_elsewhere"))
        member = state.members.get(seller)
        if member is None or not member.backstage:
            return  # not prepared (they join now, as an ordinary member) or seated already
        member.backstage = False
        self.broadcast(room, m.ParticipantJoined(participant=member.info()), exclude=seller)
        others = [x for x in state.members.values() if x.identity != seller and x.seen]
        for other in others:
            member.session.outbox.push(m.ParticipantJoined(participant=other.info()))
        # the shopper's and the seller's warm subscriptions are switched to the other's feed by the server before
        # each hears of that feed (souk.signal.seat): the accept costs neither side a switch round trip
        if member.feed_id is not None:
            published = m.Published(feed=member.feed())
            for other in others:
                other.seat(seller if other.identity == shopper else None, [published])
        peer = state.members.get(shopper)
        member.seat(shopper if peer is not None and peer.seen and peer.feed_id is not None else None,
                    [m.Published(feed=x.feed()) for x in others if x.feed_id is not None])
        log.info("room %s: %s seated from backstage (%d in the room)", room, seller, len(others))

    # ---- room membership ----
    def add_member(self, room: RoomKey, member: Member) -> RoomState:
        if member.backstage and sum(
                1 for x in self.participants(room) if x.backstage and x.identity != member.identity) >= BACKSTAGE_MAX:
            raise Conflict(f"{BACKSTAGE_MAX} others already wait backstage for this call: accept it to join",
                           code=m.ErrorCode.BACKSTAGE_FULL)
        state = self.rooms.setdefault(room, RoomState(room))
        state.members[member.identity] = member
        if member.seen:
            self.broadcast(room, m.ParticipantJoined(participant=member.info()), exclude=member.identity)
        return state

    def remove_member(self, room: RoomKey, identity: str, session: MemberSession) -> None:
        state = self.rooms.get(room)
        if state is None:
            return
        member = state.members.get(identity)
        if member is None or member.session is not session:
            return  # a newer connection of the same identity replaced this one
        del state.members[identity]
        if member.feed_id is not None and not member.backstage:
            self.unpublished(room, identity)
        if member.seen:
            self.broadcast(room, m.ParticipantLeft(identity=identity))
        if not state.members:
            del self.rooms[room]

    def member(self, room: RoomKey, identity: str) -> Member | None:
        state = self.rooms.get(room)
        return state.members.get(identity) if state else None

    def require_seen(self, room: RoomKey | None, identity: str) -> None:
        """Refuse a subscription (``backstage``) to a member waiting backstage for a call that rings."""
        member = self.member(room, identity) if room is not None else None
        if member is not None and member.backstage:
            raise Conflict("waiting backstage: nobody to subscribe to until the call is accepted",
                           code=m.ErrorCode.BACKSTAGE)

    def participants(self, room: RoomKey) -> list[Member]:
        state = self.rooms.get(room)
        return list(state.members.values()) if state else []

    def viewers(self, room: RoomKey) -> int:
        """Members never announced to the room (live-show audience)."""
        state = self.rooms.get(room)
        return sum(1 for x in state.members.values() if x.quiet) if state else 0

    def unpublished(self, room: RoomKey, identity: str) -> None:
        """``identity``'s feed is gone: tell the room, and make every subscriber release its handle on it."""
        gone = self.member(room, identity)
        if gone is not None and gone.backstage:
            return  # nobody knew of it, nobody could subscribe to it
        self.broadcast(room, m.Unpublished(participant=identity), exclude=identity)
        state = self.rooms.get(room)
        for member in list(state.members.values()) if state else []:
            if member.identity != identity:
                member.session.release_feed(identity)
        for session in list(self._followers.get(room, ())):
            session.release_feed(identity, room)

    # ---- subscriptions across rooms (live PK) ----
    def follow(self, room: RoomKey, session: MemberSession) -> None:
        self._followers[room].add(session)

    def unfollow(self, room: RoomKey, session: MemberSession) -> None:
        followers = self._followers.get(room)
        if followers is not None:
            followers.discard(session)
            if not followers:
                del self._followers[room]

    def unlink(self, room_a: RoomKey, room_b: RoomKey) -> None:
        """A PK ended: every subscription of one room's members into the other room is released."""
        for here, there in ((room_a, room_b), (room_b, room_a)):
            for session in list(self._followers.get(there, ())):
                if session.room == here:
                    session.release_room(there)

    def broadcast(self, room: RoomKey, msg: m.ServerMessage, exclude: str = "", *, backstage: bool = False) -> None:
        """Send ``msg`` to the room's members (but ``exclude``); backstage members only with ``backstage``."""
        state = self.rooms.get(room)
        if state is None:
            return
        frame = m.encode(msg)  # once for the whole room (a live room may hold thousands of viewers)
        for member in state.members.values():
            if member.identity != exclude and (backstage or not member.backstage):
                member.session.outbox.push_frame(frame)

    def tell(self, room: RoomKey, identity: str, msg: m.ServerMessage) -> bool:
        member = self.member(room, identity)
        return member is not None and member.session.outbox.push(msg)

    def set_uplink(self, room: RoomKey, identity: str, rtt_ms: int) -> bool:
        """Record the round trip of ``identity``'s publishing connection; the room hears ``feed.link`` when it
        moved by ``UPLINK_STEP`` (a fraction, at least ``UPLINK_STEP_MS``) from what the room last heard.
        True when the room was told."""
        member = self.member(room, identity)
        if member is None:
            return False
        moved = abs(rtt_ms - member.rtt_ms) >= max(UPLINK_STEP_MS, UPLINK_STEP * member.rtt_ms)
        if not moved:
            return False
        member.rtt_ms = rtt_ms
        if member.seen and member.feed_id is not None:
            self.broadcast(room, m.FeedLink(participant=identity, rtt_ms=rtt_ms), exclude=identity)
        return True

    def set_muted(self, room: RoomKey, identity: str, kind: Literal["audio", "video"], muted: bool) -> None:
        """Record that ``identity``'s audio or video is muted (or not) and tell the room."""
        member = self.member(room, identity)
        if member is None:
            return
        if kind == "audio":
            member.audio_muted = muted
        else:
            member.video_muted = muted
        if member.backstage:
            return
        self.broadcast(room, m.MediaState(participant=identity, audio_muted=member.audio_muted,
                                          video_muted=member.video_muted))

    async def close_room(self, room: RoomKey, reason: str) -> None:
        """Tell every member, then make each leave the media room (releasing their Janus handles)."""
        self.broadcast(room, m.RoomClosed(room=room.room_id, reason=reason), backstage=True)
        for member in list(self.participants(room)):
            try:
                await member.session.leave(reason)
            except Exception:  # keep closing the others
                log.exception("leaving room %s for %s failed", room, member.identity)


def _discard(registry: dict[K, set[Outbox]], box: Outbox) -> None:
    for key in [k for k, boxes in registry.items() if box in boxes]:
        registry[key].discard(box)
        if not registry[key]:
            del registry[key]
