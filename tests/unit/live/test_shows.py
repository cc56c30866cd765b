"""souk.live.shows: the show's life cycle keeps the stage, the hub, the media room and the announcements in
step, and in order (a real LiveStage; the hub and the media plane as recording fakes of their Protocols)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, NotFound, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.rooms import Room, RoomKind, RoomStatus
from souk.live.shows import MediaKind, RoomCloser, ShowService
from souk.live.stage import LiveStage, Show

M = "shop"


@dataclass
class Session:
    log: list[str]
    identity: str

    async def leave_stage(self, reason: str) -> None:
        self.log.append(f"session {self.identity} off stage: {reason}")


@dataclass
class Member:
    identity: str
    name: str
    session: Session
    feed_id: int | None = None
    audio_muted: bool = False
    video_muted: bool = False


@dataclass
class Hub:
    log: list[str]
    members: dict[RoomKey, dict[str, Member]] = field(default_factory=dict)

    def join(self, room: RoomKey, identity: str, feed_id: int | None = None) -> Member:
        member = Member(identity, identity.title(), Session(self.log, identity), feed_id)
        self.members.setdefault(room, {})[identity] = member
        return member

    def participants(self, room: RoomKey) -> list[Member]:
        return list(self.members.get(room, {}).values())

    def member(self, room: RoomKey, identity: str) -> Member | None:
        return self.members.get(room, {}).get(identity)

    def viewers(self, room: RoomKey) -> int:
        return 0

    def set_muted(self, room: RoomKey, identity: str, kind: MediaKind, muted: bool) -> None:
        member = self.members[room][identity]
        setattr(member, f"{kind}_muted", muted)
        self.log.append(f"hub {identity} {kind} muted={muted}")

    def unlink(self, room_a: RoomKey, room_b: RoomKey) -> None:
        self.log.append(f"hub unlink {room_a} {room_b}")

    async def close_room(self, room: RoomKey, reason: str) -> None:
        self.log.append(f"hub close {room} {reason}")
        self.members.pop(room, None)


@dataclass
class Media:
    log: list[str]
    fail_destroy: bool = False

    async def ensure_room(self, room: RoomKey, *, kind: str = "consult", max_publishers: int = 2,
                          description: str = "") -> object:
        self.log.append(f"media ensure {room} {kind}")
        return object()

    async def destroy_room(self, room: RoomKey) -> bool:
        self.log.append(f"media destroy {room}")
        if self.fail_destroy:
            raise NotFound("no such room", code="no_such_room")
        return True

    async def kick(self, room: RoomKey, feed_id: int) -> bool:
        self.log.append(f"media kick {room} {feed_id}")
        return True

    async def moderate(self, room: RoomKey, feed_id: int, *, audio: bool | None = None,
                       video: bool | None = None) -> None:
        self.log.append(f"media moderate {room} {feed_id} audio={audio} video={video}")


@dataclass
class Publisher:
    log: list[str]
    down: bool = False

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        if self.down:
            raise Unavailable("real-time messaging is not running", code="rtm_unavailable")
        self.log.append(f"announce {room_id} {body['type']}")
        return 1


class Rooms:
    """The room repository's get/create for live rooms (what go_live asks)."""

    def __init__(self, kind: RoomKind = RoomKind.LIVE) -> None:
        self.rooms: dict[tuple[str, str], Room] = {}
        self.kind = kind

    async def get(self, merchant_id: str, room_id: str) -> Room:
        try:
            return self.rooms[merchant_id, room_id]
        except KeyError:
            raise NotFound(f"no room {room_id}", code="unknown_room") from None

    async def create(self, merchant_id: str, kind: RoomKind, *, room_id: str, **_: Any) -> Room:
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        room = Room(id=room_id, merchant_id=merchant_id, kind=self.kind, status=RoomStatus.OPEN, created_at=now)
        self.rooms[merchant_id, room_id] = room
        return room


class Recording:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def show_ended(self, show: Show) -> None:
        self.log.append(f"recording of {show.room_id} ends")


def service(log: list[str], *, media: Media | None = None, rooms: Rooms | None = None,
            publisher: Publisher | None = None) -> tuple[ShowService, Hub, LiveStage]:
    stage = LiveStage(ManualClock(), max_cohosts=2)
    stage.add_listener(Recording(log))
    hub = Hub(log)
    plane = Media(log) if media is None else media
    shows = ShowService(stage, hub, plane, rooms or Rooms(), publisher or Publisher(log),  # type: ignore[arg-type]
                        RoomCloser(hub, plane))
    return shows, hub, stage


async def test_going_live_readies_the_room_once_and_ending_closes_it_in_order() -> None:
    log: list[str] = []
    shows, hub, _ = service(log)
    show = await shows.go_live(M, "r1", host="hana", title="spring", record=None)
    again = await shows.go_live(M, "r1", host="hana", title="spring", record=None)
    assert again == show and not show.recording
    assert log == [f"media ensure {M}/r1 live", "announce r1 show_start"]
    hub.join(RoomKey(M, "r1"), "hana", feed_id=7)
    log.clear()
    ended = await shows.end(M, "r1")
    assert ended.ended_at is not None
    assert log == ["announce r1 show_end", f"hub close {M}/r1 show_ended", f"media destroy {M}/r1",
                   "recording of r1 ends"]
    assert shows.view(M, "r1", for_host=True)["status"] == "ended"


async def test_ending_a_show_in_a_pk_ends_the_pk_on_both_sides_first() -> None:
    log: list[str] = []
    shows, _, _ = service(log)
    await shows.go_live(M, "a", host="hana", title="", record=False)
    await shows.go_live(M, "b", host="bo", title="", record=False)
    await shows.pk_invite(M, "a", "b", by="hana")
    await shows.pk_accept(M, "b", "a")
    log.clear()
    await shows.end(M, "a")
    assert log[:4] == ["announce a show_end", f"hub unlink {M}/a {M}/b", "announce a pk_end", "announce b pk_end"]
    assert log[4:] == [f"hub close {M}/a show_ended", f"media destroy {M}/a", "recording of a ends"]


async def test_a_room_of_another_kind_or_no_media_plane_refuses_to_go_live() -> None:
    log: list[str] = []
    shows, _, stage = service(log, rooms=Rooms(kind=RoomKind.CONSULT))
    with pytest.raises(Conflict) as err:
        await shows.go_live(M, "r1", host="hana", title="", record=None)
    assert err.value.code == "not_live_room"
    no_media = ShowService(stage, Hub(log), None, Rooms(), Publisher(log), RoomCloser(Hub(log), None))
    with pytest.raises(Unavailable) as err2:
        await no_media.go_live(M, "r1", host="hana", title="", record=None)
    assert err2.value.code == "media_unavailable" and stage.live_show(RoomKey(M, "r1")) is None


async def test_the_stage_changes_stand_when_rtm_is_down() -> None:
    log: list[str] = []
    shows, _, stage = service(log, publisher=Publisher([], down=True))
    await shows.go_live(M, "r1", host="hana", title="", record=None)
    hand = await shows.raise_hand(M, "r1", "vic", "Vic", "me!")
    assert hand.identity == "vic" and [h.identity for h in stage.room(RoomKey(M, "r1")).hands.values()] == ["vic"]


async def test_off_stage_kicks_the_feed_then_stops_the_session_and_mute_goes_through_the_hub() -> None:
    log: list[str] = []
    shows, hub, _ = service(log)
    room = RoomKey(M, "r1")
    await shows.go_live(M, "r1", host="hana", title="", record=None)
    await shows.invite(M, "r1", "ana", by="hana")
    await shows.accept(M, "r1", "ana", "Ana", consent_recording=False)
    hub.join(room, "ana", feed_id=9)
    log.clear()
    member = await shows.mute(M, "r1", "ana", "audio", True, by="hana")
    assert member.audio_muted and not member.video_muted
    assert log == [f"media moderate {room} 9 audio=False video=None", "hub ana audio muted=True",
                   "announce r1 stage_muted"]
    log.clear()
    await shows.off_stage(M, "r1", "ana", reason="removed", by="hana")
    assert log == [f"media kick {room} 9", "session ana off stage: removed", "announce r1 stage_left"]
    with pytest.raises(NotFound):
        await shows.mute(M, "r1", "ana", "video", True, by="hana")


async def test_the_room_closer_lets_everyone_leave_before_the_media_room_goes_and_tolerates_a_missing_one() -> None:
    log: list[str] = []
    hub = Hub(log)
    await RoomCloser(hub, Media(log, fail_destroy=True)).close_room(RoomKey(M, "c1"), "completed")
    await RoomCloser(hub, None).close_room(RoomKey(M, "c2"), "declined")
    assert log == [f"hub close {M}/c1 completed", f"media destroy {M}/c1", f"hub close {M}/c2 declined"]
