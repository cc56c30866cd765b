"""When to try a request again, and how long to wait first: an injectable policy object.

Souk answers ``429`` (``rate_limited``, ``locked_out``, ``too_many_sessions``) and ``503`` (a service or node
not available now) before it acts, so both are safe to repeat whatever the method. The wait is the server's
``Retry-After`` when it sent one, else exponential backoff with jitter. A ``Retry-After`` longer than
``max_retry_after_s`` is not waited for: the error is raised at once, with ``retry_after`` set, for the
caller to decide. A connection that could not be opened (nothing was sent) is retried too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_retries`` more attempts after the first; waits ``min(cap_s, base_s * 2**n)`` scaled by a jitter in
    [1 - jitter, 1] (n = 0 for the first retry), or the server's ``Retry-After``."""

    max_retries: int = 3
    base_s: float = 0.5
    cap_s: float = 8.0
    jitter: float = 0.5
    max_retry_after_s: float = 60.0
    statuses: frozenset[int] = RETRY_STATUSES
    rand: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.base_s < 0 or self.cap_s < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("max_retries, base_s and cap_s must be >= 0 and jitter within [0, 1]")

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0-based) when the server named none."""
        full = min(self.cap_s, self.base_s * (2 ** retry))
        return float(full * (1 - self.jitter * self.rand()))

    def delay(self, retry: int, status: int | None, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry``, or None: do not retry (out of tries, a status that
        is not retried, or a ``Retry-After`` beyond ``max_retry_after_s``). ``status`` None: no answer."""
        if retry >= self.max_retries:
            return None
        if status is not None and status not in self.statuses:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after_s else None
        return self.backoff(retry)


NO_RETRY = RetryPolicy(max_retries=0)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (Souk sends whole seconds; an HTTP date or garbage gives None)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
