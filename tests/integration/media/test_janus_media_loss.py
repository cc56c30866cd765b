"""The media plane after it lost a Janus node it does not run itself (an external node): the node restarted
(SIGKILL, brought back by its own supervisor) or Janus timed out the plane's session while the connection
stayed up. Either way every handle ends with HandleGone, the plane reconnects, re-creates the room on the
node before anything else uses the new link, and ``wait_restored`` says so."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
from pathlib import Path

import pytest

from souk.core.tenancy import RoomKey
from souk.media.events import HandleGone
from souk.media.plane import MediaPlane
from souk.media.supervisor import JanusSupervisor
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60),
              pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed")]

ROOM = RoomKey("shop", "room_lost")


async def test_external_node_restart_rooms_come_back(tmp_path: Path) -> None:
    settings = janus_settings(tmp_path)
    sup = JanusSupervisor(settings, workdir=tmp_path / "janus", node_id="node1")
    node = await sup.start()
    plane = await MediaPlane.attach(settings, [node])
    try:
        await plane.ensure_room(ROOM)
        pub = await plane.join_publisher(ROOM, display="a")
        assert await plane.wait_restored(ROOM) is True  # linked: at once
        first = sup.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert await pub.next_event(timeout=10) == HandleGone("node_lost")
        assert await asyncio.wait_for(plane.wait_restored(ROOM), 15) is True
        assert sup.pid not in (None, first)
        await pub.aclose()  # quiet: the handle died with the old Janus
        again = await plane.join_publisher(ROOM, display="a2")  # the room exists on the new Janus
        await again.aclose()
        assert await plane.wait_restored(RoomKey("shop", "never_created")) is False
    finally:
        await plane.aclose()
        await sup.aclose()


async def test_session_timed_out_by_janus_is_replaced_and_rooms_restored(tmp_path: Path) -> None:
    settings = janus_settings(tmp_path, keepalive_s=0.0)  # the plane sends no keepalive: Janus times it out
    sup = JanusSupervisor(settings, workdir=tmp_path / "janus", node_id="node1")
    sup.launch = dataclasses.replace(sup.launch, session_timeout_s=1)
    node = await sup.start()
    plane = await MediaPlane.attach(settings, [node])
    try:
        await plane.ensure_room(ROOM)
        old = plane._links["node1"]
        pub = await plane.join_publisher(ROOM, display="a")
        assert await pub.next_event(timeout=10) == HandleGone("session_timeout")
        assert await asyncio.wait_for(plane.wait_restored(ROOM), 10) is True
        fresh = plane._links["node1"]
        assert fresh is not old and fresh.alive and not old.conn.is_open  # the old connection was closed
        await pub.aclose()
        again = await plane.join_publisher(ROOM, display="a2")  # the room is there for the new session
        await again.aclose()
    finally:
        await plane.aclose()
        await sup.aclose()
