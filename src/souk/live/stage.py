"""The live stage: shows, the host and co-hosts on camera, raised hands, stage grants and PK links.

Pure state on an injected clock: no I/O except awaiting the listeners (recording) on show start/end and
feed publish. The REST routes (souk.api.routes.stage) check who is asking; signaling asks
:meth:`LiveStage.may_publish` before a publish in a live room.

A viewer gets on stage in two steps: the host invites them (or approves their raised hand), which is an
*invite*; the viewer accepts (with consent when the show records), which makes it a *grant*. Only a grant
lets a co-host token publish. This object is the node's replica, bounded (see the limits below); with
several nodes, :class:`~souk.live.stage_sync.StageSync` keeps it in the shared state: every change runs inside
:meth:`LiveStage.shared` (the merchant's stage lock across nodes, the rooms read fresh, the changed rooms
written back and told to the other nodes), and :meth:`LiveStage.refresh` reads a room fresh before a view.

Every room is one merchant's (:class:`~souk.core.tenancy.RoomKey`): another merchant using the same room id
has its own stage, and a PK partner is a room of the same merchant (another merchant's room is unknown).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn, Protocol

from souk.core.clock import Clock
from souk.core.errors import Conflict, Forbidden, NotFound, SoukError, TooLarge, Unavailable
from souk.core.ids import new_id
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

MAX_ROOMS = 10_000  # rooms with stage state in this process
MAX_HANDS = 500  # raised hands queued per room
MAX_INVITES = 50  # pending invites per room
NOTE_MAX = 140

ShowStatus = Literal["idle", "live", "ended"]


@dataclass(frozen=True, slots=True)
class Show:
    merchant_id: str
    room_id: str
    show_id: str
    title: str
    started_at: float  # wall-clock Unix time
    recording: bool
    host: str  # the identity that went live
    ended_at: float | None = None

    @property
    def live(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class Hand:
    identity: str
    name: str
    note: str
    at: float


@dataclass(frozen=True, slots=True)
class PkLink:
    partner: str  # the other room
    partner_merchant: str  # the same merchant: a PK links two rooms of one merchant
    partner_host: str
    active: bool  # False: invited, waiting for the other host


class StageListener(Protocol):
    """Any subset of these may be implemented (recording implements all three)."""

    async def show_started(self, show: Show) -> None: ...

    async def show_ended(self, show: Show) -> None: ...

    async def feed_published(self, show: Show, identity: str, feed_id: int) -> None: ...


@dataclass
class RoomStage:
    room_id: str
    merchant_id: str
    show: Show | None = None
    hands: dict[str, Hand] = field(default_factory=dict)
    invites: dict[str, float] = field(default_factory=dict)  # identity -> invited at
    cohosts: dict[str, str] = field(default_factory=dict)  # identity -> name, granted (accepted)
    pk: PkLink | None = None
    pk_invited_by: dict[str, str] = field(default_factory=dict)  # room -> its merchant, waiting for us

    @property
    def status(self) -> ShowStatus:
        if self.show is None:
            return "idle"
        return "live" if self.show.live else "ended"


class StageSharing(Protocol):
    """Keeps the stage in state shared by nodes (souk.live.stage_sync.StageSync)."""

    def transaction(self, merchant_id: str,
                    room_ids: Sequence[str]) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def refresh(self, room: RoomKey) -> None: ...


class LiveStage:
    def __init__(self, clock: Clock, *, max_cohosts: int = 8, max_rooms: int = MAX_ROOMS) -> None:
        self.clock = clock
        self.max_cohosts = max_cohosts
        self.max_rooms = max_rooms
        self._rooms: dict[RoomKey, RoomStage] = {}
        self._listeners: list[Any] = []
        self._sharing: StageSharing | None = None
        # recordings started per show and identity on THIS node (file names are this node's Janus's)
        self._files: OrderedDict[str, dict[str, int]] = OrderedDict()

    # ---- sharing between nodes ----
    def use_sharing(self, sharing: StageSharing) -> None:
        self._sharing = sharing

    def shared(self, merchant_id: str, *room_ids: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Run a stage change on these rooms of one merchant as one step for every node (without sharing:
        this process alone, nothing to do)."""
        if self._sharing is None:
            return contextlib.nullcontext()
        return self._sharing.transaction(merchant_id, room_ids)

    async def refresh(self, merchant_id: str, room_id: str) -> None:
        """Read the room's stage fresh from the shared state (another node may have changed it just now)."""
        if self._sharing is not None:
            await self._sharing.refresh(RoomKey(merchant_id, room_id))

    def replace_room(self, room: RoomKey, state: RoomStage | None) -> None:
        """Take a room's stage as stored (sharing): None forgets it."""
        if state is None:
            self._rooms.pop(room, None)
        else:
            self._rooms[room] = state

    # ---- listeners (recording) ----
    def add_listener(self, listener: Any) -> None:
        self._listeners.append(listener)

    async def _notify(self, method: str, *args: Any) -> None:
        for listener in list(self._listeners):
            fn = getattr(listener, method, None)
            if fn is None:
                continue
            try:
                await fn(*args)
            except Exception:  # one broken listener must not stop the show or the others
                log.exception("stage listener %r failed in %s", listener, method)

    @property
    def max_publishers(self) -> int:
        """Media-room size for a live show: the host, the co-hosts and one spare seat."""
        return 1 + self.max_cohosts + 1

    # ---- shows ----
    def room(self, room: RoomKey) -> RoomStage | None:
        return self._rooms.get(room)

    def show(self, room: RoomKey) -> Show | None:
        state = self._rooms.get(room)
        return state.show if state else None

    def live_show(self, room: RoomKey) -> Show | None:
        show = self.show(room)
        return show if show is not None and show.live else None

    def _state(self, merchant_id: str, room_id: str, *, create: bool = False) -> RoomStage:
        key = RoomKey(merchant_id, room_id)
        state = self._rooms.get(key)
        if state is None:
            if not create:
                return RoomStage(room_id, merchant_id)  # a throwaway idle view
            if len(self._rooms) >= self.max_rooms:
                self._evict()
            state = self._rooms[key] = RoomStage(room_id, merchant_id)
        return state

    def _evict(self) -> None:
        """Drop the oldest room without a live show; refuse when every room is live."""
        for key, state in self._rooms.items():
            if state.show is None or not state.show.live:
                del self._rooms[key]
                return
        log.error("stage: %d live shows in this process; refusing another", len(self._rooms))
        raise Unavailable(f"this node runs {len(self._rooms)} live shows already", code="too_many_shows")

    def _live(self, merchant_id: str, room_id: str) -> RoomStage:
        state = self._state(merchant_id, room_id)
        if state.show is None or not state.show.live:
            _refuse(room_id, "show_not_live", "the show is not live")
        return state

    async def start_show(self, merchant_id: str, room_id: str, *, host: str, title: str = "",
                         record: bool = False) -> tuple[Show, bool]:
        """Go live; while live, calling again returns the same show (created False)."""
        state = self._state(merchant_id, room_id, create=True)
        if state.show is not None and state.show.live:
            return state.show, False
        show = Show(merchant_id=merchant_id, room_id=room_id, show_id=new_id("show"), title=title[:200],
                    started_at=self.clock.wall(), recording=record, host=host)
        self._rooms[RoomKey(merchant_id, room_id)] = RoomStage(room_id, merchant_id, show=show)  # starts clean
        log.info("room %s: show %s live (host %s, recording %s)", room_id, show.show_id, host, record)
        await self._notify("show_started", show)
        return show, True

    def end_show(self, merchant_id: str, room_id: str) -> tuple[Show, PkLink | None]:
        """End the live show. Returns it (ended) and the PK link it had, if any. Call :meth:`show_over` once
        the room's media is torn down (recording listeners convert files then)."""
        state = self._live(merchant_id, room_id)
        assert state.show is not None
        link = self._unlink(state)
        show = state.show = replace(state.show, ended_at=self.clock.wall())
        state.hands.clear()
        state.invites.clear()
        state.cohosts.clear()
        state.pk_invited_by.clear()
        log.info("room %s: show %s ended", room_id, show.show_id)
        return show, link

    async def show_over(self, show: Show) -> None:
        await self._notify("show_ended", show)

    # ---- who may publish ----
    def on_stage(self, room: RoomKey, identity: str) -> bool:
        state = self._rooms.get(room)
        if state is None or state.show is None or not state.show.live:
            return False
        return identity == state.show.host or identity in state.cohosts

    def may_publish(self, room: RoomKey, identity: str, is_host: bool) -> bool:
        """The host role always may (preview before going live); anyone else needs an accepted grant."""
        if is_host:
            return True
        state = self._rooms.get(room)
        return state is not None and state.show is not None and state.show.live and identity in state.cohosts

    # ---- hands ----
    def raise_hand(self, merchant_id: str, room_id: str, identity: str, name: str, note: str = "") -> Hand:
        state = self._live(merchant_id, room_id)
        if identity in state.cohosts or (state.show is not None and identity == state.show.host):
            _refuse(room_id, "already_on_stage", f"{identity} is already on stage")
        if identity not in state.hands and len(state.hands) >= MAX_HANDS:
            log.warning("room %s: hand of %s refused: %d hands queued", room_id, identity, MAX_HANDS)
            raise TooLarge(f"{MAX_HANDS} hands are raised already", code="too_many_hands")
        hand = state.hands.get(identity) or Hand(identity, name[:80], note[:NOTE_MAX], self.clock.wall())
        if note and hand.note != note[:NOTE_MAX]:
            hand = replace(hand, note=note[:NOTE_MAX])
        state.hands[identity] = hand
        return hand

    def lower_hand(self, merchant_id: str, room_id: str, identity: str) -> bool:
        state = self._state(merchant_id, room_id)
        return state.hands.pop(identity, None) is not None

    # ---- invites and grants ----
    def invite(self, merchant_id: str, room_id: str, identity: str) -> None:
        state = self._live(merchant_id, room_id)
        if state.show is not None and identity == state.show.host:
            _refuse(room_id, "already_on_stage", "the host is on stage already")
        if identity in state.cohosts:
            _refuse(room_id, "already_on_stage", f"{identity} is already on stage")
        if identity not in state.invites and len(state.invites) >= MAX_INVITES:
            log.warning("room %s: invite of %s refused: %d invites pending", room_id, identity, MAX_INVITES)
            raise TooLarge(f"{MAX_INVITES} invites are pending already", code="too_many_invites")
        state.invites[identity] = self.clock.wall()

    def approve(self, merchant_id: str, room_id: str, identity: str) -> Hand:
        """Approve a raised hand: the same invite the host could have sent."""
        state = self._live(merchant_id, room_id)
        hand = state.hands.get(identity)
        if hand is None:
            log.warning("room %s: approve of %s refused: no raised hand", room_id, identity)
            raise NotFound(f"{identity} has not raised a hand", code="no_hand")
        self.invite(merchant_id, room_id, identity)
        del state.hands[identity]
        return hand

    def accept(self, merchant_id: str, room_id: str, identity: str, name: str, *, consent_recording: bool) -> Show:
        state = self._live(merchant_id, room_id)
        assert state.show is not None
        if identity in state.cohosts:
            return state.show  # accepting twice is harmless (a second token for the same grant)
        if identity not in state.invites:
            log.warning("room %s: %s tried to go on stage uninvited; refused", room_id, identity)
            raise Forbidden("you have not been invited on stage", code="not_invited")
        if state.show.recording and not consent_recording:
            log.info("room %s: %s accepted without consent to recording; refused", room_id, identity)
            raise Conflict("this show is recorded: accept with consent_recording true", code="consent_required")
        if len(state.cohosts) >= self.max_cohosts:
            log.warning("room %s: stage full (%d co-hosts); %s refused", room_id, self.max_cohosts, identity)
            raise Conflict(f"the stage is full ({self.max_cohosts} co-hosts)", code="stage_full")
        del state.invites[identity]
        state.hands.pop(identity, None)
        state.cohosts[identity] = name[:80]
        return state.show

    def decline(self, merchant_id: str, room_id: str, identity: str) -> None:
        state = self._state(merchant_id, room_id)
        if state.invites.pop(identity, None) is None:
            _refuse(room_id, "not_invited", f"{identity} has no pending invite", kind=NotFound)

    def remove(self, merchant_id: str, room_id: str, identity: str) -> None:
        """Revoke a grant (host removes a co-host, or a co-host leaves) or a pending invite."""
        state = self._state(merchant_id, room_id)
        if state.cohosts.pop(identity, None) is None and state.invites.pop(identity, None) is None:
            _refuse(room_id, "not_on_stage", f"{identity} is not on stage", kind=NotFound)

    def require_on_stage(self, merchant_id: str, room_id: str, identity: str) -> None:
        if not self.on_stage(RoomKey(merchant_id, room_id), identity):
            _refuse(room_id, "not_on_stage", f"{identity} is not on stage", kind=NotFound)

    # ---- PK ----
    def pk_invite(self, merchant_id: str, room_id: str, other: str) -> Show:
        """The host of ``room_id`` asks the host of ``other`` (a room of the same merchant) for a PK; returns
        the other room's live show. Another merchant's room is not there: 404 ``partner_not_live``."""
        state = self._live(merchant_id, room_id)
        if other == room_id:
            _refuse(room_id, "bad_pk", "a room cannot PK itself", kind=Conflict)
        other_state = self._rooms.get(RoomKey(merchant_id, other))
        if other_state is None:
            _refuse(room_id, "partner_not_live", f"room {other} has no live show", kind=NotFound)
        if other_state.show is None or not other_state.show.live:
            _refuse(room_id, "partner_not_live", f"room {other} has no live show")
        assert other_state is not None and other_state.show is not None
        for s in (state, other_state):
            if s.pk is not None and s.pk.active:
                _refuse(room_id, "pk_busy", f"room {s.room_id} is in a PK already")
        state.pk = PkLink(other, other_state.merchant_id, other_state.show.host, active=False)
        other_state.pk_invited_by[room_id] = merchant_id
        return other_state.show

    def pk_accept(self, merchant_id: str, room_id: str, other: str) -> tuple[Show, Show]:
        """The host of ``room_id`` accepts ``other``'s invitation: the link is active on both sides."""
        state = self._live(merchant_id, room_id)
        inviter = self._rooms.get(RoomKey(merchant_id, other))
        if (other not in state.pk_invited_by or inviter is None or inviter.pk is None
                or inviter.pk.partner != room_id or inviter.show is None or not inviter.show.live):
            _refuse(room_id, "no_pk_invite", f"room {other} has not invited this room to a PK", kind=NotFound)
        assert inviter is not None and inviter.show is not None and state.show is not None
        if state.pk is not None and state.pk.active:
            _refuse(room_id, "pk_busy", f"room {room_id} is in a PK already")
        del state.pk_invited_by[other]
        inviter.pk = replace(inviter.pk, active=True)  # type: ignore[arg-type]
        state.pk = PkLink(other, inviter.merchant_id, inviter.show.host, active=True)
        return inviter.show, state.show

    def pk_end(self, merchant_id: str, room_id: str) -> PkLink:
        """End (or withdraw) this room's PK; returns the link that was there."""
        state = self._state(merchant_id, room_id)
        link = self._unlink(state)
        if link is None:
            _refuse(room_id, "not_linked", "this room is not in a PK", kind=NotFound)
        return link

    def _unlink(self, state: RoomStage) -> PkLink | None:
        link, state.pk = state.pk, None
        if link is None:
            for other, other_merchant in list(state.pk_invited_by.items()):  # unanswered: withdraw them
                inviter = self._rooms.get(RoomKey(other_merchant, other))
                if inviter is not None and inviter.pk is not None and inviter.pk.partner == state.room_id:
                    inviter.pk = None
            return None
        partner = self._rooms.get(RoomKey(link.partner_merchant, link.partner))
        if partner is not None:
            partner.pk_invited_by.pop(state.room_id, None)
            if partner.pk is not None and partner.pk.partner == state.room_id:
                partner.pk = None
        return link

    def pk_partner(self, room: RoomKey) -> PkLink | None:
        """The active PK link of this room (None while invited only)."""
        state = self._rooms.get(room)
        link = state.pk if state else None
        return link if link is not None and link.active else None

    # ---- recording ----
    def recording_name_for(self, room: RoomKey, identity: str) -> str | None:
        """The relative file name of ``identity``'s next recording when ``room``'s live show records, else None."""
        show = self.live_show(room)
        return self.recording_name(show, identity) if show is not None and show.recording else None

    def recording_name(self, show: Show, identity: str) -> str:
        """A RELATIVE file name (Janus appends to rec_dir) for ``identity``'s next recording in ``show``."""
        state = self._rooms.get(RoomKey(show.merchant_id, show.room_id))
        n = 1
        if state is not None and state.show is not None and state.show.show_id == show.show_id:
            files = self._files.setdefault(show.show_id, {})
            self._files.move_to_end(show.show_id)
            while len(self._files) > self.max_rooms:
                self._files.popitem(last=False)
            n = files[identity] = files.get(identity, 0) + 1
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in identity)[:64]
        return f"{show.merchant_id}/{show.room_id}/{show.show_id}/{safe}-{n}"

    async def feed_published(self, room: RoomKey, identity: str, feed_id: int) -> None:
        show = self.live_show(room)
        if show is not None:
            await self._notify("feed_published", show, identity, feed_id)


def _refuse(room_id: str, code: str, message: str, *, kind: type[SoukError] = Conflict) -> NoReturn:
    log.warning("room %s: refused (%s): %s", room_id, code, message)
    raise kind(message, code=code)
