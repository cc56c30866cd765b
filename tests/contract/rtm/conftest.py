"""One contract suite, every broker backend: in-process (with and without its SQLite log) and real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.rtm.broker import Broker
from souk.rtm.memory import MemoryBroker
from souk.rtm.redis_broker import RedisBroker
from souk.rtm.sqlite_log import SqliteLog
from tests.contract.rtm.rtm_sink import RecordingSink  # noqa: F401  (re-exported for tests)

BrokerFactory = Callable[[], Broker]


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def make_broker(request: pytest.FixtureRequest, tmp_path: Path,
                      clock: ManualClock) -> AsyncIterator[Callable[[], Broker]]:
    """A factory of started brokers sharing one backend (several = several nodes, where the backend can)."""
    made: list[Broker] = []
    kind = request.param
    url = request.getfixturevalue("redis_url") if kind == "redis" else ""
    shared: list[Broker] = []

    def factory() -> Broker:
        if kind == "redis":
            b: Broker = RedisBroker(url, clock=clock, catchup_s=0.2)
        elif shared:
            pytest.skip("the in-process broker serves one process only")
        else:
            b = MemoryBroker(log=SqliteLog(tmp_path / "rtm.db") if kind == "sqlite" else None, clock=clock)
            shared.append(b)
        made.append(b)
        return b

    factory.kind = kind  # type: ignore[attr-defined]
    yield factory
    for b in made:
        await b.aclose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
