"""Consult calls shared by two nodes (two ConsultServices, two Storages on one database, one bus), on SQLite and
PostgreSQL with the memory bus, and on PostgreSQL with a real Redis bus: a call rung through A rings B's
listeners, B's accept reaches A, two nodes accepting at once make one winner, any node reads any call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from souk.api.stores import StorageAdapter
from souk.cluster.bus import Bus, MemoryBus, MemoryBusHub, RedisBus
from souk.consult import Call, CallState, ConsultService
from souk.core.clock import ManualClock
from souk.core.errors import Conflict, NotFound
from souk.core.settings import CallSettings, Settings
from souk.core.tenancy import RoomKey
from souk.storage import Storage, open_storage, seed_demo

SKU = "AP-1001"


@dataclass
class Node:
    name: str
    storage: Storage
    calls: ConsultService
    bus: Bus
    seen: list[tuple[str, str]]  # (call id, state) told to this node's listeners (its consoles)
    closed: list[str]

    def call_changed(self, call: Call) -> None:
        self.seen.append((call.id, call.state.value))

    async def close_room(self, room: RoomKey, reason: str) -> None:
        self.closed.append(room.room_id)


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def nodes(storage_url: str, tmp_path: Path, bus_kind: str,
                request: pytest.FixtureRequest) -> AsyncIterator[tuple[Node, Node, str]]:
    url = request.getfixturevalue("redis_url") if bus_kind == "redis" else ""
    hub = MemoryBusHub()
    clock = ManualClock()
    made: list[Node] = []
    merchant = ""
    for name in ("a", "b"):
        storage = await open_storage(Settings(data_dir=str(tmp_path / name), node_id=name), clock=clock,
                                     url=storage_url)
        if not merchant:
            merchant = (await seed_demo(storage)).merchant_id
        bus: Bus = RedisBus(url) if url else MemoryBus(hub)
        adapter = StorageAdapter(storage)
        node = Node(name, storage, None, bus, [], [])  # type: ignore[arg-type]
        node.calls = ConsultService(CallSettings(ring_timeout_s=30, max_call_s=600), store=adapter,
                                    products=adapter, clock=clock, rooms=node, node_id=name, bus=bus)
        node.calls.add_listener(node)
        await bus.start()
        made.append(node)
    try:
        yield made[0], made[1], merchant
    finally:
        for node in made:
            await node.calls.aclose()
            await node.bus.aclose()
            await node.storage.aclose()


async def test_a_call_rung_through_a_rings_b_and_bs_accept_reaches_a(nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    call = await a.calls.request(m, shopper="shopper-1", product_sku=SKU, language="en", shopper_name="Ana")
    assert call.node == "a"
    await _until(lambda: (call.id, "ringing") in b.seen)
    assert [c.id for c in b.calls.active(m)] == [call.id]  # B's console lists it (its replica)
    accepted = await b.calls.accept(m, call.id, "seller-b")
    assert accepted.state is CallState.ACCEPTED and accepted.seller == "seller-b"
    await _until(lambda: (call.id, "accepted") in a.seen)
    assert a.calls.get(m, call.id).seller == "seller-b"
    # the shopper hangs up on A: B hears the end, and both nodes close the room locally
    ended = await a.calls.hangup(m, call.id, "shopper-1")
    assert ended.state is CallState.ENDED
    await _until(lambda: (call.id, "ended") in b.seen and call.room_id in b.closed)
    assert call.room_id in a.closed and b.calls.active(m) == []
    record = await b.storage.calls.get(m, call.id)
    assert record.outcome is not None and record.outcome.value == "completed"
    assert record.seller_identity == "seller-b" and record.node_id == "a"


async def test_two_nodes_accepting_at_once_make_one_winner(nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    call = await a.calls.request(m, shopper="shopper-2", product_sku=SKU, language="en")
    await _until(lambda: (call.id, "ringing") in b.seen)
    results = await asyncio.gather(a.calls.accept(m, call.id, "seller-a"), b.calls.accept(m, call.id, "seller-b"),
                                   return_exceptions=True)
    won = [r for r in results if isinstance(r, Call)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code == "call_not_ringing"
    record = await a.storage.calls.get(m, call.id)
    assert record.seller_identity == won[0].seller
    # both nodes agree on the winner
    await _until(lambda: a.calls.get(m, call.id).seller == won[0].seller == b.calls.get(m, call.id).seller)


async def test_any_node_reads_any_call_from_its_record_and_ends_another_nodes_call(
        nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    call = await a.calls.request(m, shopper="shopper-3", product_sku=SKU, language="en", shopper_name="Bo")
    # B reads it from the record even before the bus told it (its replica is skipped here)
    b.calls._calls.clear()  # as if B had just started
    fetched = await b.calls.fetch(m, call.id)
    assert fetched.state is CallState.RINGING and fetched.shopper_name == "Bo" and fetched.node == "a"
    declined = await b.calls.decline(m, call.id, "seller-b")
    assert declined.state is CallState.DECLINED
    await _until(lambda: (call.id, "declined") in a.seen)
    assert a.calls.active(m) == []
    with pytest.raises(Conflict) as again:
        await a.calls.accept(m, call.id, "seller-a")
    assert again.value.code == "call_finished"
    with pytest.raises(NotFound):
        await b.calls.fetch("another-merchant", call.id)  # the merchant is part of the key


async def test_the_ring_timer_runs_where_the_call_rang_and_a_late_accept_loses(
        nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    clock = a.storage.calls._clock  # the nodes share one ManualClock
    call = await a.calls.request(m, shopper="shopper-4", product_sku=SKU, language="en")
    await _until(lambda: (call.id, "ringing") in b.seen)
    await clock.advance(31)  # type: ignore[attr-defined]
    await _until(lambda: (call.id, "missed") in b.seen)
    with pytest.raises(Conflict) as late:
        await b.calls.accept(m, call.id, "seller-b")
    assert late.value.code == "call_finished"


async def test_stopping_a_node_fails_only_its_own_calls(nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    mine = await a.calls.request(m, shopper="shopper-5", product_sku=SKU, language="en")
    theirs = await b.calls.request(m, shopper="shopper-6", product_sku=SKU, language="en")
    await _until(lambda: (theirs.id, "ringing") in a.seen and (mine.id, "ringing") in b.seen)
    await a.calls.aclose()
    await _until(lambda: (mine.id, "failed") in b.seen)
    assert [c.id for c in b.calls.active(m)] == [theirs.id]
    assert (await b.storage.calls.get(m, theirs.id)).ended_at is None


class Alive:
    def __init__(self, *nodes: str) -> None:
        self.nodes = set(nodes)

    async def alive(self) -> dict[str, str]:
        return {n: f"http://{n}" for n in self.nodes}


async def test_the_live_node_ends_a_dead_nodes_calls_as_interrupted_once(nodes: tuple[Node, Node, str]) -> None:
    a, b, m = nodes
    call = await a.calls.request(m, shopper="shopper-7", product_sku=SKU, language="en")
    up = await a.calls.request(m, shopper="shopper-8", product_sku=SKU, language="en")
    await _until(lambda: (up.id, "ringing") in b.seen)
    await b.calls.accept(m, up.id, "seller-b")
    assert await b.calls.sweep_dead(Alive("a", "b")) == []  # A lives: its calls go on
    ended = await b.calls.sweep_dead(Alive("b"))  # A's heartbeat stopped
    assert sorted(c.id for c in ended) == sorted([call.id, up.id])
    assert all(c.state is CallState.INTERRUPTED for c in ended)
    assert b.calls.active(m) == [] and call.room_id in b.closed
    assert await b.calls.sweep_dead(Alive("b")) == []  # once
    for cid in (call.id, up.id):
        record = await b.storage.calls.get(m, cid)
        assert record.outcome is not None and record.outcome.value == "interrupted"
        assert (await b.calls.fetch(m, cid)).state is CallState.INTERRUPTED
    assert (await b.storage.calls.get(m, up.id)).seller_identity == "seller-b"
    await _until(lambda: (up.id, "interrupted") in a.seen)  # a node that was only cut off hears it too
    assert a.calls.active(m) == []


class _Socket:
    """A signaling member's session as the hub sees it (souk.signal.hub.MemberSession), keeping what it is told."""

    publisher = None

    def __init__(self, room: RoomKey) -> None:
        from souk.signal.hub import Outbox

        self.outbox = Outbox()
        self.room = room

    def told(self) -> list[str]:
        import json

        out = []
        while not self.outbox.queue.empty():
            frame = self.outbox.queue.get_nowait()
            out.append(json.loads(frame)["type"] if frame else "")
        return [t for t in out if t != "call"]

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None: ...

    def release_room(self, room: RoomKey) -> None: ...

    async def leave(self, reason: str) -> None: ...

    async def leave_stage(self, reason: str) -> None: ...


async def test_an_accept_on_b_seats_the_seller_waiting_backstage_in_the_room_on_a(
        nodes: tuple[Node, Node, str]) -> None:
    """The call's room is served by A, where the seller's console waits backstage; the seller accepts through B:
    A hears it on the bus and seats them (the shopper is told of the seller, the seller of the shopper)."""
    from souk.signal.hub import Member, SignalHub

    a, b, merchant = nodes
    hub = SignalHub()
    a.calls.add_listener(hub)
    call = await a.calls.request(merchant, shopper="shopper-1", product_sku=SKU, language="en")
    room = RoomKey(merchant, call.room_id)
    await _until(lambda: (call.id, "ringing") in b.seen)
    assert a.calls.backstage(room, "seller-1") and not a.calls.backstage(room, "shopper-1")
    shopper, seller = _Socket(room), _Socket(room)
    hub.add_member(room, Member("shopper-1", "member", "Ana", shopper))
    hub.add_member(room, Member("seller-1", "agent", "Sam", seller, backstage=True))
    assert shopper.told() == [] and seller.told() == []

    await b.calls.accept(merchant, call.id, "seller-1")
    await _until(lambda: not a.calls.backstage(room, "seller-1"))
    member = hub.member(room, "seller-1")
    assert member is not None and not member.backstage
    assert shopper.told() == ["participant.joined"] and seller.told() == ["participant.joined"]
