"""A signaling session keys everything by its token's merchant (pure: fakes of the media plane and the room
store behind souk.signal.ports, no Janus)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from souk.auth.tokens import AccessClaims, Role, TokenService
from souk.core.errors import NotFound
from souk.core.tenancy import RoomKey
from souk.media.events import MediaEvent
from souk.media.types import Jsep, RoomKind
from souk.signal import messages as m
from souk.signal.hub import Outbox, SignalHub
from souk.signal.ports import PublisherPort, ReceiverPort, SubscriberPort
from souk.signal.session import SignalSession

A, B = "shop-a", "shop-b"
LIVE = "live-demo"


class FakePublisher:
    feed_id = 7

    async def events(self) -> AsyncIterator[MediaEvent]:
        return
        yield

    async def trickle(self, candidate: dict[str, str | int] | None) -> None: ...

    async def aclose(self) -> None: ...

    async def publish(self, offer: Jsep, *, audio: bool = True, video: bool = True, record: bool = False,
                      filename: str | None = None) -> Jsep:
        return Jsep("answer", "v=0\r\n")

    async def set_media(self, *, audio: bool | None = None, video: bool | None = None) -> None: ...

    def mids(self, kind: str) -> list[str]:
        return []


class FakeMedia:
    """Records the rooms the session names (souk.signal.ports.MediaPort)."""

    def __init__(self, tmp: Path) -> None:
        self.recordings_dir = tmp
        self.rooms: dict[RoomKey, str] = {}
        self.published: list[RoomKey] = []

    def room_spec(self, room: RoomKey) -> object | None:
        return self.rooms.get(room)

    async def ensure_room(self, room: RoomKey, *, kind: RoomKind = "consult", max_publishers: int = 2,
                          bitrate: int | None = None, record: bool = False, description: str = "",
                          region: str | None = None) -> object:
        self.rooms[room] = kind
        return room

    async def join_publisher(self, room: RoomKey, *, display: str = "") -> PublisherPort:
        self.published.append(room)
        return FakePublisher()

    async def subscribe(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0) -> SubscriberPort:
        raise AssertionError("not subscribed in these tests")

    async def watch(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0, region: str | None = None,
                    node_id: str | None = None) -> ReceiverPort:
        raise AssertionError("not watched in these tests")

    async def hold_primed(self, sub: SubscriberPort, *, prime_s: float = 6.0, poll_s: float = 0.2) -> bool:
        return False


class FakeRooms:
    """Each merchant's open rooms (souk.signal.ports.RoomDirectory), and what was recorded where."""

    def __init__(self) -> None:
        self.open = {RoomKey(A, LIVE): "conference", RoomKey(B, LIVE): "conference", RoomKey(A, "a-only"): "consult"}
        self.joins: list[tuple[str, str, str]] = []

    async def open_room_kind(self, merchant_id: str, room_id: str) -> str:
        kind = self.open.get(RoomKey(merchant_id, room_id))
        if kind is None:
            raise NotFound(f"no room {room_id!r}", code="unknown_room")
        return kind

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None:
        self.joins.append((merchant_id, room_id, identity))

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None: ...


class Gone:
    def __init__(self) -> None:
        self.gone: list[tuple[RoomKey, str]] = []
        self.back: list[tuple[RoomKey, str]] = []

    async def participant_gone(self, room: RoomKey, identity: str) -> None:
        self.gone.append((room, identity))

    def participant_back(self, room: RoomKey, identity: str) -> None:
        self.back.append((room, identity))

    def backstage(self, room: RoomKey, identity: str) -> bool:
        return False  # no call rings in these rooms


@pytest.fixture
def tokens() -> TokenService:
    return TokenService("k" * 32)


def claims(tokens: TokenService, merchant: str, identity: str, room: str = LIVE) -> AccessClaims:
    return tokens.verify(tokens.mint(merchant_id=merchant, identity=identity, room=room, role=Role.HOST))


async def test_the_same_room_id_and_identity_of_two_merchants_are_two_sessions_apart(
        tokens: TokenService, tmp_path: Path) -> None:
    hub, media, rooms, gone = SignalHub(), FakeMedia(tmp_path), FakeRooms(), Gone()

    def session(merchant: str) -> SignalSession:
        return SignalSession(claims=claims(tokens, merchant, "host-a"), hub=hub, media=media, rooms=rooms,
                             outbox=Outbox(), gone=gone)

    a, b = session(A), session(B)
    await a.handle(m.Join(room=LIVE))
    await b.handle(m.Join(room=LIVE))  # the same identity in B's room of that id: A's session stays
    assert (a.room, b.room) == (RoomKey(A, LIVE), RoomKey(B, LIVE))
    assert set(media.rooms) == {RoomKey(A, LIVE), RoomKey(B, LIVE)}
    member_a = hub.member(RoomKey(A, LIVE), "host-a")
    assert member_a is not None and member_a.session is a
    await b.handle(m.Publish(sdp="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"))
    assert media.published == [RoomKey(B, LIVE)]
    await b.aclose()
    assert gone.back == [(RoomKey(A, LIVE), "host-a"), (RoomKey(B, LIVE), "host-a")]
    assert gone.gone == [(RoomKey(B, LIVE), "host-a")]
    assert hub.member(RoomKey(A, LIVE), "host-a") is member_a and a.room == RoomKey(A, LIVE)
    assert sorted(rooms.joins) == [(A, LIVE, "host-a"), (B, LIVE, "host-a")]
    await a.aclose()


async def test_a_room_only_another_merchant_has_is_unknown(tokens: TokenService, tmp_path: Path) -> None:
    hub, media, rooms = SignalHub(), FakeMedia(tmp_path), FakeRooms()
    b = SignalSession(claims=claims(tokens, B, "mod", room="a-only"), hub=hub, media=media, rooms=rooms,
                      outbox=Outbox())
    with pytest.raises(NotFound) as exc:
        await b.handle(m.Join(room="a-only"))
    assert exc.value.code == "unknown_room"
    assert media.rooms == {} and hub.rooms == {} and b.room is None
    await b.aclose()
