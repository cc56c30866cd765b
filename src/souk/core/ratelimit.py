"""Token buckets and failure lockouts: the pure arithmetic, the port, and the in-process backend.

A :class:`Rule` allows ``count`` actions at once and refills ``count`` every ``per_s`` seconds (a token
bucket of size ``count`` refilling at ``count / per_s`` a second). A :class:`Lockout` locks a key for
``lockout_s`` once it failed ``failures`` times within ``window_s`` of its first failure.

:class:`LimitStore` is the port: :class:`MemoryLimitStore` serves one process, the Redis backend
(souk.core.ratelimit_redis) many nodes; one contract suite (tests/contract/limits) runs on both. Keys are
opaque strings built by the caller and always carry the merchant (souk.api.limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from souk.core.clock import Clock, SystemClock


@dataclass(frozen=True, slots=True)
class Rule:
    count: int  # bucket size: this many actions at once
    per_s: float  # ... and this many again every per_s seconds

    @property
    def rate(self) -> float:
        return self.count / self.per_s if self.per_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int  # this many failures ...
    window_s: float  # ... within this window ...
    lockout_s: float  # ... lock the key this long


def refill(tokens: float, at: float, now: float, rule: Rule) -> float:
    """Tokens in a bucket last seen at ``at`` with ``tokens``, now."""
    return min(float(rule.count), tokens + max(0.0, now - at) * rule.rate)


def take(tokens: float, at: float, now: float, rule: Rule, cost: float = 1.0) -> tuple[float, float]:
    """One attempt on a bucket: ``(tokens left, seconds to wait)``; wait 0.0 means the action may go."""
    have = refill(tokens, at, now, rule)
    if have >= cost:
        return have - cost, 0.0
    rate = rule.rate
    return have, (cost - have) / rate if rate > 0 else float("inf")


class LimitStore(Protocol):
    async def take(self, key: str, rule: Rule, cost: float = 1.0) -> float:
        """Take ``cost`` tokens from the bucket ``key``; 0.0 if allowed, else the seconds until it would be."""

    async def locked_for(self, key: str) -> float:
        """Seconds the key stays locked out (0.0 when it is not)."""

    async def fail(self, key: str, lockout: Lockout) -> float:
        """Count one failure; returns the seconds of the lockout this failure started, else 0.0."""

    async def clear(self, key: str) -> None:
        """Forget the key's failures and lockout (a success)."""

    async def aclose(self) -> None: ...


class MemoryLimitStore:
    """One process's buckets and lockouts; idle entries are pruned once there are more than ``max_keys``."""

    def __init__(self, clock: Clock | None = None, *, max_keys: int = 200_000) -> None:
        self._clock = clock or SystemClock()
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float, Rule]] = {}  # key -> (tokens, at, rule)
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, first failure's time)
        self._locked: dict[str, float] = {}  # key -> locked until

    async def take(self, key: str, rule: Rule, cost: float = 1.0) -> float:
        now = self._clock.wall()
        tokens, at, _ = self._buckets.get(key, (float(rule.count), now, rule))
        left, wait = take(tokens, at, now, rule, cost)
        if key not in self._buckets and len(self._buckets) >= self._max_keys:
            self._prune(now)
        self._buckets[key] = (left, now, rule)
        return wait

    async def locked_for(self, key: str) -> float:
        until = self._locked.get(key)
        if until is None:
            return 0.0
        left = until - self._clock.wall()
        if left <= 0:
            del self._locked[key]
            return 0.0
        return left

    async def fail(self, key: str, lockout: Lockout) -> float:
        now = self._clock.wall()
        n, start = self._failures.get(key, (0, now))
        if now - start >= lockout.window_s:  # the window starts at the first failure
            n, start = 0, now
        n += 1
        if n >= lockout.failures:
            self._failures.pop(key, None)
            self._locked[key] = now + lockout.lockout_s
            return lockout.lockout_s
        if key not in self._failures and len(self._failures) >= self._max_keys:
            self._failures.clear()  # an attacker spraying keys: forget counts rather than grow
        self._failures[key] = (n, start)
        return 0.0

    async def clear(self, key: str) -> None:
        self._failures.pop(key, None)
        self._locked.pop(key, None)

    async def aclose(self) -> None:
        self._buckets.clear()

    def _prune(self, now: float) -> None:
        full = [k for k, (t, at, rule) in self._buckets.items() if refill(t, at, now, rule) >= rule.count]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self._max_keys:  # nothing idle to drop: start over rather than grow
            self._buckets.clear()
