"""Quality retention on a fake clock: every merchant's records past retention are purged in batches, at start
and then every every_s; a failing pass does not stop the loop."""

from __future__ import annotations

import asyncio

from souk.core.clock import ManualClock
from souk.core.errors import Unavailable
from souk.ops.upkeep import QualityUpkeep


class Store:
    def __init__(self, old: dict[str, int]) -> None:
        self.old = old
        self.calls: list[tuple[str, float, int]] = []
        self.fail = False

    async def purge(self, merchant_id: str, before: float, *, batch: int = 5000) -> int:
        self.calls.append((merchant_id, before, batch))
        if self.fail:
            raise Unavailable("database down")
        n = min(batch, self.old.get(merchant_id, 0))
        self.old[merchant_id] = self.old.get(merchant_id, 0) - n
        return n


async def merchants() -> list[str]:
    return ["m1", "m2"]


async def test_run_once_purges_every_merchant_in_batches() -> None:
    clock = ManualClock()
    store = Store({"m1": 5, "m2": 1})
    upkeep = QualityUpkeep(store, merchants, clock, retention_s=86400, every_s=3600, batch=2)
    assert await upkeep.run_once() == 6
    assert store.old == {"m1": 0, "m2": 0}
    assert [c[0] for c in store.calls] == ["m1", "m1", "m1", "m2"]
    assert {c[1] for c in store.calls} == {clock.wall() - 86400}


async def test_the_loop_runs_at_start_and_every_every_s() -> None:
    clock = ManualClock()
    store = Store({"m1": 1})
    store.fail = True
    upkeep = QualityUpkeep(store, merchants, clock, retention_s=10, every_s=3600)
    upkeep.start()
    try:
        await asyncio.sleep(0)
        assert len(store.calls) == 1  # the first pass failed, and the loop sleeps
        store.fail = False
        await clock.advance(3600)
        for _ in range(10):
            await asyncio.sleep(0)
        assert store.old["m1"] == 0 and [c[0] for c in store.calls][-2:] == ["m1", "m2"]
    finally:
        await upkeep.aclose()
