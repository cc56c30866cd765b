"""The audience cascade on two real Janus nodes with aiortc bots (needs the network namespace).

node1 ("local") is every room's origin; node2 ("edge") is fed by rtp_forward. ``viewers_per_node=1``: the
first audience viewer stays on the origin, the next ones go to the edge.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.core.errors import BadRequest
from souk.core.tenancy import RoomKey
from souk.media.errors import JanusError
from souk.media.events import HandleGone, HangUp
from souk.media.nodes import JanusNode
from souk.media.plane import MediaPlane, Publisher, Subscriber, Viewer
from souk.media.registry import MemoryRegistry, MemoryRegistryStore, RedisRegistry
from souk.media.streaming import mountpoint_id
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60)]

GRACE_S = 0.5


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = janus_settings(tmp_path, relay_grace_s=GRACE_S)
    return s.model_copy(update={"live": s.live.model_copy(update={"viewers_per_node": 1})})


@pytest.fixture
async def planes(tmp_path: Path) -> AsyncIterator[list[MediaPlane]]:
    made: list[MediaPlane] = []
    yield made
    for plane in made:
        for room_id in {r for n in plane.pool.nodes() for r in plane.pool.rooms_on(n.node_id)}:
            await plane.destroy_room(room_id)
        await plane.aclose()


@pytest.fixture
async def plane(planes: list[MediaPlane], two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path,
                netns: None) -> MediaPlane:
    p = await MediaPlane.attach(_settings(tmp_path), list(two_janus_nodes))
    planes.append(p)
    return p


async def _publish(plane: MediaPlane, room: RoomKey) -> tuple[Publisher, PublisherBot]:
    await plane.ensure_room(room, kind="live", max_publishers=2, region="local")
    bot = PublisherBot()
    pub = await plane.join_publisher(room, display="host")
    await bot.accept(await pub.publish(await bot.offer()))
    await pub.wait_webrtcup(10)
    return pub, bot


async def _view(plane: MediaPlane, room: RoomKey, feed: int, *, decode: bool = False, **kw: object
                ) -> tuple[Subscriber | Viewer, SubscriberBot]:
    sub = await plane.watch(room, [feed], wait_s=5, **kw)  # type: ignore[arg-type]
    bot = SubscriberBot(decode=decode)
    await sub.start(await bot.answer(sub.offer))
    return sub, bot


async def _until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def _mountpoint_exists(plane: MediaPlane, node_id: str, mp: int) -> bool:
    mounts = await plane.cascade._relays._mountpoints(node_id)
    try:
        await mounts.handle.message({"request": "info", "id": mp})
    except JanusError as exc:
        assert exc.janus_code == 455
        return False
    return True


async def test_second_viewer_decodes_on_the_edge_third_shares_the_relay_publisher_leaving_tears_it_down(
        plane: MediaPlane) -> None:
    room = RoomKey("shop", "room_cascade")
    pub, pub_bot = await _publish(plane, room)
    closers: list = [pub_bot]
    try:
        first, first_bot = await _view(plane, room, pub.feed_id)
        closers += [first, first_bot]
        assert isinstance(first, Subscriber) and plane.audience(room) == {"node1": 1}
        assert plane.relays(room) == []

        second, second_bot = await _view(plane, room, pub.feed_id, decode=True)
        closers += [second, second_bot]
        assert isinstance(second, Viewer) and second.room == room and second.feeds == (pub.feed_id,)
        # decoded frames on the edge: keyframes reached it, so PLI went back through the RTCP path
        await second_bot.wait_frames(10, timeout=10)
        assert 0 <= second_bot.last_counter <= pub_bot.frames_sent

        # a viewer joining the running relay mid-stream needs a fresh keyframe: only the mountpoint's PLI,
        # through the forwarder's RTCP port, asks the publisher for one (the room's own FIR comes every 10 s)
        await asyncio.sleep(1.5)
        third, third_bot = await _view(plane, room, pub.feed_id, decode=True)
        closers += [third, third_bot]
        assert isinstance(third, Viewer)
        await third_bot.wait_frames(5, timeout=5)
        (relay,) = plane.relays(room)
        assert (relay.origin, relay.edge, relay.feed_id, relay.viewers) == ("node1", "node2", pub.feed_id, 2)
        assert relay.mountpoint == mountpoint_id(room, pub.feed_id, plane.cascade.registry.souk_node)
        assert plane.audience(room) == {"node1": 1, "node2": 2}

        await pub.aclose()  # the host leaves: the silent watcher on the origin hears it
        await _until(lambda: plane.relays(room) == [])
        assert not await _mountpoint_exists(plane, "node2", relay.mountpoint)
        # edge viewers hear it like VideoRoom subscribers do (the signaling session reports webrtc down)
        while not isinstance(await second.next_event(5), HangUp | HandleGone):
            pass
    finally:
        for c in closers:
            await c.aclose()
    assert plane.audience(room) == {}


async def test_relay_outlives_its_last_viewer_for_the_grace_then_goes(plane: MediaPlane) -> None:
    room = RoomKey("shop", "room_grace")
    pub, pub_bot = await _publish(plane, room)
    first, first_bot = await _view(plane, room, pub.feed_id)
    try:
        edge, edge_bot = await _view(plane, room, pub.feed_id)
        assert isinstance(edge, Viewer)
        await edge.aclose()
        await edge_bot.aclose()
        assert plane.audience(room) == {"node1": 1}
        (relay,) = plane.relays(room)
        assert relay.viewers == 0  # still there during the grace: a reload finds it
        again, again_bot = await _view(plane, room, pub.feed_id)
        assert plane.relays(room)[0].viewers == 1
        await again_bot.wait_frames(5, timeout=10)
        await again.aclose()
        await again_bot.aclose()
        await _until(lambda: plane.relays(room) == [], timeout=GRACE_S + 5)
        assert not await _mountpoint_exists(plane, "node2", relay.mountpoint)
    finally:
        for c in (first, first_bot, pub, pub_bot):
            await c.aclose()


async def test_forced_node_and_unknown_node(plane: MediaPlane) -> None:
    room = RoomKey("shop", "room_forced")
    pub, pub_bot = await _publish(plane, room)
    try:
        with pytest.raises(BadRequest) as err:
            await plane.watch(room, [pub.feed_id], node_id="node9")
        assert err.value.code == "unknown_media_node"
        sub, bot = await _view(plane, room, pub.feed_id, node_id="node2")  # origin has room, still node2
        assert isinstance(sub, Viewer) and plane.audience(room) == {"node2": 1}
        await bot.wait_frames(5, timeout=10)
        # several feeds in one audience subscription stay on the origin (a mountpoint relays one feed)
        multi = await plane.watch(room, [pub.feed_id, pub.feed_id + 0], node_id="node2")
        assert isinstance(multi, Subscriber)
        await multi.aclose()
        await sub.aclose()
        await bot.aclose()
    finally:
        await pub.aclose()
        await pub_bot.aclose()


async def test_destroying_the_room_tears_its_relays_down(plane: MediaPlane) -> None:
    room = RoomKey("shop", "room_destroy")
    pub, pub_bot = await _publish(plane, room)
    first, first_bot = await _view(plane, room, pub.feed_id)
    edge, edge_bot = await _view(plane, room, pub.feed_id)
    try:
        (relay,) = plane.relays(room)
        assert await plane.destroy_room(room)
        assert plane.relays(room) == []
        assert not await _mountpoint_exists(plane, "node2", relay.mountpoint)
    finally:
        for c in (first, first_bot, edge, edge_bot, pub, pub_bot):
            await c.aclose()


def _dead_node(node_id: str, region: str) -> JanusNode:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return JanusNode(node_id=node_id, url=f"ws://127.0.0.1:{port}", region=region, api_secret="x", admin_key="x")


async def test_edge_down_falls_back_to_another_edge_then_the_origin(
        planes: list[MediaPlane], two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path,
        netns: None, caplog: pytest.LogCaptureFixture) -> None:
    node1, node2 = two_janus_nodes
    # node3 is in the origin's region, so placement prefers it; it died after its last health check
    plane = await MediaPlane.attach(_settings(tmp_path), [node1, _dead_node("node3", "local"), node2])
    planes.append(plane)
    plane.pool.set_up("node3", True)
    room = RoomKey("shop", "room_fallback")
    pub, pub_bot = await _publish(plane, room)
    views: list = []
    try:
        views += await _view(plane, room, pub.feed_id)
        edge, edge_bot = await _view(plane, room, pub.feed_id)
        views += [edge, edge_bot]
        assert isinstance(edge, Viewer) and plane.audience(room) == {"node1": 1, "node2": 1}
        assert "node3 failed" in caplog.text
        await edge_bot.wait_frames(5, timeout=10)
        # node2 now also unusable: the next viewer lands on the origin, over its share
        plane.pool.set_up("node2", False)
        over, over_bot = await _view(plane, room, pub.feed_id)
        views += [over, over_bot]
        assert isinstance(over, Subscriber) and plane.audience(room) == {"node1": 2, "node2": 1}
    finally:
        for c in views:
            await c.aclose()
        await pub.aclose()
        await pub_bot.aclose()


@pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_two_souk_processes_place_on_their_summed_load(
        planes: list[MediaPlane], two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path,
        netns: None, backend: str, request: pytest.FixtureRequest) -> None:
    store = MemoryRegistryStore()
    made = []
    for name in ("a", "b"):
        settings = _settings(tmp_path / name).model_copy(update={"node_id": f"souk-{name}"})
        if backend == "redis":  # what MediaPlane picks by itself when redis_url is set
            settings = settings.model_copy(update={"redis_url": request.getfixturevalue("redis_url")})
            plane = await MediaPlane.attach(settings, list(two_janus_nodes))
            assert isinstance(plane.cascade.registry, RedisRegistry)
        else:
            plane = await MediaPlane.attach(settings, list(two_janus_nodes),
                                            registry=MemoryRegistry(store, f"souk-{name}"))
        made.append(plane)
    a, b = made
    planes += made
    room = RoomKey("shop", "room_two_souks")
    pub, pub_bot = await _publish(a, room)
    await b.ensure_room(room, kind="live", max_publishers=2, region="local")  # already there: same origin
    sa, sa_bot = await _view(a, room, pub.feed_id)
    assert isinstance(sa, Subscriber)
    reader = b.cascade.registry
    for _ in range(100):  # souk-a's count reaches the shared registry on its next sync
        if await reader.others():
            break
        await asyncio.sleep(0.05)
    sb, sb_bot = await _view(b, room, pub.feed_id)  # the origin already serves souk-a's viewer
    sa2, sa2_bot = await _view(a, room, pub.feed_id)  # souk-a's origin share is used up too: its own relay
    try:
        assert isinstance(sb, Viewer) and b.audience(room) == {"node2": 1}
        assert isinstance(sa2, Viewer) and a.audience(room) == {"node1": 1, "node2": 1}
        assert a.relays(room)[0].mountpoint != b.relays(room)[0].mountpoint
        await sa2_bot.wait_frames(5, timeout=10)
        await sb_bot.wait_frames(sb_bot.frames + 10, timeout=10)  # souk-b's relay was left alone
    finally:
        for c in (sa2, sa2_bot, sb, sb_bot, sa, sa_bot, pub, pub_bot):
            await c.aclose()


async def test_registry_down_places_on_this_process_counts_and_says_so_once(
        planes: list[MediaPlane], two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path,
        netns: None, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    plane = await MediaPlane.attach(_settings(tmp_path), list(two_janus_nodes),
                                    registry=RedisRegistry(dead, "souk-a"))
    planes.append(plane)
    room = RoomKey("shop", "room_no_redis")
    pub, pub_bot = await _publish(plane, room)
    views: list = []
    try:
        for _ in range(3):
            views += await _view(plane, room, pub.feed_id)
        assert plane.audience(room) == {"node1": 1, "node2": 2}
        await views[-1].wait_frames(5, timeout=10)
        assert caplog.text.count("load registry unreadable") == 1
    finally:
        for c in views:
            await c.aclose()
        await pub.aclose()
        await pub_bot.aclose()


async def test_concurrent_joins_share_one_relay_and_count_right(plane: MediaPlane,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="souk.media.videoroom")
    room = RoomKey("shop", "room_rush")
    pub, pub_bot = await _publish(plane, room)
    subs = await asyncio.gather(*(plane.watch(room, [pub.feed_id], wait_s=5) for _ in range(5)))
    try:
        assert sorted(type(s).__name__ for s in subs) == ["Subscriber"] + ["Viewer"] * 4
        assert plane.audience(room) == {"node1": 1, "node2": 4}
        (relay,) = plane.relays(room)
        assert relay.viewers == 4
    finally:
        for s in subs:
            await s.aclose()
        await pub.aclose()
        await pub_bot.aclose()
    assert plane.audience(room) == {}
    assert "leave failed" not in caplog.text  # never-started viewers detach without a "stop" Janus ignores


async def test_unpublish_tears_the_relay_down(plane: MediaPlane) -> None:
    room = RoomKey("shop", "room_unpublish")
    pub, pub_bot = await _publish(plane, room)
    views: list = []
    try:
        views += await _view(plane, room, pub.feed_id)
        views += await _view(plane, room, pub.feed_id)
        assert len(plane.relays(room)) == 1
        await pub.unpublish()  # still in the room, no longer publishing
        await _until(lambda: plane.relays(room) == [])
    finally:
        for c in views:
            await c.aclose()
        await pub.aclose()
        await pub_bot.aclose()


async def test_an_edge_dying_under_its_viewers(
        planes: list[MediaPlane], two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path,
        netns: None) -> None:
    from souk.media.events import HandleGone
    from souk.media.supervisor import JanusSupervisor

    node1, node2 = two_janus_nodes
    sup = JanusSupervisor(janus_settings(tmp_path / "n3", rtp_port_range="46000-47999",
                                         relay_port_range="48000-48999"),
                          workdir=tmp_path / "n3", node_id="node3")
    node3 = await sup.start()  # same region as the origin: the preferred edge
    try:
        plane = await MediaPlane.attach(_settings(tmp_path), [node1, node3, node2])
        planes.append(plane)
        room = RoomKey("shop", "room_edge_dies")
        pub, pub_bot = await _publish(plane, room)
        views: list = []
        try:
            views += await _view(plane, room, pub.feed_id)
            doomed, doomed_bot = await _view(plane, room, pub.feed_id)
            views += [doomed, doomed_bot]
            assert isinstance(doomed, Viewer) and plane.relays(room)[0].edge == "node3"
            await doomed_bot.wait_frames(3, timeout=10)
            await sup.aclose()  # node3 dies with a viewer on it
            while not isinstance(await doomed.next_event(10), HandleGone):
                pass
            await _until(lambda: not plane.pool.load("node3").up)
            await doomed.aclose()  # what the signaling session does when its handle is gone
            await _until(lambda: plane.relays(room) == [], timeout=GRACE_S + 5)  # forwarder stopped on origin
            nxt, nxt_bot = await _view(plane, room, pub.feed_id)
            views += [nxt, nxt_bot]
            assert isinstance(nxt, Viewer) and plane.relays(room)[0].edge == "node2"
            await nxt_bot.wait_frames(3, timeout=10)
        finally:
            for c in views:
                await c.aclose()
            await pub.aclose()
            await pub_bot.aclose()
    finally:
        await sup.aclose()
