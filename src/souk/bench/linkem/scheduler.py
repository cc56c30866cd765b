"""The link's decisions, without I/O: for each packet offered at time ``now``, when it arrives or why not.

A packet goes through, in order: the bandwidth cap (token bucket + bounded FIFO: it waits for tokens, or
is dropped at the tail when the FIFO is full), an outage check at the moment it would leave (the link is
dark: lost), the loss model (lost on the wire; it still used its share of the bandwidth), then the delay
with jitter (raised so that it does not overtake the previous packet unless reordering is allowed).
Times are seconds on any monotonic clock; the caller passes ``now`` so tests drive it with a fake clock.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from souk.bench.linkem.profile import Direction

T = TypeVar("T")


class Drop(str, Enum):
    QUEUE = "queue"  # tail drop: the bandwidth cap's FIFO was full
    OUTAGE = "outage"
    LOSS = "loss"


@dataclass(slots=True)
class DirectionStats:
    offered: int = 0
    passed: int = 0
    bytes_offered: int = 0
    bytes_passed: int = 0
    dropped_queue: int = 0
    dropped_outage: int = 0
    dropped_loss: int = 0

    def to_json(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


class LossModel:
    """Independent (Bernoulli) loss, or a Gilbert-Elliott chain with mean bad-state run ``burst``."""

    def __init__(self, loss: float, burst: float | None, rng: random.Random) -> None:
        self._rng = rng
        self._bad = False
        self.set(loss, burst)

    def set(self, loss: float, burst: float | None) -> None:
        self.loss = loss
        self.burst = burst
        if burst is None or loss <= 0.0:
            self._p_gb = self._p_bg = 0.0
            return
        self._p_bg = 1.0 / burst  # bad -> good: bad runs last `burst` packets on average
        self._p_gb = loss * self._p_bg / (1.0 - loss)  # good -> bad: stationary P(bad) = loss
        if self._p_gb > 1.0:
            raise ValueError(f"loss {loss} with mean burst {burst} is impossible (good runs shorter than 1)")

    def lost(self) -> bool:
        if self.loss <= 0.0:
            return False
        if self.burst is None:
            return self._rng.random() < self.loss
        if self._bad:
            self._bad = self._rng.random() >= self._p_bg
        else:
            self._bad = self._rng.random() < self._p_gb
        return self._bad


class Shaper:
    """A token bucket (``rate`` bytes/s, depth ``bucket``) fed by a FIFO of at most ``queue`` bytes."""

    def __init__(self, rate_bps: float, bucket: int, queue: int) -> None:
        self._free_at = float("-inf")  # when the last accepted packet leaves
        self._tokens = float(bucket)  # tokens left at _free_at
        self._waiting: deque[tuple[float, int]] = deque()  # (departure, size) of packets not yet gone
        self._backlog = 0
        self.set(rate_bps, bucket, queue)

    def set(self, rate_bps: float, bucket: int, queue: int) -> None:
        self.rate = rate_bps
        self.bucket = bucket
        self.queue = queue
        self._tokens = min(self._tokens, float(bucket))

    def backlog(self, now: float) -> int:
        while self._waiting and self._waiting[0][0] <= now:
            self._backlog -= self._waiting.popleft()[1]
        return self._backlog

    def departure(self, now: float, size: int) -> float | None:
        """When a packet of ``size`` bytes offered at ``now`` leaves, or None if the FIFO is full."""
        if self.rate <= 0:
            return now
        if self.backlog(now) + size > self.queue:
            return None
        start = max(now, self._free_at)
        tokens = self._tokens if self._free_at == float("-inf") else min(
            float(self.bucket), self._tokens + (start - self._free_at) * self.rate)
        if tokens >= size:
            depart, tokens = start, tokens - size
        else:
            depart, tokens = start + (size - tokens) / self.rate, 0.0
        self._free_at, self._tokens = depart, tokens
        if depart > now:
            self._waiting.append((depart, size))
            self._backlog += size
        return depart


class DirectionScheduler:
    """One direction of the link; ``offer`` says when a packet arrives, or returns the reason it is dropped."""

    def __init__(self, direction: Direction, rng: random.Random, now: float) -> None:
        self._rng = rng
        self._loss = LossModel(direction.loss, direction.burst, rng)
        self._shaper = Shaper(direction.rate_kbps * 125.0, direction.bucket_bytes, direction.queue_bytes)
        self._last_arrival = float("-inf")
        self._dark: list[tuple[float, float]] = []
        self.stats = DirectionStats()
        self.direction = direction
        self.update(direction, now)

    def update(self, direction: Direction, now: float) -> None:
        """New settings from ``now`` on (queued packets keep their times; planned outages count from now)."""
        self.direction = direction
        self._loss.set(direction.loss, direction.burst)
        self._shaper.set(direction.rate_kbps * 125.0, direction.bucket_bytes, direction.queue_bytes)
        self._dark = [w for w in self._dark if w[1] > now]  # on-command outages still running stay
        self._dark += [(now + o.at_s, now + o.at_s + o.duration_s) for o in direction.outages]

    def outage(self, now: float, seconds: float) -> None:
        """Go dark from ``now`` for ``seconds``."""
        self._dark.append((now, now + seconds))

    def restore(self, now: float) -> None:
        """End every outage running at ``now`` (planned ones later on stay)."""
        self._dark = [(s, e) for s, e in self._dark if s > now]

    def dark(self, at: float) -> bool:
        return any(s <= at < e for s, e in self._dark)

    def offer(self, now: float, size: int) -> float | Drop:
        self.stats.offered += 1
        self.stats.bytes_offered += size
        depart = self._shaper.departure(now, size)
        if depart is None:
            self.stats.dropped_queue += 1
            return Drop.QUEUE
        if self.dark(depart):
            self.stats.dropped_outage += 1
            return Drop.OUTAGE
        if self._loss.lost():
            self.stats.dropped_loss += 1
            return Drop.LOSS
        d = self.direction
        delay = d.delay_ms
        if d.jitter_ms > 0:
            delay = max(0.0, delay + self._rng.uniform(-d.jitter_ms, d.jitter_ms))
        arrival = depart + delay / 1000.0
        if not d.reorder:
            arrival = max(arrival, self._last_arrival)
        self._last_arrival = max(arrival, self._last_arrival)
        self.stats.passed += 1
        self.stats.bytes_passed += size
        return arrival


class DelayLine(Generic[T]):
    """Packets in flight, released in arrival order (ties in the order they were sent)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, T]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, arrival: float, item: T) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (arrival, self._seq, item))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[T]:
        out: list[T] = []
        while self._heap and self._heap[0][0] <= now:
            out.append(heapq.heappop(self._heap)[2])
        return out
