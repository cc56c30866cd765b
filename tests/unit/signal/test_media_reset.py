"""Media plane errors as documented socket codes, and a session's reset after its media server was lost
(fakes of the plane's restore wait; the real Janus case is tests/integration/api/test_janus_restart.py)."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from souk.core.errors import Conflict, NotFound, SoukError, Timeout, Unavailable
from souk.core.tenancy import RoomKey
from souk.media.errors import core_error, plugin_error
from souk.signal import messages as m
from souk.signal.handles import media_error
from souk.signal.hub import Outbox
from souk.signal.reset import reset_after_loss

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
