"""The ``souk bench voiceroom`` figures, pure: mouth-to-ear latencies from burst send times and ear onsets,
percentiles, loss and listeners per core.

A speaker's burst (its pitch, sent at ``s``) is heard by a probe listener at the first onset of that pitch in
``[s, s + timeout)``; its mouth-to-ear latency is that onset minus ``s``. A burst a probe never heard within the
timeout counts as a failed sample *at the timeout* (never dropped), so losses raise the percentiles.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Latencies:
    samples_ms: tuple[float, ...]  # heard bursts and failed ones (at the timeout)
    failed: int


def match_bursts(bursts: Mapping[str, Sequence[float]], onsets: Mapping[str, Sequence[float]], *,
                 window: tuple[float, float], timeout_s: float) -> Latencies:
    """Latencies of one probe: every burst sent inside ``window`` (start, end; a burst sent later than
    ``end - timeout_s`` is left out: it could not be heard in time)."""
    start, end = window
    samples: list[float] = []
    failed = 0
    for pitch, sent in bursts.items():
        heard = sorted(onsets.get(pitch, ()))
        for s in sent:
            if not start <= s <= end - timeout_s:
                continue
            i = bisect.bisect_left(heard, s)
            if i < len(heard) and heard[i] - s < timeout_s:
                samples.append(1000.0 * (heard[i] - s))
            else:
                failed += 1
                samples.append(1000.0 * timeout_s)
    return Latencies(tuple(samples), failed)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def loss_pct(before: Mapping[str, Mapping[str, int]], after: Mapping[str, Mapping[str, int]]) -> float | None:
    """Audio packets lost / expected over every listener, between two stats snapshots (keys: listener ids)."""
    lost = received = 0
    for key, a in after.items():
        b = before.get(key, {"received": 0, "lost": 0})
        lost += max(0, int(a["lost"]) - int(b["lost"]))
        received += max(0, int(a["received"]) - int(b["received"]))
    total = lost + received
    return round(100.0 * lost / total, 3) if total else None


def listeners_per_core(listeners: int, janus_cpu_pct: float, baseline_cpu_pct: float) -> tuple[float | None,
                                                                                                int | None]:
    """(Janus CPU % of one core per listener, listeners one core serves) from Janus's CPU with and without the
    bulk listeners; (None, None) when the difference is not positive (too few listeners to see)."""
    if listeners <= 0:
        return None, None
    extra = janus_cpu_pct - baseline_cpu_pct
    if extra <= 0:
        return None, None
    per = extra / listeners
    return round(per, 4), int(100 / per)
