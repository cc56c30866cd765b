"""Rooms and participants on the real Janus: lifecycle, errors, and handle clean-up proved via the admin API.

These need no media, so they run outside the network namespace too.
"""

from __future__ import annotations

import asyncio

import pytest

from souk.core.errors import BadRequest, NotFound
from souk.core.tenancy import RoomKey
from souk.media.admin import JanusAdmin
from souk.media.errors import InvalidSdp, JanusError, NoSuchFeed, NoSuchRoom
from souk.media.links import node_room_secret
from souk.media.plane import MediaPlane
from souk.media.roomids import janus_room_id
from souk.media.types import Jsep

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]


async def _handles(admin: JanusAdmin, plane: MediaPlane) -> int:
    sid = plane.session_id()
    assert sid is not None
    return len(await admin.list_handles(sid))


async def test_room_lifecycle_is_idempotent(media_plane: MediaPlane) -> None:
    info = await media_plane.ensure_room(RoomKey("shop", "room_life"), kind="consult", max_publishers=2)
    assert info.created and info.janus_room == janus_room_id("shop", "room_life") and info.node_id == "embedded"
    assert not (await media_plane.ensure_room(RoomKey("shop", "room_life"))).created
    assert await media_plane.destroy_room(RoomKey("shop", "room_life")) is True
    assert await media_plane.destroy_room(RoomKey("shop", "room_life")) is False
    with pytest.raises(NoSuchRoom):
        await media_plane.join_publisher(RoomKey("shop", "room_life"))


async def test_room_secret_is_enforced_by_janus(media_plane: MediaPlane) -> None:
    await media_plane.ensure_room(RoomKey("shop", "room_secret"))
    link = await media_plane.link("embedded")
    with pytest.raises(JanusError) as err:  # destroying without the server-side secret is refused
        await link.control.destroy(janus_room_id("shop", "room_secret"), secret="guess")
    assert err.value.janus_code == 433


async def test_join_errors_leave_no_handles(media_plane: MediaPlane, janus_admin: JanusAdmin) -> None:
    base = await _handles(janus_admin, media_plane)  # the plane's control handle
    await media_plane.ensure_room(RoomKey("shop", "room_vanished"))
    link = await media_plane.link("embedded")  # remove it behind the plane's back: Janus itself says 426
    await link.control.destroy(janus_room_id("shop", "room_vanished"), secret=node_room_secret(link.node, RoomKey("shop", "room_vanished")))
    with pytest.raises(NoSuchRoom) as err:
        await media_plane.join_publisher(RoomKey("shop", "room_vanished"))
    assert isinstance(err.value, NotFound) and err.value.janus_code == 426
    assert await _handles(janus_admin, media_plane) == base  # the handle attached for the join was detached
    await media_plane.ensure_room(RoomKey("shop", "room_full"), max_publishers=1)
    a = await media_plane.join_publisher(RoomKey("shop", "room_full"), display="a")
    with pytest.raises(NoSuchFeed):
        await media_plane.subscribe(RoomKey("shop", "room_full"), [a.feed_id], wait_s=0.3)  # not publishing: 428
    assert await _handles(janus_admin, media_plane) == base + 1
    await a.aclose()
    await a.aclose()  # idempotent
    assert await _handles(janus_admin, media_plane) == base


async def test_sdp_garbage_is_refused_and_cleaned_up(media_plane: MediaPlane, janus_admin: JanusAdmin) -> None:
    base = await _handles(janus_admin, media_plane)
    await media_plane.ensure_room(RoomKey("shop", "room_sdp"))
    pub = await media_plane.join_publisher(RoomKey("shop", "room_sdp"), display="g")
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

    await media_plane.ensure_room(RoomKey("shop", "room_gone"))
    pub = await media_plane.join_publisher(RoomKey("shop", "room_gone"), display="x")
    await media_plane.destroy_room(RoomKey("shop", "room_gone"))
    assert await pub.next_event(timeout=5) == RoomDestroyed("room_gone")
    await pub.aclose()


async def test_the_same_room_id_of_two_merchants_is_two_janus_rooms(media_plane: MediaPlane) -> None:
    """Merchant B's room named like A's is another Janus room: B's participants never meet A's, and
    destroying B's room leaves A's publisher where it is."""
    a, b = RoomKey("shop-a", "live-demo"), RoomKey("shop-b", "live-demo")
    info_a = await media_plane.ensure_room(a, max_publishers=4)
    info_b = await media_plane.ensure_room(b, max_publishers=4)
    assert info_a.created and info_b.created and info_a.janus_room != info_b.janus_room
    assert info_a.merchant_id == "shop-a" and info_b.merchant_id == "shop-b"
    pub_a = await media_plane.join_publisher(a, display="host-a")
    pub_b = await media_plane.join_publisher(b, display="host-a")
    try:
        assert pub_b.existing == () and pub_a.existing == ()  # nobody of the other merchant's room is there
        assert await media_plane.destroy_room(b) is True
        assert media_plane.room_spec(a) is not None and media_plane.room_spec(b) is None
        with pytest.raises(TimeoutError):  # A's publisher hears nothing of B's room going
            await pub_a.next_event(timeout=0.5)
        late = await media_plane.join_publisher(a, display="cohost")  # A's Janus room is still there
        await late.aclose()
    finally:
        await pub_a.aclose()
        await pub_b.aclose()
    assert await media_plane.destroy_room(a) is True


async def test_plane_close_destroys_its_session(janus_node, janus_admin: JanusAdmin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.janus import janus_settings

    plane = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])
    await plane.ensure_room(RoomKey("shop", "room_close"))
    await plane.join_publisher(RoomKey("shop", "room_close"), display="left open")
    sid = plane.session_id()
    assert sid in await janus_admin.list_sessions()
    await plane.destroy_room(RoomKey("shop", "room_close"))
    await plane.aclose()
    await asyncio.sleep(0.05)
    assert sid not in await janus_admin.list_sessions()
    assert plane.participants == 0


async def test_trickle_is_forwarded_and_validated(media_plane: MediaPlane) -> None:
    await media_plane.ensure_room(RoomKey("shop", "room_trickle"))
    pub = await media_plane.join_publisher(RoomKey("shop", "room_trickle"), display="t")
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

    await media_plane.ensure_room(RoomKey("shop", "room_orphan"))
    other = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])  # e.g. Souk after a restart
    try:
        assert await other.destroy_room(RoomKey("shop", "room_orphan")) is True
        assert await other.destroy_room(RoomKey("shop", "room_orphan")) is False
    finally:
        await other.aclose()
