"""souk.signal.voice on fakes: who may speak (the seat policy), host mute, the room kind, one connection of each
kind, what the page is told when the server removes a speaker or the media server is lost, and every handle
closed on drop. The real thing end to end: tests/integration/api/test_signal_voice.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from souk.auth.tokens import AccessClaims, Role, TokenService
from souk.core.errors import Conflict, Forbidden, SoukError
from souk.core.tenancy import RoomKey
from souk.media.events import HandleGone, HangUp, MediaEvent, WebrtcUp
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal import voice_messages as v
from souk.signal.hub import Outbox
from souk.signal.voice import VoiceSignals

SDP = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
ROOM = RoomKey("m1", "vr")


class Handle:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[MediaEvent] = asyncio.Queue()
        self.closed = False
        self.removed = ""
        self.muted: list[bool] = []
        self.offer = Jsep("offer", "v=0 janus offer")
        self.started: list[str] = []

    async def events(self) -> AsyncIterator[MediaEvent]:
        while True:
            ev = await self.queue.get()
            yield ev
            if isinstance(ev, HandleGone):
                return

    async def trickle(self, candidate: object) -> None:
        pass

    async def aclose(self) -> None:
        self.closed = True

    async def publish(self, offer: Jsep) -> Jsep:
        return Jsep("answer", "v=0 janus answer")

    async def set_muted(self, muted: bool) -> None:
        self.muted.append(muted)

    async def start(self, answer: Jsep) -> None:
        self.started.append(answer.sdp)


class Plane:
    def __init__(self) -> None:
        self.rooms: set[RoomKey] = set()
        self.ensured: list[tuple[RoomKey, bool]] = []
        self.handles: list[Handle] = []
        self.restored = asyncio.Event()

    def room_spec(self, room: RoomKey) -> object | None:
        return room if room in self.rooms else None

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None, events: bool = True) -> object:
        self.rooms.add(room)
        self.ensured.append((room, events))
        return room

    async def join_speaker(self, room: RoomKey, identity: str, *, muted: bool = False) -> Handle:
        h = Handle()
        h.muted.append(muted)
        self.handles.append(h)
        return h

    async def listen(self, room: RoomKey, *, region: str | None = None, node_id: str | None = None) -> Handle:
        h = Handle()
        self.handles.append(h)
        return h

    async def wait_restored(self, room: RoomKey, timeout_s: float = 30.0) -> bool:
        await self.restored.wait()
        return True


class Seats:
    def __init__(self) -> None:
        self.seated: set[str] = set()
        self.muted: set[str] = set()

    async def may_speak(self, room: RoomKey, identity: str) -> bool:
        return identity in self.seated

    async def host_muted(self, room: RoomKey, identity: str) -> bool:
        return identity in self.muted


class Rooms:
    def __init__(self, kind: str = "voice") -> None:
        self.kind = kind

    async def open_room_kind(self, merchant_id: str, room_id: str) -> str:
        return self.kind

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None:
        pass

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None:
        pass


class Session:
    def __init__(self, claims: AccessClaims, kind: str = "voice") -> None:
        self.claims = claims
        self.outbox = Outbox()
        self.rooms = Rooms(kind)
        self.room: RoomKey | None = ROOM


def pushed(session: Session) -> list[dict[str, object]]:
    out = []
    while not session.outbox.queue.empty():
        frame = session.outbox.queue.get_nowait()
        if frame is not None:
            out.append(json.loads(frame))
    return out


@pytest.fixture
def claims() -> AccessClaims:
    tokens = TokenService("k" * 32)
    return tokens.verify(tokens.mint(merchant_id="m1", identity="ann", room="vr", role=Role.AUDIENCE))


async def test_speaking_needs_a_seat_and_the_host_mute_holds(claims: AccessClaims) -> None:
    session, plane, seats = Session(claims), Plane(), Seats()
    voice = VoiceSignals(session, plane, seats)
    with pytest.raises(Forbidden) as err:
        await voice.handle(v.VoiceSpeak(sdp=SDP, id="1"))
    assert err.value.code == "not_seated" and not plane.handles
    seats.seated.add("ann")
    seats.muted.add("ann")  # the host muted her before she spoke: she joins muted
    answer = await voice.handle(v.VoiceSpeak(sdp=SDP, id="2"))
    assert isinstance(answer, m.SdpAnswer) and answer.id == "2" and plane.handles[0].muted == [True]
    assert plane.ensured == [(ROOM, False)]  # recovery: not on the plane yet, no events from this process
    with pytest.raises(Conflict) as err:
        await voice.handle(v.VoiceSpeak(sdp=SDP, id="3"))
    assert err.value.code == "already_speaking"
    with pytest.raises(Forbidden) as err:
        await voice.handle(v.VoiceMute(muted=False, id="4"))
    assert err.value.code == "host_muted"
    seats.muted.clear()
    await voice.handle(v.VoiceMute(muted=False, id="5"))
    assert plane.handles[0].muted == [True, False]
    with pytest.raises(SoukError) as err2:  # a video-only offer: the AudioBridge mixes audio
        await VoiceSignals(Session(claims), plane, seats).handle(v.VoiceSpeak(sdp="v=0\r\nm=video 9 X 96\r\n"))
    assert err2.value.code == "bad_sdp"
    await voice.aclose()
    assert plane.handles[0].closed


async def test_only_in_a_voice_room_and_one_listener(claims: AccessClaims) -> None:
    plane = Plane()
    with pytest.raises(Conflict) as err:
        await VoiceSignals(Session(claims, kind="live"), plane, Seats()).handle(v.VoiceListen(id="1"))
    assert err.value.code == "not_voice_room"
    session = Session(claims)
    voice = VoiceSignals(session, plane, Seats())
    offer = await voice.handle(v.VoiceListen(id="2"))
    assert isinstance(offer, v.VoiceOffer) and offer.sdp == "v=0 janus offer"
    with pytest.raises(Conflict) as err:
        await voice.handle(v.VoiceListen(id="3"))
    assert err.value.code == "already_listening"
    await voice.handle(v.VoiceAnswer(sdp="v=0\r\nm=audio 9 X 111\r\n", id="4"))
    assert plane.handles[0].started
    await voice.handle(v.VoiceUnlisten(id="5"))
    assert plane.handles[0].closed and voice.listener is None
    with pytest.raises(Conflict) as err:
        await voice.handle(v.VoiceTrickle(target="listen", id="6"))
    assert err.value.code == "not_listening"
    session.room = None
    with pytest.raises(Conflict) as err:
        await voice.handle(v.VoiceListen(id="7"))
    assert err.value.code == "not_joined"
    await voice.aclose()


async def test_a_kick_tells_the_page_and_a_lost_server_resets_it_once_back(claims: AccessClaims) -> None:
    session, plane, seats = Session(claims), Plane(), Seats()
    seats.seated.add("ann")
    voice = VoiceSignals(session, plane, seats)
    await voice.handle(v.VoiceSpeak(sdp=SDP))
    speaker = plane.handles[0]
    speaker.queue.put_nowait(WebrtcUp())
    speaker.removed = "kicked"
    speaker.queue.put_nowait(HangUp("kicked"))
    for _ in range(20):
        await asyncio.sleep(0)
    frames = pushed(session)
    assert {"type": "voice.removed", "room": "vr", "reason": "kicked"} in frames
    assert [f["webrtc"] for f in frames if f["type"] == "media"] == ["up", "down"]
    assert voice.speaker is None and speaker.closed

    await voice.handle(v.VoiceListen())
    listener = plane.handles[1]
    await voice.handle(v.VoiceSpeak(sdp=SDP))
    listener.queue.put_nowait(HandleGone("node_lost"))
    plane.handles[2].queue.put_nowait(HandleGone("node_lost"))
    for _ in range(20):
        await asyncio.sleep(0)
    frames = pushed(session)
    assert {"type": "voice.removed", "room": "vr", "reason": "media_lost"} in frames
    assert not [f for f in frames if f["type"] == "media.reset"]  # not before the room is back
    plane.restored.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert [f for f in pushed(session) if f["type"] == "media.reset"] == [{"type": "media.reset", "room": "vr",
                                                                            "reason": "media_lost"}]
    assert voice.speaker is None and voice.listener is None
    await voice.aclose()


async def test_without_a_plane_or_seat_service(claims: AccessClaims) -> None:
    with pytest.raises(SoukError) as err:
        await VoiceSignals(Session(claims), None, Seats()).handle(v.VoiceListen())
    assert err.value.code == "media_unavailable"
    with pytest.raises(Forbidden):  # no seat service: nobody speaks
        await VoiceSignals(Session(claims), Plane(), None).handle(v.VoiceSpeak(sdp=SDP))
