"""One contract suite, every revocation store: in-process, the SQLite file, real Redis (two nodes share it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from souk.auth.revocation import MemoryRevocations, RedisRevocations, RevocationStore, SqliteRevocations
from souk.core.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path,
                     clock: ManualClock) -> AsyncIterator[Callable[[], RevocationStore]]:
    """A factory of stores over one backend; a second call is another process where the backend is shared."""
    made: list[RevocationStore] = []
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def factory() -> RevocationStore:
        if request.param == "redis":
            store: RevocationStore = RedisRevocations(url, clock=clock)
        elif request.param == "sqlite":
            store = SqliteRevocations(tmp_path / "revoked.db", clock=clock)
        elif made:
            pytest.skip("the in-process store serves one process only")
        else:
            store = MemoryRevocations(clock)
        made.append(store)
        return store

    yield factory
    for s in made:
        await s.aclose()


async def test_revoked_ids_are_live_until_their_expiry(make_store: Callable[[], RevocationStore],
                                                       clock: ManualClock) -> None:
    store = make_store()
    now = clock.wall()
    assert await store.live() == {}
    assert await store.revoke("tok_a.1", "m1", now + 60) is True
    assert await store.revoke("tok_b.2", "m2", now + 600) is True
    assert await store.revoke("tok_a.1", "m1", now + 60) is False  # already revoked
    assert await store.live() == {"tok_a.1": "m1", "tok_b.2": "m2"}
    await clock.advance(60)
    assert await store.live() == {"tok_b.2": "m2"}  # kept no longer than the token would have lived
    await clock.advance(600)
    assert await store.live() == {}


async def test_another_process_sees_a_revocation(make_store: Callable[[], RevocationStore],
                                                 clock: ManualClock) -> None:
    server, cli = make_store(), make_store()  # skipped for the in-process store
    await cli.revoke("tok_c.3", "m1", clock.wall() + 60)
    assert await server.live() == {"tok_c.3": "m1"}


async def test_closing_twice_is_harmless(make_store: Callable[[], RevocationStore]) -> None:
    store = make_store()
    await store.aclose()
    await store.aclose()
