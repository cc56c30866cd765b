"""Token-bucket rate limits and slow mode, on an injectable clock (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from souk.core.clock import Clock


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``rate`` tokens a second, up to ``burst``; one bucket per key, idle buckets are pruned."""

    def __init__(self, clock: Clock, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, n: float = 1.0) -> float:
        """Take n tokens; returns 0.0 on success, else the seconds to wait before retrying."""
        if self._rate <= 0:
            return 0.0
        now = self._clock.now()
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= self._max_keys:
                self._prune(now)
            b = self._buckets[key] = _Bucket(self._burst, now)
        b.tokens = min(self._burst, b.tokens + (now - b.at) * self._rate)
        b.at = now
        if b.tokens >= n:
            b.tokens -= n
            return 0.0
        return (n - b.tokens) / self._rate

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self._rate >= self._burst]
        for k in full:
            del self._buckets[k]


class SlowMode:
    """Per-sender minimum interval between messages in a channel (set by moderators)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def check(self, key: str, user: str, interval_s: float) -> float:
        """0.0 if the user may post now (and records it), else seconds left."""
        now = self._clock.now()
        if interval_s > 0:
            last = self._last.get((key, user))
            if last is not None and now - last < interval_s:
                return interval_s - (now - last)
        self._last[(key, user)] = now
        if len(self._last) > 200_000:
            self._last.clear()
        return 0.0
