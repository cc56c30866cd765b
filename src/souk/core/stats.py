"""Percentiles for benchmark reports."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(xs: Sequence[float], q: float, *, ndigits: int = 1) -> float | None:
    """The nearest-rank ``q`` quantile (0 < q <= 1): the ceil(q * n)-th smallest value, None when empty.

    With 20 samples p95 is the 19th smallest (one slow sample in 20 is what p95 allows) and p50 the 10th."""
    if not xs:
        return None
    if not 0 < q <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {q}")
    s = sorted(xs)
    return round(s[max(0, math.ceil(q * len(s)) - 1)], ndigits)
