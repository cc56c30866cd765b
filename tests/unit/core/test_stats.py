"""Nearest-rank percentiles used by the benchmark reports."""

from __future__ import annotations

import pytest

from souk.core.stats import percentile


def test_nearest_rank() -> None:
    xs = [float(x) for x in range(1, 21)]  # 1..20, shuffled order does not matter
    assert percentile(list(reversed(xs)), 0.95) == 19.0  # the 19th of 20: one slow sample is allowed
    assert percentile(xs, 0.5) == 10.0
    assert percentile(xs, 1.0) == 20.0
    assert percentile([7.26], 0.95) == 7.3
    assert percentile(list(range(1, 101)), 0.99) == 99.0


def test_empty_and_bad_quantiles() -> None:
    assert percentile([], 0.5) is None
    with pytest.raises(ValueError):
        percentile([1.0], 0.0)
    with pytest.raises(ValueError):
        percentile([1.0], 95)
