"""The live stage shared by nodes (souk.live.stage_sync): two LiveStages, each with its StageSync, on one shared
state and one bus, memory and real Redis. Show, hands, grants, co-hosts and PK links changed on one node are
seen on the other; concurrent changes from both nodes lose nothing; a node started later (or after another
died) finds the live show."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from souk.cluster.bus import Bus, MemoryBus, MemoryBusHub, RedisBus
from souk.cluster.state import MemoryState, MemoryStateStore, RedisState, SharedState
from souk.core.clock import SystemClock
from souk.core.errors import Forbidden
from souk.core.tenancy import RoomKey
from souk.live.stage import LiveStage
from souk.live.stage_sync import StageSync

M = "shop"
ROOM, OTHER = "live-1", "live-2"


@dataclass
class Node:
    stage: LiveStage
    sync: StageSync


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_node(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Node]]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    hub, store = MemoryBusHub(), MemoryStateStore()
    closers: list[Bus | SharedState] = []
    started: list[Bus] = []

    def factory() -> Node:
        bus: Bus = RedisBus(url) if url else MemoryBus(hub)
        state: SharedState = RedisState(url) if url else MemoryState(store)
        closers.extend([bus, state])
        started.append(bus)
        stage = LiveStage(SystemClock(), max_cohosts=2)
        return Node(stage, StageSync(stage, state, bus, node_id=f"n{len(started)}"))

    yield factory
    for item in closers:
        await item.aclose()


async def _started(make_node: Callable[[], Node], n: int) -> list[Node]:
    nodes = [make_node() for _ in range(n)]
    for node in nodes:
        await node.sync.bus.start()
    return nodes


async def test_a_show_and_its_stage_run_from_a_are_seen_and_changed_from_b(make_node: Callable[[], Node]) -> None:
    a, b = await _started(make_node, 2)
    key = RoomKey(M, ROOM)
    async with a.stage.shared(M, ROOM):
        show, created = await a.stage.start_show(M, ROOM, host="host-1", title="Spring", record=True)
    assert created
    await _until(lambda: b.stage.live_show(key) is not None)
    assert b.stage.live_show(key) == show
    # a viewer raises a hand through B; the host approves on A; the viewer accepts on B
    async with b.stage.shared(M, ROOM):
        b.stage.raise_hand(M, ROOM, "viewer-1", "Vi", "a question")
    async with a.stage.shared(M, ROOM):
        assert [h.identity for h in a.stage.room(key).hands.values()] == ["viewer-1"]  # type: ignore[union-attr]
        a.stage.approve(M, ROOM, "viewer-1")
    async with b.stage.shared(M, ROOM):
        b.stage.accept(M, ROOM, "viewer-1", "Vi", consent_recording=True)
    await _until(lambda: a.stage.may_publish(key, "viewer-1", False))  # A's signaling lets the co-host publish
    assert a.stage.on_stage(key, "viewer-1") and b.stage.on_stage(key, "viewer-1")
    # a refused change leaves the stage as stored, on both nodes
    with pytest.raises(Forbidden):
        async with b.stage.shared(M, ROOM):
            b.stage.accept(M, ROOM, "viewer-2", "V2", consent_recording=True)
    await b.stage.refresh(M, ROOM)
    assert set(b.stage.room(key).cohosts) == {"viewer-1"}  # type: ignore[union-attr]
    # B ends the show: A sees it ended, the stage emptied
    async with b.stage.shared(M, ROOM):
        ended, _ = b.stage.end_show(M, ROOM)
    await _until(lambda: a.stage.live_show(key) is None)
    assert a.stage.room(key).status == "ended" and a.stage.room(key).cohosts == {}  # type: ignore[union-attr]
    assert ended.show_id == show.show_id


async def test_hands_raised_at_once_on_two_nodes_are_all_kept(make_node: Callable[[], Node]) -> None:
    a, b = await _started(make_node, 2)
    async with a.stage.shared(M, ROOM):
        await a.stage.start_show(M, ROOM, host="host-1")

    async def raise_from(node: Node, prefix: str) -> None:
        for i in range(15):
            async with node.stage.shared(M, ROOM):
                node.stage.raise_hand(M, ROOM, f"{prefix}-{i}", prefix, "")

    await asyncio.gather(raise_from(a, "a"), raise_from(b, "b"))
    for node in (a, b):
        await node.stage.refresh(M, ROOM)
        assert len(node.stage.room(RoomKey(M, ROOM)).hands) == 30  # type: ignore[union-attr]


async def test_a_pk_across_nodes_is_linked_on_both_and_ending_one_show_unlinks_the_other(
        make_node: Callable[[], Node]) -> None:
    a, b = await _started(make_node, 2)
    async with a.stage.shared(M, ROOM):
        await a.stage.start_show(M, ROOM, host="host-1")
    async with b.stage.shared(M, OTHER):
        await b.stage.start_show(M, OTHER, host="host-2")
    async with a.stage.shared(M, ROOM, OTHER):
        a.stage.pk_invite(M, ROOM, OTHER)
    async with b.stage.shared(M, OTHER, ROOM):
        b.stage.pk_accept(M, OTHER, ROOM)
    await _until(lambda: a.stage.pk_partner(RoomKey(M, ROOM)) is not None)
    assert a.stage.pk_partner(RoomKey(M, ROOM)).partner == OTHER  # type: ignore[union-attr]
    assert b.stage.pk_partner(RoomKey(M, OTHER)).partner == ROOM  # type: ignore[union-attr]
    async with b.stage.shared(M, OTHER):
        _, link = b.stage.end_show(M, OTHER)  # the partner room is read and written in the same step
    assert link is not None and link.partner == ROOM
    await _until(lambda: a.stage.pk_partner(RoomKey(M, ROOM)) is None)
    assert a.stage.room(RoomKey(M, ROOM)).pk is None  # type: ignore[union-attr]


async def test_a_node_started_later_finds_the_live_show_and_can_end_it(make_node: Callable[[], Node]) -> None:
    (a,) = await _started(make_node, 1)
    async with a.stage.shared(M, ROOM):
        show, _ = await a.stage.start_show(M, ROOM, host="host-1", title="before the crash")
        a.stage.invite(M, ROOM, "guest")
    (b,) = await _started(make_node, 1)  # A is gone; B starts
    assert await b.sync.warm() == 1
    assert b.stage.live_show(RoomKey(M, ROOM)) == show
    async with b.stage.shared(M, ROOM):
        b.stage.end_show(M, ROOM)
    async with b.stage.shared(M, ROOM):
        again, created = await b.stage.start_show(M, ROOM, host="host-1", title="after")
    assert created and again.show_id != show.show_id
    await b.stage.refresh("another", ROOM)  # another merchant's room of the same id: nothing there
    assert b.stage.room(RoomKey("another", ROOM)) is None


async def test_a_late_bus_message_never_takes_a_replica_back(make_node: Callable[[], Node]) -> None:
    a, b = await _started(make_node, 2)
    key = RoomKey(M, ROOM)
    told: list[bytes] = []
    b.sync.bus.subscribe("stage", lambda merchant, payload: told.append(payload))
    async with a.stage.shared(M, ROOM):
        await a.stage.start_show(M, ROOM, host="host-1")
    async with a.stage.shared(M, ROOM):
        a.stage.invite(M, ROOM, "guest")
    await _until(lambda: len(told) == 2 and "guest" in b.stage.room(key).invites)  # type: ignore[union-attr]
    b.sync._heard(M, told[0])  # the first change arrives again, late: B keeps the newer stage
    assert "guest" in b.stage.room(key).invites  # type: ignore[union-attr]
    async with b.stage.shared(M, ROOM):  # and B's next change builds on the newest stored version
        b.stage.decline(M, ROOM, "guest")
    await _until(lambda: "guest" not in a.stage.room(key).invites)  # type: ignore[union-attr]
