"""Two real Janus nodes behind one MediaPlane: placement spreads rooms; a dead node is skipped."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from souk.core.tenancy import RoomKey
from souk.media.nodes import JanusNode
from souk.media.plane import MediaPlane
from souk.media.supervisor import JanusSupervisor, free_port
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]


async def test_rooms_spread_over_nodes_and_a_dead_node_is_skipped(janus_node: JanusNode, tmp_path: Path) -> None:
    second = JanusSupervisor(janus_settings(tmp_path), workdir=tmp_path / "j2", node_id="n2", health_every_s=0)
    n1 = dataclasses.replace(janus_node, node_id="n1", region="eu")
    n2 = dataclasses.replace(await second.start(), region="us")
    dead = JanusNode("n3", f"ws://127.0.0.1:{free_port()}", api_secret="x")
    plane = await MediaPlane.attach(janus_settings(tmp_path), [n1, n2, dead])
    try:
        assert [h.up for h in await plane.health()] == [True, True, False]
        a = await plane.ensure_room(RoomKey("shop", "room_spread_a"))
        b = await plane.ensure_room(RoomKey("shop", "room_spread_b"))
        c = await plane.ensure_room(RoomKey("shop", "room_spread_c"), region="us")
        assert {a.node_id, b.node_id} == {"n1", "n2"} and c.node_id == "n2"
        pubs = [await plane.join_publisher(r, display="p") for r in (RoomKey("shop", "room_spread_a"), RoomKey("shop", "room_spread_b"))]
        assert {plane.pool.load("n1").handles, plane.pool.load("n2").handles} == {1}
        for p in pubs:
            await p.aclose()
        assert plane.pool.load("n1").handles == plane.pool.load("n2").handles == 0
        for r in (RoomKey("shop", "room_spread_a"), RoomKey("shop", "room_spread_b"), RoomKey("shop", "room_spread_c")):
            assert await plane.destroy_room(r)
    finally:
        await plane.aclose()
        await second.aclose()
