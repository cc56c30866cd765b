"""The cluster ports' contract, run on the memory backend and on a real Redis (conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from souk.cluster.bus import Bus
from souk.cluster.nodes import Nodes, RoomRouter
from souk.cluster.state import SharedState
from souk.core.errors import BadRequest, Conflict, Timeout
from souk.core.tenancy import RoomKey


async def _until(check: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# ------------------------------------------------------------------ bus


async def test_a_message_reaches_every_node_subscribed_to_its_topic_with_its_merchant(
        make_bus: Callable[[], Bus]) -> None:
    a, b, c = make_bus(), make_bus(), make_bus()
    got_a: list[tuple[str, bytes]] = []
    got_b: list[tuple[str, bytes]] = []
    got_c: list[tuple[str, bytes]] = []
    a.subscribe("calls", lambda m, p: got_a.append((m, p)))
    b.subscribe("calls", lambda m, p: got_b.append((m, p)))
    c.subscribe("stage", lambda m, p: got_c.append((m, p)))
    for bus in (a, b, c):
        await bus.start()
    await a.publish("calls", "shop-a", b"ring-1")
    await a.publish("calls", "shop-b", b"ring-2")
    await _until(lambda: len(got_b) == 2 and len(got_a) == 2)
    assert got_b == [("shop-a", b"ring-1"), ("shop-b", b"ring-2")]
    assert got_a == got_b  # the sender hears itself too (receivers drop their own by origin)
    await asyncio.sleep(0.05)
    assert got_c == []  # another topic


async def test_order_is_kept_per_channel(make_bus: Callable[[], Bus]) -> None:
    a, b = make_bus(), make_bus()
    got: list[bytes] = []
    b.subscribe("stage", lambda m, p: got.append(p))
    await a.start()
    await b.start()
    for i in range(200):
        await a.publish("stage", "shop", str(i).encode())
    await _until(lambda: len(got) == 200)
    assert got == [str(i).encode() for i in range(200)]


async def test_a_broken_handler_does_not_stop_the_others(make_bus: Callable[[], Bus]) -> None:
    a = make_bus()
    got: list[bytes] = []

    def broken(merchant: str, payload: bytes) -> None:
        raise RuntimeError("consumer bug")

    a.subscribe("calls", broken)
    a.subscribe("calls", lambda m, p: got.append(p))
    await a.start()
    await a.publish("calls", "shop", b"x")
    await a.publish("calls", "shop", b"y")
    await _until(lambda: got == [b"x", b"y"])


@pytest.mark.parametrize(("topic", "merchant", "payload"), [
    ("", "shop", b"x"), ("a:b", "shop", b"x"), ("calls", "", b"x"), ("calls", "shop", b"x" * 300_000)])
async def test_bad_messages_are_refused_before_anything_is_sent(
        make_bus: Callable[[], Bus], topic: str, merchant: str, payload: bytes) -> None:
    a = make_bus()
    got: list[bytes] = []
    a.subscribe("calls", lambda m, p: got.append(p))
    await a.start()
    with pytest.raises(BadRequest):
        await a.publish(topic, merchant, payload)
    await asyncio.sleep(0.05)
    assert got == []


# ------------------------------------------------------------------ state


async def test_values_are_shared_scanned_by_prefix_and_deleted(make_state: Callable[[], SharedState]) -> None:
    a, b = make_state(), make_state()
    await a.put("stage:shop-a/live-1", b"one")
    await a.put("stage:shop-b/live-1", b"two")
    await a.put("pin:shop-a/live-1", b"node-a")
    assert await b.get("stage:shop-a/live-1") == b"one"
    assert await b.get_many(["stage:shop-b/live-1", "stage:nobody/x"]) == [b"two", None]
    assert await b.scan("stage:") == {"stage:shop-a/live-1": b"one", "stage:shop-b/live-1": b"two"}
    assert await b.scan("stage:shop-a/") == {"stage:shop-a/live-1": b"one"}
    await b.delete("stage:shop-a/live-1")
    assert await a.get("stage:shop-a/live-1") is None
    assert await a.scan("stage:") == {"stage:shop-b/live-1": b"two"}


async def test_values_with_a_ttl_expire(make_state: Callable[[], SharedState]) -> None:
    a, b = make_state(), make_state()
    await a.put("node:a", b"http://a", ttl_s=0.2)
    assert await b.get("node:a") == b"http://a"
    await asyncio.sleep(0.35)
    assert await b.get("node:a") is None
    assert await b.scan("node:") == {}


async def test_a_lock_makes_read_modify_write_atomic_across_nodes(make_state: Callable[[], SharedState]) -> None:
    nodes = [make_state() for _ in range(3)]
    await nodes[0].put("counter:shop/x", b"0")

    async def bump(state: SharedState) -> None:
        for _ in range(15):
            async with state.lock(["counter:shop/x"]):
                n = int(await state.get("counter:shop/x") or b"0")
                await asyncio.sleep(0)  # another node would slip in here without the lock
                await state.put("counter:shop/x", str(n + 1).encode())

    await asyncio.gather(*(bump(s) for s in nodes))
    assert await nodes[1].get("counter:shop/x") == b"45"


async def test_two_keys_locked_in_either_order_do_not_deadlock(make_state: Callable[[], SharedState]) -> None:
    a, b = make_state(), make_state()
    done: list[str] = []

    async def hold(state: SharedState, keys: list[str], name: str) -> None:
        for _ in range(10):
            async with state.lock(keys, wait_s=3):
                await asyncio.sleep(0.001)
        done.append(name)

    await asyncio.gather(hold(a, ["k:shop/1", "k:shop/2"], "a"), hold(b, ["k:shop/2", "k:shop/1"], "b"))
    assert sorted(done) == ["a", "b"]


async def test_a_held_lock_times_out_the_waiter_and_a_dead_holders_lock_expires(
        make_state: Callable[[], SharedState]) -> None:
    a, b = make_state(), make_state()
    async with a.lock(["k:shop/1"], ttl_s=0.3):
        with pytest.raises(Timeout) as refused:
            async with b.lock(["k:shop/1"], wait_s=0.1):
                pass
        assert refused.value.code == "lock_timeout"
    async with b.lock(["k:shop/1"], wait_s=1):  # released: free again
        pass


# ------------------------------------------------------------------ nodes and room pins


async def test_a_room_stays_with_its_live_node_and_is_taken_over_when_that_node_dies(
        make_state: Callable[[], SharedState]) -> None:
    node_a = Nodes(make_state(), "a", "http://a.example:8000", ttl_s=0.3)
    node_b = Nodes(make_state(), "b", "http://b.example:8000", ttl_s=0.3)
    await node_a.start()
    await node_b.start()
    router_a, router_b = RoomRouter(node_a), RoomRouter(node_b)
    room, other_merchant = RoomKey("shop", "live-1"), RoomKey("other", "live-1")
    try:
        await router_a.pin(room)
        await router_a.require_here(room)
        with pytest.raises(Conflict) as refused:
            await router_b.require_here(room)
        assert refused.value.code == "room_elsewhere"
        assert refused.value.details["node"] == "a"
        assert refused.value.details["signal_url"] == "ws://a.example:8000/v1/signal"
        await router_b.require_here(other_merchant)  # another merchant's room of the same id: B's own
        assert await router_a.owner(other_merchant) == "b"
        assert set(await node_b.alive()) == {"a", "b"}
        await node_a.aclose()  # stopped (a killed node's heartbeat expires the same way)
        await router_b.require_here(room)
        assert await router_b.owner(room) == "b"
        await router_b.unpin(room)
        assert await router_b.owner(room) is None
    finally:
        await node_a.aclose()
        await node_b.aclose()


async def test_a_killed_nodes_heartbeat_expires(make_state: Callable[[], SharedState]) -> None:
    state = make_state()
    node = Nodes(state, "a", "http://a", ttl_s=0.3)
    await node.beat()  # one beat, then nothing: the process died
    assert await Nodes(make_state(), "b", "http://b").url_of("a") == "http://a"
    await asyncio.sleep(0.45)
    assert await Nodes(make_state(), "b", "http://b").url_of("a") is None


async def test_a_handler_may_subscribe_after_the_bus_started(make_bus: Callable[[], Bus]) -> None:
    a, b = make_bus(), make_bus()
    await a.start()
    await b.start()
    got: list[bytes] = []
    b.subscribe("stage", lambda m, p: got.append(p))
    await a.publish("stage", "shop", b"late")
    await _until(lambda: got == [b"late"])
