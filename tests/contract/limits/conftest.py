"""One contract suite, every LimitStore backend: in-process and real Redis (two nodes share one Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from souk.core.clock import ManualClock
from souk.core.ratelimit import LimitStore, MemoryLimitStore
from souk.core.ratelimit_redis import RedisLimitStore


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_store(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[Callable[[], LimitStore]]:
    """A factory of stores over one backend; a second call is a second node where the backend is shared."""
    made: list[LimitStore] = []
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def factory() -> LimitStore:
        if url:
            store: LimitStore = RedisLimitStore(url, clock=clock)
        elif made:
            pytest.skip("the in-process store serves one process only")
        else:
            store = MemoryLimitStore(clock)
        made.append(store)
        return store

    yield factory
    for s in made:
        await s.aclose()
