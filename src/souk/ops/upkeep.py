"""Quality records' retention: every ``every_s`` seconds, each merchant's records of joins older than
``retention_s`` are deleted (in batches, so one pass never holds the database for long)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)


class Purger(Protocol):
    async def purge(self, merchant_id: str, before: float, *, batch: int = ...) -> int: ...


class QualityUpkeep:
    def __init__(self, store: Purger, merchants: Callable[[], Awaitable[list[str]]], clock: Clock, *,
                 retention_s: float, every_s: float, batch: int = 5000) -> None:
        self._store = store
        self._merchants = merchants
        self._clock = clock
        self._retention_s = retention_s
        self._every_s = every_s
        self._batch = batch
        self._tasks = TaskOwner("quality-upkeep")

    async def run_once(self) -> int:
        """Delete what is past retention now, for every merchant; how many records."""
        before = self._clock.wall() - self._retention_s
        total = 0
        for merchant_id in await self._merchants():
            while (n := await self._store.purge(merchant_id, before, batch=self._batch)) > 0:
                total += n
                if n < self._batch:
                    break
        if total:
            log.info("deleted %d quality records older than %.0f days", total, self._retention_s / 86400)
        return total

    def start(self) -> None:
        if not len(self._tasks):
            self._tasks.spawn(self._run(), "purge")

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except (TimeoutError, SoukError, OSError) as exc:  # the next pass tries again
                log.warning("quality upkeep failed: %s", exc)
            await self._clock.sleep(self._every_s)

    async def aclose(self) -> None:
        await self._tasks.aclose()
