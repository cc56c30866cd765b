"""One contract suite, both backends of each cluster port: memory (simulated nodes in one process) and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from souk.cluster.bus import Bus, MemoryBus, MemoryBusHub, RedisBus
from souk.cluster.state import MemoryState, MemoryStateStore, RedisState, SharedState


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Bus]]:
    """A factory of (unstarted) buses on one backend: each stands for one node."""
    made: list[Bus] = []
    hub = MemoryBusHub()
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def factory() -> Bus:
        bus: Bus = RedisBus(url) if url else MemoryBus(hub)
        made.append(bus)
        return bus

    yield factory
    for bus in made:
        await bus.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_state(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], SharedState]]:
    """A factory of shared states on one backend: each stands for one node."""
    made: list[SharedState] = []
    store = MemoryStateStore()
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def factory() -> SharedState:
        state: SharedState = RedisState(url) if url else MemoryState(store)
        made.append(state)
        return state

    yield factory
    for state in made:
        await state.aclose()
