"""The host's controls over a group call (souk.consult.group): mute at the media server, lower a hand, remove
someone with their screen share (their tokens revoked), end the call; only in an open room of kind group.
Pure: real signaling sessions and hub over fakes of the media plane, the room store and the token guard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from souk.consult.group import GroupCalls
from souk.core.errors import Conflict, NotFound
from souk.core.tenancy import RoomKey
from souk.domain.rooms import Room, RoomKind, RoomStatus
from souk.signal import messages as m
from souk.signal.hub import SignalHub
from tests.unit.signal.test_group import ROOM, Env, drain

A = "shop-a"
KEY = RoomKey(A, ROOM)
NOW = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


class Rooms:
    def __init__(self) -> None:
        self.rooms = {(A, ROOM): Room(id=ROOM, merchant_id=A, kind=RoomKind.GROUP, status=RoomStatus.OPEN,
                                      created_at=NOW),
                      (A, "show"): Room(id="show", merchant_id=A, kind=RoomKind.LIVE, status=RoomStatus.OPEN,
                                        created_at=NOW)}

    async def get(self, merchant_id: str, room_id: str) -> Room:
        room = self.rooms.get((merchant_id, room_id))
        if room is None:
            raise NotFound(f"room {room_id!r} not found", code="room_not_found")
        return room

    async def close(self, merchant_id: str, room_id: str) -> Room:
        room = await self.get(merchant_id, room_id)
        closed = Room(id=room.id, merchant_id=room.merchant_id, kind=room.kind, status=RoomStatus.CLOSED,
                      created_at=room.created_at, closed_at=NOW)
        self.rooms[(merchant_id, room_id)] = closed
        return closed


class Moderator:
    def __init__(self) -> None:
        self.calls: list[tuple[RoomKey, int, dict[str, bool | None]]] = []

    async def moderate(self, room: RoomKey, feed_id: int, *, audio: bool | None = None,
                       video: bool | None = None) -> None:
        self.calls.append((room, feed_id, {"audio": audio, "video": video}))


class Closer:
    def __init__(self, hub: SignalHub) -> None:
        self.hub = hub
        self.closed: list[tuple[RoomKey, str]] = []

    async def close_room(self, room: RoomKey, reason: str) -> None:
        self.closed.append((room, reason))
        await self.hub.close_room(room, reason)


class Guard:
    def __init__(self) -> None:
        self.revoked: list[tuple[str, str]] = []

    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        self.revoked.append((jti, merchant_id))
        return True


class World:
    def __init__(self, tmp: Path) -> None:
        self.env = Env(tmp)
        self.rooms, self.media, self.guard = Rooms(), Moderator(), Guard()
        self.closer = Closer(self.env.hub)
        self.calls = GroupCalls(self.env.hub, self.media, self.rooms, self.closer, self.guard)  # type: ignore[arg-type]


@pytest.fixture
def w(tmp_path: Path) -> World:
    return World(tmp_path)


async def test_view_and_wrong_rooms(w: World) -> None:
    await w.env.joined("ann")
    bob = await w.env.joined("bob")
    await bob.handle(m.Hand(raised=True, id="h"))
    await w.env.joined("bob~screen")
    view = await w.calls.view(A, ROOM)
    assert view["on_camera"] == 2 and view["max_on_camera"] == 9 and view["hands"] == ["bob"]
    screen = next(x for x in view["participants"] if x["screen"])
    assert screen["identity"] == "bob~screen" and screen["owner"] == "bob" and not screen["publishing"]
    with pytest.raises(Conflict) as wrong:
        await w.calls.view(A, "show")
    assert wrong.value.code == "not_group_call"
    with pytest.raises(NotFound) as other:
        await w.calls.view("shop-b", ROOM)  # another merchant's room of the same id
    assert other.value.code == "room_not_found"


async def test_mute_at_the_media_server(w: World) -> None:
    ann = await w.env.joined("ann")
    bob = await w.env.joined("bob")
    with pytest.raises(Conflict) as idle:
        await w.calls.mute(A, ROOM, "bob", "audio", True, by="ann")
    assert idle.value.code == "not_publishing" and w.media.calls == []
    await bob.handle(m.Publish(sdp="v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", id="p"))
    assert bob.publisher is not None
    bob._announce_feed(bob.publisher)
    drain(ann.outbox)
    member = await w.calls.mute(A, ROOM, "bob", "audio", True, by="ann")
    assert member.audio_muted and w.media.calls == [(KEY, 7, {"audio": False, "video": None})]
    assert [e for e in drain(ann.outbox) if e["type"] == "media"] == [
        {"type": "media", "participant": "bob", "audio_muted": True, "video_muted": False, "target": "",
         "webrtc": ""}]
    await w.calls.mute(A, ROOM, "bob", "video", False, by="ann")
    assert w.media.calls[-1] == (KEY, 7, {"audio": None, "video": True})
    with pytest.raises(NotFound) as absent:
        await w.calls.mute(A, ROOM, "zed", "audio", True, by="ann")
    assert absent.value.code == "not_in_call"


async def test_lower_hand(w: World) -> None:
    ann, bob = await w.env.joined("ann"), await w.env.joined("bob")
    await bob.handle(m.Hand(raised=True, id="h"))
    drain(ann.outbox)
    assert await w.calls.lower_hand(A, ROOM, "bob", by="ann") is True
    assert await w.calls.lower_hand(A, ROOM, "bob", by="ann") is False
    assert [e for e in drain(ann.outbox) if e["type"] == "hand"] == [
        {"type": "hand", "participant": "bob", "raised": False, "by": "ann"}]


async def test_remove_takes_the_screen_too_and_revokes_their_tokens(w: World) -> None:
    ann = await w.env.joined("ann")
    bob = await w.env.joined("bob")
    screen = await w.env.joined("bob~screen")
    drain(ann.outbox)
    drain(bob.outbox)
    with pytest.raises(Conflict) as own:
        await w.calls.remove(A, ROOM, "ann", by="ann")
    assert own.value.code == "remove_self"
    assert await w.calls.remove(A, ROOM, "bob", by="ann") == ["bob", "bob~screen"]
    assert {jti for jti, _ in w.guard.revoked} == {bob.claims.token_id, screen.claims.token_id}
    assert bob.room is None and screen.room is None
    assert [e["reason"] for e in drain(bob.outbox) if e["type"] == "room.closed"] == ["removed"]
    left = [e["identity"] for e in drain(ann.outbox) if e["type"] == "participant.left"]
    assert left == ["bob", "bob~screen"]
    assert [x.identity for x in w.env.hub.participants(KEY)] == ["ann"]


async def test_end_closes_the_room_for_everyone(w: World) -> None:
    ann, bob = await w.env.joined("ann"), await w.env.joined("bob")
    room = await w.calls.end(A, ROOM, by="ann")
    assert room.status is RoomStatus.CLOSED and w.closer.closed == [(KEY, "call_ended")]
    assert ann.room is None and bob.room is None
    assert any(e == {"type": "room.closed", "room": ROOM, "reason": "call_ended"} for e in drain(bob.outbox))
    with pytest.raises(Conflict) as ended:
        await w.calls.mute(A, ROOM, "ann", "audio", True, by="ann")
    assert ended.value.code == "call_ended"


