"""A show's life cycle, once: go live, the stage's changes, PK, end the show, close the room.

:class:`ShowService` is what the stage routes call after they checked who is asking. It keeps the stage
(:class:`~souk.live.stage.LiveStage`, pure state), the media plane's room, the signaling hub's members and
the room's RTM announcements in step. It knows the hub and the media plane only through the small
Protocols below. :class:`RoomCloser` closes a room (its members leave, then the media room goes): a show's
end and a consult call's end both use it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from souk.core.errors import Conflict, NotFound, SoukError, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.ports import RoomRepo
from souk.domain.rooms import RoomKind
from souk.live.service import Publisher
from souk.live.stage import Hand, LiveStage, PkLink, Show
from souk.media.types import RoomKind as MediaRoomKind

log = logging.getLogger(__name__)

MediaKind = Literal["audio", "video"]


class StageSession(Protocol):
    async def leave_stage(self, reason: str) -> None:
        """Stop publishing and tell the client it is off stage."""


class StageMember(Protocol):
    """A member of a room as the hub knows it (read-only here)."""

    @property
    def identity(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def feed_id(self) -> int | None: ...

    @property
    def audio_muted(self) -> bool: ...

    @property
    def video_muted(self) -> bool: ...

    @property
    def session(self) -> StageSession: ...


class RoomHub(Protocol):
    """What the show needs of the signaling hub (souk.signal.hub.SignalHub)."""

    def participants(self, room: RoomKey) -> Sequence[StageMember]: ...

    def member(self, room: RoomKey, identity: str) -> StageMember | None: ...

    def viewers(self, room: RoomKey) -> int: ...

    def set_muted(self, room: RoomKey, identity: str, kind: MediaKind, muted: bool) -> None:
        """Record a member's mute state and tell the room."""

    def unlink(self, room_a: RoomKey, room_b: RoomKey) -> None: ...

    async def close_room(self, room: RoomKey, reason: str) -> None: ...


class RoomMedia(Protocol):
    """What the show needs of the media plane (souk.media.plane.MediaPlane)."""

    async def ensure_room(self, room: RoomKey, *, kind: MediaRoomKind = "consult", max_publishers: int = 2,
                          description: str = "") -> object: ...

    async def destroy_room(self, room: RoomKey) -> bool: ...

    async def kick(self, room: RoomKey, feed_id: int) -> bool: ...

    async def moderate(self, room: RoomKey, feed_id: int, *, audio: bool | None = None,
                       video: bool | None = None) -> None: ...


class RoomCloser:
    """Closes a room: every member leaves (their handles released), then the media room is destroyed."""

    def __init__(self, hub: RoomHub, media: RoomMedia | None) -> None:
        self._hub = hub
        self._media = media

    async def close_room(self, room: RoomKey, reason: str) -> None:
        await self._hub.close_room(room, reason)
        if self._media is None:
            return
        try:
            await self._media.destroy_room(room)
        except SoukError as exc:  # a consult room may never have been created on Janus (nobody joined)
            log.info("room %s: destroying the media room failed: %s", room, exc.message)


class ShowService:
    def __init__(self, stage: LiveStage, hub: RoomHub, media: RoomMedia | None, rooms: RoomRepo,
                 publisher: Publisher, closer: RoomCloser, *, record_by_default: bool = False) -> None:
        self.stage = stage
        self._hub = hub
        self._media = media
        self._rooms = rooms
        self._publisher = publisher
        self._record_by_default = record_by_default
        self._closer = closer

    async def announce(self, merchant_id: str, room_id: str, body: dict[str, Any]) -> None:
        """An RTM system message on the room's channel; the stage change stands even when RTM is down."""
        try:
            await self._publisher.publish(merchant_id, room_id, body)
        except SoukError as exc:
            log.warning("room %s: could not announce %s: %s", room_id, body.get("type"), exc.message)

    # ------------------------------------------------------------------ the show

    async def go_live(self, merchant_id: str, room_id: str, *, host: str, title: str,
                      record: bool | None) -> Show:
        """Start the show (the live room and its media room made ready first); while live, the same show."""
        stage = self.stage
        async with stage.shared(merchant_id, room_id):  # one step for every node (souk.live.stage_sync)
            if stage.live_show(RoomKey(merchant_id, room_id)) is None:
                await self._ensure_live_room(merchant_id, room_id)
                if self._media is None:
                    raise Unavailable("no media plane is running", code="media_unavailable")
                await self._media.ensure_room(RoomKey(merchant_id, room_id), kind="live",
                                              max_publishers=stage.max_publishers,
                                              description=f"souk live {room_id}")
            show, created = await stage.start_show(merchant_id, room_id, host=host, title=title,
                                                   record=self._record_by_default if record is None else record)
        if created:
            await self.announce(merchant_id, room_id, {"type": "show_start", **show_event(show)})
        return show

    async def end(self, merchant_id: str, room_id: str) -> Show:
        """End the live show: announced, any PK over, everyone out of the room, then the recording's turn."""
        async with self.stage.shared(merchant_id, room_id):
            show, link = self.stage.end_show(merchant_id, room_id)
        await self.announce(merchant_id, room_id, {"type": "show_end", "show_id": show.show_id,
                                                   "ended_at": show.ended_at})
        if link is not None:
            await self._pk_over(merchant_id, room_id, link)
        await self._closer.close_room(RoomKey(merchant_id, room_id), "show_ended")
        await self.stage.show_over(show)
        return show

    def view(self, merchant_id: str, room_id: str, *, for_host: bool) -> dict[str, Any]:
        """The show as a client sees it; the host side also sees the raised hands and pending invites."""
        key = RoomKey(merchant_id, room_id)
        state = self.stage.room(key)
        show = state.show if state else None
        members = {x.identity: x for x in self._hub.participants(key)}
        on_stage: list[tuple[str, str, str]] = []
        if show is not None and show.live and state is not None:
            host = members.get(show.host)
            on_stage.append((show.host, host.name if host else "", "host"))
            on_stage += [(who, name, "cohost") for who, name in state.cohosts.items()]
        out: dict[str, Any] = {
            "show_id": show.show_id if show else None,
            "status": state.status if state else "idle",
            "title": show.title if show else "",
            "started_at": show.started_at if show else None,
            "ended_at": show.ended_at if show else None,
            "recording": show.recording if show else False,
            "host": show.host if show else None,
            "stage": [_stage_entry(members.get(who), who, name, role) for who, name, role in on_stage],
            "pk": _pk_view(state.pk) if state is not None and state.pk is not None else None,
            "viewers": self._hub.viewers(key),
        }
        if for_host and state is not None:
            out["hands"] = [{"identity": h.identity, "name": h.name, "note": h.note, "at": h.at}
                            for h in state.hands.values()]
            out["invites"] = list(state.invites)
        return out

    async def _ensure_live_room(self, merchant_id: str, room_id: str) -> None:
        try:
            record = await self._rooms.get(merchant_id, room_id)
        except NotFound:
            try:
                record = await self._rooms.create(merchant_id, RoomKind.LIVE, room_id=room_id)
            except Conflict:  # created by a concurrent call
                record = await self._rooms.get(merchant_id, room_id)
        if record.kind is not RoomKind.LIVE:
            log.warning("room %s: show start refused: a %s room", room_id, record.kind.value)
            raise Conflict(f"room {room_id!r} is a {record.kind.value} room, not a live room", code="not_live_room")
        if not record.is_open:
            log.warning("room %s: show start refused: the room is closed", room_id)
            raise Conflict(f"room {room_id!r} is closed", code="room_closed")

    # ------------------------------------------------------------------ the stage

    async def raise_hand(self, merchant_id: str, room_id: str, identity: str, name: str, note: str) -> Hand:
        async with self.stage.shared(merchant_id, room_id):
            hand = self.stage.raise_hand(merchant_id, room_id, identity, name, note)
        await self.announce(merchant_id, room_id, {"type": "hand_raised", "identity": hand.identity,
                                                   "name": hand.name, "note": hand.note})
        return hand

    async def lower_hand(self, merchant_id: str, room_id: str, identity: str, name: str) -> bool:
        async with self.stage.shared(merchant_id, room_id):
            lowered = self.stage.lower_hand(merchant_id, room_id, identity)
        if lowered:
            await self.announce(merchant_id, room_id, {"type": "hand_lowered", "identity": identity, "name": name})
        return lowered

    async def invite(self, merchant_id: str, room_id: str, identity: str, *, by: str) -> None:
        async with self.stage.shared(merchant_id, room_id):
            self.stage.invite(merchant_id, room_id, identity)
        await self.announce(merchant_id, room_id, {"type": "stage_invite", "identity": identity, "by": by})

    async def approve(self, merchant_id: str, room_id: str, identity: str, *, by: str) -> Hand:
        async with self.stage.shared(merchant_id, room_id):
            hand = self.stage.approve(merchant_id, room_id, identity)
        await self.announce(merchant_id, room_id, {"type": "stage_invite", "identity": hand.identity,
                                                   "name": hand.name, "by": by})
        return hand

    async def accept(self, merchant_id: str, room_id: str, identity: str, name: str, *,
                     consent_recording: bool) -> Show:
        async with self.stage.shared(merchant_id, room_id):
            show = self.stage.accept(merchant_id, room_id, identity, name, consent_recording=consent_recording)
        await self.announce(merchant_id, room_id, {"type": "stage_joined", "identity": identity, "name": name})
        return show

    async def decline(self, merchant_id: str, room_id: str, identity: str, name: str) -> None:
        async with self.stage.shared(merchant_id, room_id):
            self.stage.decline(merchant_id, room_id, identity)
        await self.announce(merchant_id, room_id, {"type": "stage_declined", "identity": identity, "name": name})

    async def off_stage(self, merchant_id: str, room_id: str, identity: str, *, reason: str, by: str) -> None:
        """``identity`` leaves the stage (``reason`` 'removed' by the host, or 'left'): the grant goes, the
        feed is kicked from the media room and the member's session stops publishing."""
        key = RoomKey(merchant_id, room_id)
        async with self.stage.shared(merchant_id, room_id):
            self.stage.remove(merchant_id, room_id, identity)
        member = self._hub.member(key, identity)
        if member is not None and member.feed_id is not None and self._media is not None:
            try:
                await self._media.kick(key, member.feed_id)
            except SoukError as exc:  # dropping the publisher below closes it anyway
                log.warning("room %s: kicking %s's feed failed: %s", room_id, identity, exc.message)
        if member is not None:
            await member.session.leave_stage(reason)
        log.info("room %s: %s off stage (%s by %s)", room_id, identity, reason, by)
        await self.announce(merchant_id, room_id, {"type": "stage_left", "identity": identity, "reason": reason,
                                                   "by": by})

    async def mute(self, merchant_id: str, room_id: str, identity: str, kind: MediaKind, muted: bool, *,
                   by: str) -> StageMember:
        """The host mutes (or unmutes) the audio or video of someone on stage, at the media server."""
        key = RoomKey(merchant_id, room_id)
        await self.stage.refresh(merchant_id, room_id)
        self.stage.require_on_stage(merchant_id, room_id, identity)
        member = self._hub.member(key, identity)
        if member is None or member.feed_id is None:
            log.warning("room %s: mute of %s refused: not publishing", room_id, identity)
            raise Conflict(f"{identity} is not publishing", code="not_publishing")
        if self._media is None:
            raise Unavailable("no media plane is running", code="media_unavailable")
        await self._media.moderate(key, member.feed_id, **{kind: not muted})
        self._hub.set_muted(key, identity, kind, muted)
        await self.announce(merchant_id, room_id, {"type": "stage_muted", "identity": identity, "kind": kind,
                                                   "muted": muted, "by": by})
        return member

    # ------------------------------------------------------------------ PK

    async def pk_invite(self, merchant_id: str, room_id: str, other: str, *, by: str) -> Show:
        """Invite ``other`` (a live room of the same merchant) to a PK; returns its show."""
        async with self.stage.shared(merchant_id, room_id, other):
            other_show = self.stage.pk_invite(merchant_id, room_id, other)
        mine = self.stage.live_show(RoomKey(merchant_id, room_id))
        await self.announce(other_show.merchant_id, other_show.room_id, {
            "type": "pk_invite", "room": room_id, "host": mine.host if mine else by,
            "title": mine.title if mine else ""})
        return other_show

    async def pk_accept(self, merchant_id: str, room_id: str, other: str) -> Show:
        """Accept ``other``'s PK invitation; returns the inviter's show."""
        async with self.stage.shared(merchant_id, room_id, other):
            inviter, mine = self.stage.pk_accept(merchant_id, room_id, other)
        event = {"type": "pk_start", "rooms": [inviter.room_id, mine.room_id], "hosts": [inviter.host, mine.host]}
        await self.announce(inviter.merchant_id, inviter.room_id, event)
        await self.announce(mine.merchant_id, mine.room_id, event)
        return inviter

    async def pk_end(self, merchant_id: str, room_id: str) -> PkLink:
        async with self.stage.shared(merchant_id, room_id):
            link = self.stage.pk_end(merchant_id, room_id)
        await self._pk_over(merchant_id, room_id, link)
        return link

    async def _pk_over(self, merchant_id: str, room_id: str, link: PkLink) -> None:
        self._hub.unlink(RoomKey(merchant_id, room_id), RoomKey(link.partner_merchant, link.partner))
        event = {"type": "pk_end", "rooms": [room_id, link.partner]}
        await self.announce(merchant_id, room_id, event)
        await self.announce(link.partner_merchant, link.partner, event)


def show_event(show: Show) -> dict[str, Any]:
    return {"show_id": show.show_id, "title": show.title, "started_at": show.started_at,
            "recording": show.recording}


def _stage_entry(member: StageMember | None, identity: str, name: str, role: str) -> dict[str, Any]:
    return {"identity": identity, "name": name or (member.name if member else ""), "role": role,
            "audio_muted": bool(member and member.audio_muted), "video_muted": bool(member and member.video_muted),
            "publishing": bool(member and member.feed_id is not None)}


def _pk_view(link: PkLink) -> dict[str, Any]:
    return {"room": link.partner, "host": link.partner_host, "active": link.active}
