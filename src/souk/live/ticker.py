"""Coalesced live-stock broadcasts: however many purchases land, each sale's remaining stock goes out at
most once per interval (the latest value), on an injectable clock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

Emit = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # (merchant_id, room_id, body)
MAX_PENDING = 10_000


class StockTicker:
    def __init__(self, emit: Emit, clock: Clock, *, interval_s: float = 0.25) -> None:
        self._emit = emit
        self._clock = clock
        self._interval = interval_s
        self._pending: dict[tuple[str, str, str], dict[str, Any]] = {}  # (merchant, room, sale) -> body
        self._tasks = TaskOwner("live-stock")
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._tasks.spawn(self._run(), "ticker")

    def note(self, merchant_id: str, room_id: str, sale_id: str, body: dict[str, Any]) -> None:
        """Remember the latest stock of a sale; it goes out on the next tick (older values are dropped)."""
        key = (merchant_id, room_id, sale_id)
        if key not in self._pending and len(self._pending) >= MAX_PENDING:
            log.warning("live stock backlog full; dropping an update for sale %s", sale_id)
            return
        self._pending[key] = body

    def forget(self, merchant_id: str, room_id: str, sale_id: str) -> None:
        """Drop a sale's pending update (the sale is over: a stale value must not follow its end)."""
        self._pending.pop((merchant_id, room_id, sale_id), None)

    async def flush(self) -> int:
        """Emit everything pending now; returns how many messages went out."""
        batch, self._pending = self._pending, {}
        for (merchant_id, room_id, _), body in batch.items():
            try:
                await self._emit(merchant_id, room_id, body)
            except SoukError as exc:
                log.warning("live stock update for %s/%s not published: %s", merchant_id, room_id, exc)
        return len(batch)

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self._interval)
            if self._pending:
                await self.flush()

    async def aclose(self) -> None:
        await self._tasks.aclose()
