"""Group calls on the signaling socket (souk.signal.group): at most 9 on camera and one screen share (refused
at join, nothing changed), raised hands, and the active speaker relayed from the media server's talking events;
VideoRoom's talking events typed (souk.media.videoroom) and asked for only in group calls' rooms. Pure: the
session over fakes of the media plane and the room store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from souk.auth.tokens import Role, TokenService
from souk.core.errors import Conflict, NotFound
from souk.core.tenancy import RoomKey
from souk.media import messages as jm
from souk.media.events import Talking
from souk.media.types import RoomKind
from souk.media.videoroom import RoomControl, translate
from souk.signal import group
from souk.signal import messages as m
from souk.signal.hub import Outbox, SignalHub
from souk.signal.session import SignalSession
from tests.unit.signal.test_signal_session_keys import FakeMedia, FakeRooms

A = "shop-a"
ROOM = "family"
KEY = RoomKey(A, ROOM)


class Media(FakeMedia):
    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.publishers: dict[RoomKey, int] = {}

    async def ensure_room(self, room: RoomKey, *, kind: RoomKind = "consult", max_publishers: int = 2,
                          bitrate: int | None = None, record: bool = False, description: str = "",
                          region: str | None = None) -> object:
        self.publishers[room] = max_publishers
        return await super().ensure_room(room, kind=kind, max_publishers=max_publishers)


class Env:
    def __init__(self, tmp: Path) -> None:
        self.hub = SignalHub()
        self.media = Media(tmp)
        self.rooms = FakeRooms()
        self.rooms.open[KEY] = "group"
        self.tokens = TokenService("x" * 32)

    def session(self, identity: str, role: Role = Role.MEMBER) -> SignalSession:
        claims = self.tokens.verify(self.tokens.mint(merchant_id=A, identity=identity, room=ROOM, role=role))
        return SignalSession(claims=claims, hub=self.hub, media=self.media, rooms=self.rooms, outbox=Outbox())

    async def joined(self, identity: str) -> SignalSession:
        s = self.session(identity)
        await s.handle(m.Join(room=ROOM, id="j"))
        return s


def drain(outbox: Outbox) -> list[dict[str, Any]]:
    out = []
    while not outbox.queue.empty():
        frame = outbox.queue.get_nowait()
        if frame is not None:
            out.append(msgspec.json.decode(frame))
    return out


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


async def test_nine_on_camera_then_call_full(env: Env) -> None:
    people = [await env.joined(f"p{i}") for i in range(9)]
    assert env.media.rooms[KEY] == "conference" and env.media.publishers[KEY] == group.PUBLISHERS == 10
    tenth = env.session("p9")
    with pytest.raises(Conflict) as refused:
        await tenth.handle(m.Join(room=ROOM, id="j"))
    assert refused.value.code == "call_full" and refused.value.details == {"max": 9}
    assert tenth.room is None and env.hub.member(KEY, "p9") is None  # nothing joined
    # the same person joining again (a second tab) replaces their own place, it is not a tenth
    again = env.session("p3")
    await again.handle(m.Join(room=ROOM, id="j"))
    assert env.hub.member(KEY, "p3") is not None and env.hub.member(KEY, "p3").session is again
    await people[0].aclose()
    await tenth.handle(m.Join(room=ROOM, id="j"))  # a place came free
    assert tenth.room == KEY


async def test_one_screen_share_and_only_of_a_member(env: Env) -> None:
    for i in range(9):
        await env.joined(f"p{i}")
    stranger = env.session("zed~screen")
    with pytest.raises(NotFound) as refused:
        await stranger.handle(m.Join(room=ROOM, id="j"))
    assert refused.value.code == "not_joined"
    screen = await env.joined(group.screen_of("p1"))  # a full call still takes its screen share
    assert screen.room == KEY
    with pytest.raises(Conflict) as busy:
        await env.session("p2~screen").handle(m.Join(room=ROOM, id="j"))
    assert busy.value.code == "screen_busy" and busy.value.details == {"sharing": "p1"}
    await screen.aclose()
    assert (await env.joined("p2~screen")).room == KEY


def test_screen_identities() -> None:
    assert group.is_screen("ann~screen") and not group.is_screen("ann") and not group.is_screen("~screen")
    assert group.owner_of("ann~screen") == "ann" and group.owner_of("ann") == "ann"


async def test_other_rooms_have_no_limit(env: Env) -> None:
    env.rooms.open[RoomKey(A, "big")] = "voice"
    for i in range(12):
        s = env.session(f"v{i}")
        s.claims = env.tokens.verify(env.tokens.mint(merchant_id=A, identity=f"v{i}", room="big", role=Role.MEMBER))
        await s.handle(m.Join(room="big", id="j"))
    assert len(env.hub.participants(RoomKey(A, "big"))) == 12


async def test_raise_and_lower_hand(env: Env) -> None:
    ann, bob = await env.joined("ann"), await env.joined("bob")
    drain(ann.outbox)
    assert await bob.handle(m.Hand(raised=True, id="h")) == m.Ack(id="h")
    await bob.handle(m.Hand(raised=True, id="h2"))  # twice: one event
    events = [e for e in drain(ann.outbox) if e["type"] == "hand"]
    assert events == [{"type": "hand", "participant": "bob", "raised": True, "by": ""}]
    cara = env.session("cara")
    joined = await cara.handle(m.Join(room=ROOM, id="j"))
    assert isinstance(joined, m.Joined)
    assert {p.identity: p.hand for p in joined.participants} == {"ann": False, "bob": True}
    assert group.raise_hand(env.hub, KEY, "bob", False, by="ann")
    assert [e for e in drain(cara.outbox) if e["type"] == "hand"] == [
        {"type": "hand", "participant": "bob", "raised": False, "by": "ann"}]
    assert not group.raise_hand(env.hub, KEY, "nobody", True)
    with pytest.raises(Conflict):
        await env.session("dan").handle(m.Hand(raised=True, id="h"))  # not joined


async def test_speaking_relays_only_its_own_feed(env: Env) -> None:
    ann, bob = await env.joined("ann"), await env.joined("bob")
    await bob.handle(m.Publish(sdp="v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", id="p"))
    drain(ann.outbox)
    group.speaking(bob, Talking(ROOM, 8, True, 30.0))  # another feed (Janus tells every publisher)
    assert drain(ann.outbox) == []
    group.speaking(bob, Talking(ROOM, 7, True, 31.26))
    group.speaking(bob, Talking(ROOM, 7, False, 90.0))
    assert drain(ann.outbox) == [{"type": "speaking", "participant": "bob", "talking": True, "level": 31.3},
                                 {"type": "speaking", "participant": "bob", "talking": False, "level": 90.0}]
    assert [e["talking"] for e in drain(bob.outbox) if e["type"] == "speaking"] == [True, False]  # bob too
    group.speaking(bob, Talking(ROOM, 7, True, 25.0))
    joined = await env.session("cara").handle(m.Join(room=ROOM, id="j"))  # came in while bob talks: told so
    assert isinstance(joined, m.Joined) and {p.identity: p.talking for p in joined.participants} == {
        "ann": False, "bob": True}
    drain(bob.outbox)
    group.speaking(ann, Talking(ROOM, 7, True))  # ann publishes nothing
    assert drain(bob.outbox) == []


def _ev(data: dict[str, Any]) -> jm.Event:
    return jm.Event(plugindata=jm.PluginData(plugin="janus.plugin.videoroom", data=data), sender=2)


def test_translate_talking_events() -> None:
    assert translate("r", _ev({"videoroom": "talking", "room": 1, "id": 7, "audio-level-dBov-avg": 32.5})) == [
        Talking("r", 7, True, 32.5)]
    assert translate("r", _ev({"videoroom": "stopped-talking", "room": 1, "id": 7})) == [Talking("r", 7, False)]
    assert translate("r", _ev({"videoroom": "talking", "room": 1})) == []  # no feed: nothing to say


class Handle:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def message(self, body: dict[str, Any]) -> tuple[dict[str, Any], None]:
        self.sent.append(body)
        return {}, None


@pytest.mark.parametrize("talking", [True, False])
async def test_rooms_ask_for_talking_events_only_when_told(talking: bool) -> None:
    handle = Handle()
    await RoomControl(handle, "k").create(1, secret="s", pin="p", description="d", publishers=10, bitrate=1,  # type: ignore[arg-type]
                                          record=False, rec_dir=None, talking=talking)
    body = handle.sent[0]
    assert body.get("audiolevel_event", False) is talking
    if talking:
        assert body["audio_active_packets"] > 0 and 0 < body["audio_level_average"] < 127
