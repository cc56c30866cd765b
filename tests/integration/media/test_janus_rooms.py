"""Rooms and participants on the real Janus: lifecycle, errors, and handle clean-up proved via the admin API.

These need no media, so they run outside the network namespace too.
"""

from __future__ import annotations

import asyncio

import pytest

from souk.core.errors import BadRequest, NotFound
from souk.media.admin import JanusAdmin
from souk.media.errors import InvalidSdp, JanusError, NoSuchFeed, NoSuchRoom
from souk.media.plane import MediaPlane
from souk.media.roomids import janus_room_id
from souk.media.types import Jsep

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]


async def _handles(admin: JanusAdmin, plane: MediaPlane) -> int:
    sid = plane.session_id()
    assert sid is not None
    return len(await admin.list_handles(sid))


async def test_room_lifecycle_is_idempotent(media_plane: MediaPlane) -> None:
    info = await media_plane.ensure_room("room_life", kind="consult", max_publishers=2)
    assert info.created and info.janus_room == janus_room_id("room_life") and info.node_id == "embedded"
    assert not (await media_plane.ensure_room("room_life")).created
    assert await media_plane.destroy_room("room_life") is True
    assert await media_plane.destroy_room("room_life") is False
    with pytest.raises(NoSuchRoom):
        await media_plane.join_publisher("room_life")


async def test_room_secret_is_enforced_by_janus(media_plane: MediaPlane) -> None:
    await media_plane.ensure_room("room_secret")
    link = await media_plane._link("embedded")
    with pytest.raises(JanusError) as err:  # destroying without the server-side secret is refused
        await link.control.destroy(janus_room_id("room_secret"), secret="guess")
    assert err.value.janus_code == 433


async def test_join_errors_leave_no_handles(media_plane: MediaPlane, janus_admin: JanusAdmin) -> None:
    base = await _handles(janus_admin, media_plane)  # the plane's control handle
    await media_plane.ensure_room("room_vanished")
    link = await media_plane._link("embedded")  # remove it behind the plane's back: Janus itself says 426
    await link.control.destroy(janus_room_id("room_vanished"), secret=media_plane._secret(link.node, "room_vanished"))
    with pytest.raises(NoSuchRoom) as err:
        await media_plane.join_publisher("room_vanished")
    assert isinstance(err.value, NotFound) and err.value.janus_code == 426
    assert await _handles(janus_admin, media_plane) == base  # the handle attached for the join was detached
    await media_plane.ensure_room("room_full", max_publishers=1)
    a = await media_plane.join_publisher("room_full", display="a")
    with pytest.raises(NoSuchFeed):
        await media_plane.subscribe("room_full", [a.feed_id], wait_s=0.3)  # not publishing: 428
    assert await _handles(janus_admin, media_plane) == base + 1
    await a.aclose()
    await a.aclose()  # idempotent
    assert await _handles(janus_admin, media_plane) == base


async def test_sdp_garbage_is_refused_and_cleaned_up(media_plane: MediaPlane, janus_admin: JanusAdmin) -> None:
    base = await _handles(janus_admin, media_plane)
    await media_plane.ensure_room("room_sdp")
    pub = await media_plane.join_publisher("room_sdp", display="g")
    with pytest.raises(BadRequest, match="not a session description"):  # caught before Janus sees it
        await pub.publish(Jsep("offer", "hello"))
    with pytest.raises((InvalidSdp, JanusError)) as err:  # looks like SDP, Janus rejects it
        await pub.publish(Jsep("offer", "v=0\r\nm=garbage here\r\n"))
    assert err.value.janus_code in (465, 437, 466, 430)
    with pytest.raises(BadRequest):
        await pub.publish(Jsep("answer", "v=0\r\nm=audio 9 RTP 0\r\n"))
    assert await _handles(janus_admin, media_plane) == base + 1
    await pub.aclose()
    assert await _handles(janus_admin, media_plane) == base


async def test_destroy_room_notifies_participants(media_plane: MediaPlane, janus_admin: JanusAdmin) -> None:
    from souk.media.events import RoomDestroyed

    await media_plane.ensure_room("room_gone")
    pub = await media_plane.join_publisher("room_gone", display="x")
    await media_plane.destroy_room("room_gone")
    assert await pub.next_event(timeout=5) == RoomDestroyed("room_gone")
    await pub.aclose()


async def test_plane_close_destroys_its_session(janus_node, janus_admin: JanusAdmin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.janus import janus_settings

    plane = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])
    await plane.ensure_room("room_close")
    await plane.join_publisher("room_close", display="left open")
    sid = plane.session_id()
    assert sid in await janus_admin.list_sessions()
    await plane.destroy_room("room_close")
    await plane.aclose()
    await asyncio.sleep(0.05)
    assert sid not in await janus_admin.list_sessions()
    assert plane.participants == 0


async def test_trickle_is_forwarded_and_validated(media_plane: MediaPlane) -> None:
    await media_plane.ensure_room("room_trickle")
    pub = await media_plane.join_publisher("room_trickle", display="t")
    try:
        await pub.trickle({"candidate": "candidate:1 1 udp 2122260223 127.0.0.2 50000 typ host",
                           "sdpMid": "0", "sdpMLineIndex": 0})
        await pub.trickle(None)  # end of candidates
        with pytest.raises(BadRequest):
            await pub.trickle({"sdpMid": "0"})
    finally:
        await pub.aclose()


async def test_another_plane_can_destroy_a_room_it_did_not_create(janus_node, media_plane: MediaPlane,  # type: ignore[no-untyped-def]
                                                                  tmp_path) -> None:
    from tests.fixtures.janus import janus_settings

    await media_plane.ensure_room("room_orphan")
    other = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])  # e.g. Souk after a restart
    try:
        assert await other.destroy_room("room_orphan") is True
        assert await other.destroy_room("room_orphan") is False
    finally:
        await other.aclose()
