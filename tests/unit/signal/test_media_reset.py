"""Media plane errors as documented socket codes, and a session's reset after its media server was lost
(fakes of the plane's restore wait; the real Janus case is tests/integration/api/test_janus_restart.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from souk.auth.tokens import TokenService
from souk.core.errors import Conflict, NotFound, SoukError, Timeout, Unavailable
from souk.core.tenancy import RoomKey
from souk.media.errors import core_error, plugin_error
from souk.media.events import HandleGone, MediaEvent
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal.handles import media_error
from souk.signal.hub import Outbox, SignalHub
from souk.signal.ports import PublisherPort
from souk.signal.reset import reset_after_loss
from souk.signal.session import SignalSession
from tests.unit.signal.test_signal_session_keys import A, FakeMedia, FakePublisher, FakeRooms, claims

DOCUMENTED = {"media_unavailable", "media_error", "unknown_feed", "room_full", "bad_sdp"}
VIDEOROOM = "janus.plugin.videoroom"


@pytest.mark.parametrize(("exc", "code"), [
    (core_error(459, "No such handle"), "media_unavailable"),
    (core_error(458, "No such session"), "media_unavailable"),
    (core_error(463, "transport specific error"), "media_unavailable"),
    (plugin_error(VIDEOROOM, 426, "No such room"), "media_unavailable"),
    (plugin_error(VIDEOROOM, 428, "No such feed"), "unknown_feed"),
    (plugin_error(VIDEOROOM, 432, "Maximum number of publishers reached"), "room_full"),
    (plugin_error(VIDEOROOM, 431, "Invalid SDP"), "bad_sdp"),
    (core_error(465, "Error processing SDP"), "bad_sdp"),
    (plugin_error(VIDEOROOM, 434, "Already published"), "media_error"),
    (core_error(460, "Plugin not found"), "media_error"),
    (Unavailable("Janus connection embedded lost: closed"), "media_unavailable"),
    (Timeout("janus message: no reply from Janus within 10s"), "media_unavailable"),
])
def test_janus_errors_become_documented_codes(exc: SoukError, code: str) -> None:
    assert exc.code.startswith("janus") or exc.code in ("unavailable", "timeout")
    mapped = media_error(exc)
    assert mapped.code == code and code in DOCUMENTED
    assert "janus_" not in mapped.code


def test_errors_that_are_not_the_media_planes_pass_through() -> None:
    for exc in (Conflict("already publishing", code="already_publishing"), NotFound("x", code="unknown_room"),
                Unavailable("no media plane is running", code="media_unavailable")):
        assert media_error(exc) is exc


class FakeSession:
    def __init__(self, room: RoomKey) -> None:
        self.outbox = Outbox()
        self.room: RoomKey | None = room
        self.identity = "seller"
        self.dropped = 0

    async def drop_media(self) -> None:
        self.dropped += 1


class FakePlane:
    def __init__(self) -> None:
        self.back = asyncio.Event()
        self.result = True

    async def wait_restored(self, room: RoomKey) -> bool:
        await self.back.wait()
        return self.result


def frames(box: Outbox) -> list[dict[str, object]]:
    out = []
    while not box.queue.empty():
        frame = box.queue.get_nowait()
        assert frame is not None
        out.append(msgspec.json.decode(frame))
    return out


async def test_media_is_dropped_at_once_and_reset_told_once_the_room_is_back() -> None:
    room = RoomKey("lumen", "r1")
    session, plane = FakeSession(room), FakePlane()
    task = asyncio.create_task(reset_after_loss(session, plane, room))
    await asyncio.sleep(0)
    assert session.dropped == 1  # before the node is back: republish is never already_publishing
    assert frames(session.outbox) == []  # nothing to do yet: the media server is still down
    plane.back.set()
    await task
    assert frames(session.outbox) == [{"type": "media.reset", "room": "r1", "reason": "media_lost"}]


async def test_no_reset_for_a_session_that_left_or_a_room_that_did_not_come_back() -> None:
    room = RoomKey("lumen", "r1")
    left, plane = FakeSession(room), FakePlane()
    plane.back.set()
    left.room = None
    await reset_after_loss(left, plane, room)
    assert frames(left.outbox) == []
    gone = FakeSession(room)
    plane.result = False  # the room was closed meanwhile, or the plane is closing
    await reset_after_loss(gone, plane, room)
    assert frames(gone.outbox) == [] and gone.dropped == 1


def test_media_reset_is_a_server_message() -> None:
    frame = m.encode(m.MediaReset(room="r1"))
    assert msgspec.json.decode(frame) == {"type": "media.reset", "room": "r1", "reason": "media_lost"}


# ---- a real SignalSession over fakes of the media plane (no Janus) ----


class LosablePublisher(FakePublisher):
    """A publisher whose handle can die (HandleGone) or whose publish fails as on a dead Janus."""

    def __init__(self, fail: SoukError | None = None) -> None:
        self.fail = fail
        self.queue: asyncio.Queue[MediaEvent] = asyncio.Queue()
        self.closed = False

    async def events(self) -> AsyncIterator[MediaEvent]:
        while True:
            event = await self.queue.get()
            yield event
            if isinstance(event, HandleGone):
                return

    async def publish(self, offer: Jsep, *, audio: bool = True, video: bool = True, record: bool = False,
                      filename: str | None = None) -> Jsep:
        if self.fail is not None:
            raise self.fail
        return Jsep("answer", "v=0\r\n")

    async def aclose(self) -> None:
        self.closed = True


class LosableMedia(FakeMedia):
    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.pubs: list[LosablePublisher] = []
        self.fail: SoukError | None = None
        self.back = asyncio.Event()

    async def join_publisher(self, room: RoomKey, *, display: str = "") -> PublisherPort:
        pub = LosablePublisher(self.fail)
        self.pubs.append(pub)
        return pub

    async def wait_restored(self, room: RoomKey) -> bool:
        await self.back.wait()
        return True


SDP = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


async def session_in_room(tmp_path: Path) -> tuple[SignalSession, LosableMedia, Outbox]:
    tokens = TokenService("k" * 32)
    media, box = LosableMedia(tmp_path), Outbox()
    session = SignalSession(claims=claims(tokens, A, "seller", "a-only"), hub=SignalHub(), media=media,
                            rooms=FakeRooms(), outbox=box)
    await session.handle(m.Join(id="1", room="a-only"))
    return session, media, box


async def until(cond: Any, timeout: float = 2.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_a_dead_publisher_is_dropped_at_once_and_republishing_works_after_the_reset(tmp_path: Path) -> None:
    session, media, box = await session_in_room(tmp_path)
    try:
        await session.handle(m.Publish(id="2", sdp=SDP))
        first = media.pubs[0]
        first.queue.put_nowait(HandleGone("node_lost"))
        await until(lambda: session.publisher is None)
        assert first.closed  # forgotten through its own aclose (which sends nothing to a dead Janus)
        with pytest.raises(SoukError) as err:  # the media server is still down: nothing to trickle on
            await session.handle(m.Trickle(id="3", target="pub", candidate=None))
        assert err.value.code == "not_publishing"
        assert [f["type"] for f in frames(box)] == ["media"]  # webrtc down; no reset before it is back
        media.back.set()
        await until(lambda: not box.queue.empty())
        assert frames(box) == [{"type": "media.reset", "room": "a-only", "reason": "media_lost"}]
        assert isinstance(await session.handle(m.Publish(id="4", sdp=SDP)), m.SdpAnswer)  # not already_publishing
        assert session.publisher is media.pubs[1]
    finally:
        await session.aclose()


async def test_a_publish_that_meets_a_dead_janus_answers_media_unavailable_then_reset(tmp_path: Path) -> None:
    session, media, box = await session_in_room(tmp_path)
    try:
        media.fail = core_error(459, "No such handle")
        with pytest.raises(SoukError) as err:
            await session.handle(m.Publish(id="2", sdp=SDP))
        assert err.value.code == "media_unavailable" and session.publisher is None
        media.fail = None
        media.back.set()
        await until(lambda: not box.queue.empty())
        assert frames(box) == [{"type": "media.reset", "room": "a-only", "reason": "media_lost"}]
        assert isinstance(await session.handle(m.Publish(id="3", sdp=SDP)), m.SdpAnswer)
    finally:
        await session.aclose()


async def test_a_refusal_or_a_slow_janus_is_not_a_reset(tmp_path: Path) -> None:
    session, media, box = await session_in_room(tmp_path)
    try:
        media.back.set()
        for fail, code in ((plugin_error(VIDEOROOM, 432, "full"), "room_full"),
                           (Timeout("janus message: no reply"), "media_unavailable")):
            media.fail = fail
            with pytest.raises(SoukError) as err:
                await session.handle(m.Publish(id="2", sdp=SDP))
            assert err.value.code == code
        await asyncio.sleep(0.05)
        assert frames(box) == []
    finally:
        await session.aclose()
