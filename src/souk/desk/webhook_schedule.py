"""When to retry a failed delivery: exponential backoff with jitter, giving up after a day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Rng(Protocol):
    def random(self) -> float:
        """A float in [0, 1); ``random.Random`` fits."""


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Attempt n failed -> wait ``min(cap, base * factor**(n-1))``, scaled by a jitter in [1-j, 1+j].

    The defaults give 10 s, 20 s, 40 s ... up to 1 h between attempts; no attempt is scheduled later than
    ``give_up_after_s`` (24 h) after the delivery was created.
    """

    base_s: float = 10.0
    factor: float = 2.0
    cap_s: float = 3600.0
    jitter: float = 0.2
    give_up_after_s: float = 86400.0

    def delay(self, failed_attempts: int, rng: Rng) -> float:
        raw = min(self.cap_s, self.base_s * self.factor ** max(0, failed_attempts - 1))
        return raw * (1.0 - self.jitter + 2.0 * self.jitter * rng.random())

    def next_delay(self, failed_attempts: int, age_s: float, rng: Rng) -> float | None:
        """Seconds until the next attempt, or None to give up (the delivery would be older than a day)."""
        wait = self.delay(failed_attempts, rng)
        if age_s + wait > self.give_up_after_s:
            return None
        return wait
