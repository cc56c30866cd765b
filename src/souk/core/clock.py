"""Clocks: the real one and a manual one for tests of timing logic."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""

    def wall(self) -> float:
        """Unix time in seconds."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to; sleepers wake as time passes them."""

    def __init__(self, start: float = 1000.0, wall_start: float = 1_800_000_000.0) -> None:
        self._t = start
        self._wall_offset = wall_start - start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._t

    def wall(self) -> float:
        return self._t + self._wall_offset

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._t + seconds, fut))
        await fut

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking sleepers in order and letting them run."""
        target = self._t + seconds
        while True:
            due = sorted((s for s in self._sleepers if s[0] <= target), key=lambda s: s[0])
            if not due:
                break
            when, fut = due[0]
            self._sleepers.remove((when, fut))
            self._t = max(self._t, when)
            if not fut.done():
                fut.set_result(None)
            for _ in range(5):
                await asyncio.sleep(0)
        self._t = target
        for _ in range(5):
            await asyncio.sleep(0)


class RealtimePacer:
    """Paces fixed-period frames (e.g. 20 ms of audio) against a clock: ``next()`` waits for the n-th slot and
    returns n, counted from the first call. With ``reanchor_after_s``, a consumer that fell further behind
    than that (a stalled encoder) starts a new timeline at slot 0 instead of bursting to catch up."""

    def __init__(self, period_s: float, *, reanchor_after_s: float | None = None,
                 clock: Clock | None = None) -> None:
        self._period = period_s
        self._reanchor = reanchor_after_s
        self._clock: Clock = clock or SystemClock()
        self._start: float | None = None
        self._n = 0

    async def next(self) -> int:
        now = self._clock.now()
        if self._start is None:
            self._start = now
        else:
            wait = self._start + self._n * self._period - now
            if wait > 0:
                await self._clock.sleep(wait)
            elif self._reanchor is not None and wait < -self._reanchor:
                self._start, self._n = now, 0
        n = self._n
        self._n += 1
        return n
