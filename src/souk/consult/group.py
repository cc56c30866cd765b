"""Group video calls (docs/group-calls.md): the host's controls over a call of up to 9 on camera.

A group call is a room of kind ``group``; who may join it, raised hands and the active speaker live on the
signaling socket (souk.signal.group). This service is what the host's REST calls do: mute someone at the media
server (VideoRoom ``moderate``: they cannot unmute themselves until the host does), lower a hand, remove someone
(their sockets leave with ``room.closed`` ``removed`` and their token is revoked, on every node, so it cannot
rejoin; their screen share goes with them) and end the call for everyone (the room is closed in the store,
every member leaves, the media room is destroyed). Another merchant's room of the same id is another room.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, Protocol, runtime_checkable

from souk.auth.tokens import AccessClaims
from souk.core.errors import Conflict, NotFound, SoukError, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.ports import RoomRepo
from souk.domain.rooms import Room
from souk.signal import group
from souk.signal import messages as m
from souk.signal.hub import Member, SignalHub

log = logging.getLogger(__name__)

GROUP_KIND = "group"
MediaKind = Literal["audio", "video"]


class CallMedia(Protocol):
    async def moderate(self, room: RoomKey, feed_id: int, *, audio: bool | None = None,
                       video: bool | None = None) -> None: ...


class RoomCloser(Protocol):
    async def close_room(self, room: RoomKey, reason: str) -> None: ...


class Revoker(Protocol):
    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool: ...


@runtime_checkable
class TokenHolder(Protocol):
    """A member's session that joined with a token (every socket; not the AI attendant's seat)."""

    claims: AccessClaims


def member_view(x: Member) -> dict[str, Any]:
    return {"identity": x.identity, "name": x.name, "role": x.role, "publishing": x.feed_id is not None,
            "audio_muted": x.audio_muted, "video_muted": x.video_muted, "hand": x.hand,
            "screen": group.is_screen(x.identity), "owner": group.owner_of(x.identity)}


class GroupCalls:
    def __init__(self, hub: SignalHub, media: CallMedia | None, rooms: RoomRepo, closer: RoomCloser,
                 revoker: Revoker | None) -> None:
        self._hub = hub
        self._media = media
        self._rooms = rooms
        self._closer = closer
        self._revoker = revoker

    async def call(self, merchant_id: str, room_id: str) -> Room:
        """The open group call in the merchant's room ``room_id`` (404 room_not_found; 409 not_group_call,
        call_ended)."""
        room = await self._rooms.get(merchant_id, room_id)  # another merchant's id: room_not_found
        if room.kind.value != GROUP_KIND:
            raise Conflict(f"room {room_id!r} is a {room.kind.value} room, not a group call", code="not_group_call")
        if not room.is_open:
            raise Conflict(f"the call in {room_id!r} has ended", code="call_ended")
        return room

    async def view(self, merchant_id: str, room_id: str) -> dict[str, Any]:
        await self.call(merchant_id, room_id)
        members = [member_view(x) for x in self._hub.participants(RoomKey(merchant_id, room_id)) if x.seen]
        return {"room": room_id, "participants": members, "max_on_camera": group.MAX_CAMERAS,
                "on_camera": sum(1 for x in members if not x["screen"]),
                "hands": [x["identity"] for x in members if x["hand"]]}

    def _member(self, key: RoomKey, identity: str) -> Member:
        member = self._hub.member(key, identity)
        if member is None or not member.seen:
            raise NotFound(f"{identity!r} is not in the call", code="not_in_call")
        return member

    async def mute(self, merchant_id: str, room_id: str, identity: str, kind: MediaKind, muted: bool, *,
                   by: str) -> Member:
        """Mute (or unmute) ``identity``'s audio or video at the media server and tell the room."""
        await self.call(merchant_id, room_id)
        key = RoomKey(merchant_id, room_id)
        member = self._member(key, identity)
        if member.feed_id is None:
            raise Conflict(f"{identity} is not publishing", code="not_publishing")
        if self._media is None:
            raise Unavailable("no media plane is running", code="media_unavailable")
        await self._media.moderate(key, member.feed_id, **{kind: not muted})
        self._hub.set_muted(key, identity, kind, muted)
        log.info("group call %s: %s %s %s's %s", key, by, "muted" if muted else "unmuted", identity, kind)
        return member

    async def lower_hand(self, merchant_id: str, room_id: str, identity: str, *, by: str) -> bool:
        await self.call(merchant_id, room_id)
        key = RoomKey(merchant_id, room_id)
        self._member(key, identity)
        return group.raise_hand(self._hub, key, identity, False, by=by)

    async def remove(self, merchant_id: str, room_id: str, identity: str, *, by: str) -> list[str]:
        """Take ``identity`` (and its screen share) out of the call; their tokens are revoked so the same
        token cannot come back. Returns the identities removed."""
        await self.call(merchant_id, room_id)
        key = RoomKey(merchant_id, room_id)
        if identity == by:
            raise Conflict("leave the call instead of removing yourself", code="remove_self")
        first = self._member(key, identity)
        screen = None if group.is_screen(identity) else self._hub.member(key, group.screen_of(identity))
        gone = []
        for member in [x for x in (first, screen) if x is not None]:
            session = member.session
            session.outbox.push(m.RoomClosed(room=room_id, reason="removed"))  # told before its socket closes
            try:
                await session.leave("removed")
            except SoukError as exc:  # its handles are released on disconnect anyway
                log.warning("group call %s: %s left badly: %s", key, member.identity, exc.message)
            if self._revoker is not None and isinstance(session, TokenHolder) and session.claims.token_id:
                await self._revoker.revoke(session.claims.token_id, merchant_id, session.claims.expires_at)
            gone.append(member.identity)
        log.info("group call %s: %s removed %s", key, by, ", ".join(gone))
        return gone

    async def end(self, merchant_id: str, room_id: str, *, by: str) -> Room:
        """End the call for everyone: closed in the store first (nobody can join again), then every member
        leaves and the media room goes."""
        await self.call(merchant_id, room_id)
        room = await self._rooms.close(merchant_id, room_id)
        await self._closer.close_room(RoomKey(merchant_id, room_id), "call_ended")
        log.info("group call %s/%s ended by %s", merchant_id, room_id, by)
        return room
