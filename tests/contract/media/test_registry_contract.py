"""One contract suite for the audience load registry: the in-process store and real Redis.

Several registries on one backend stand for several Souk processes sharing the same Janus nodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import ConfigError, Unavailable
from souk.core.tenancy import RoomKey
from souk.media.registry import MemoryRegistry, MemoryRegistryStore, NodeRegistry, RedisRegistry, per_node

TTL_S = 0.6
R1, R2, R = RoomKey("shop", "room1"), RoomKey("shop", "room2"), RoomKey("shop", "r")

Factory = Callable[[str], NodeRegistry]


class Backend:
    def __init__(self, make: Factory, expire: Callable[[], Awaitable[None]]) -> None:
        self.make = make
        self.expire = expire  # let more than one TTL pass


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    made: list[NodeRegistry] = []
    if request.param == "memory":
        clock = ManualClock()
        store = MemoryRegistryStore(clock)

        def make(souk_node: str) -> NodeRegistry:
            made.append(MemoryRegistry(store, souk_node, ttl_s=TTL_S))
            return made[-1]

        async def expire() -> None:
            await clock.advance(TTL_S + 0.1)
    else:
        url = request.getfixturevalue("redis_url")

        def make(souk_node: str) -> NodeRegistry:
            made.append(RedisRegistry(url, souk_node, ttl_s=TTL_S))
            return made[-1]

        async def expire() -> None:
            await asyncio.sleep(TTL_S + 0.3)  # a real TTL on the real server
    yield Backend(make, expire)
    for r in made:
        await r.aclose()


async def test_others_sum_other_processes_not_mine(backend: Backend) -> None:
    a, b, c = backend.make("souk-a"), backend.make("souk-b"), backend.make("souk-c")
    await a.publish({(R1, "node1"): 3, (R1, "node2"): 1})
    await b.publish({(R1, "node1"): 2, (R2, "node2"): 5})
    assert await a.others() == {(R1, "node1"): 2, (R2, "node2"): 5}
    assert await c.others() == {(R1, "node1"): 5, (R1, "node2"): 1, (R2, "node2"): 5}
    assert per_node(await c.others(), R1) == {"node1": 5, "node2": 1}
    assert per_node(await c.others()) == {"node1": 5, "node2": 6}


async def test_publish_replaces_and_zero_drops(backend: Backend) -> None:
    a, b = backend.make("souk-a"), backend.make("souk-b")
    await a.publish({(R, "n1"): 4, (R, "n2"): 2})
    await a.publish({(R, "n1"): 1, (R, "n2"): 0})
    assert await b.others() == {(R, "n1"): 1}
    await a.publish({})
    assert await b.others() == {}


async def test_room_ids_with_separators_survive(backend: Backend) -> None:
    a, b = backend.make("souk-a"), backend.make("souk-b")
    odd = RoomKey('shop:"a"', 'room:"x"|y\x1f,[]')
    await a.publish({(odd, "node:1"): 7})
    assert await b.others() == {(odd, "node:1"): 7}


async def test_entries_of_a_dead_process_expire_and_a_heartbeat_keeps_them(backend: Backend) -> None:
    alive, dead, reader = backend.make("souk-alive"), backend.make("souk-dead"), backend.make("souk-reader")
    await alive.publish({(R, "n1"): 1})
    await dead.publish({(R, "n1"): 10, (R, "n2"): 4})
    assert await reader.others() == {(R, "n1"): 11, (R, "n2"): 4}
    # the live one heartbeats (republishes) within its TTL; the dead one never writes again
    half = TTL_S / 2

    async def _half() -> None:
        if isinstance(alive, MemoryRegistry):
            await alive.store.clock.advance(half)  # type: ignore[attr-defined]
        else:
            await asyncio.sleep(half)

    await _half()
    await alive.publish({(R, "n1"): 1})
    await _half()
    await alive.publish({(R, "n1"): 1})
    await _half()
    assert await reader.others() == {(R, "n1"): 1}
    await backend.expire()
    assert await reader.others() == {}  # the live one stopped too


async def test_aclose_withdraws_at_once(backend: Backend) -> None:
    a, b = backend.make("souk-a"), backend.make("souk-b")
    await a.publish({(R, "n1"): 2})
    await a.aclose()
    await a.aclose()  # idempotent
    assert await b.others() == {}


def test_bad_construction_is_refused() -> None:
    store = MemoryRegistryStore(ManualClock())
    with pytest.raises(ConfigError):
        MemoryRegistry(store, "")
    with pytest.raises(ConfigError):
        MemoryRegistry(store, "souk-a", ttl_s=0)


async def test_redis_down_is_unavailable_not_a_crash() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reg = RedisRegistry(f"redis://127.0.0.1:{port}/0", "souk-a")
    try:
        with pytest.raises(Unavailable):
            await reg.publish({(R, "n"): 1})
        with pytest.raises(Unavailable):
            await reg.others()
    finally:
        await reg.aclose()


async def test_the_same_room_id_of_two_merchants_is_counted_apart(backend: Backend) -> None:
    a, b = backend.make("souk-a"), backend.make("souk-b")
    mine, theirs = RoomKey("shop-a", "live-demo"), RoomKey("shop-b", "live-demo")
    await a.publish({(mine, "n1"): 3, (theirs, "n1"): 1})
    others = await b.others()
    assert others == {(mine, "n1"): 3, (theirs, "n1"): 1}
    assert per_node(others, mine) == {"n1": 3} and per_node(others, theirs) == {"n1": 1}
