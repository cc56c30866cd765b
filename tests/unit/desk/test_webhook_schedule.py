"""The retry schedule: exponential, capped, jittered by the injected RNG, and it gives up after a day."""

from __future__ import annotations

import random

import pytest

from souk.desk.webhook_schedule import RetrySchedule


class FixedRng:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_without_jitter_delays_double_up_to_the_cap() -> None:
    s = RetrySchedule(base_s=10, factor=2, cap_s=3600, jitter=0.0)
    assert [s.delay(n, FixedRng(0.5)) for n in range(1, 11)] == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]


def test_jitter_stays_within_its_band_and_comes_from_the_rng() -> None:
    s = RetrySchedule(base_s=100, jitter=0.2)
    assert s.delay(1, FixedRng(0.0)) == pytest.approx(80)
    assert s.delay(1, FixedRng(0.5)) == pytest.approx(100)
    assert s.delay(1, FixedRng(0.999999)) == pytest.approx(120, rel=1e-5)
    a, b = random.Random(7), random.Random(7)
    assert [s.delay(3, a) for _ in range(5)] == [s.delay(3, b) for _ in range(5)]


def test_gives_up_once_the_next_attempt_would_be_past_a_day() -> None:
    s = RetrySchedule()
    rng = random.Random(1)
    age, failed = 0.0, 0
    while True:
        failed += 1
        wait = s.next_delay(failed, age, rng)
        if wait is None:
            break
        age += wait
    assert age <= 86400
    assert age > 86400 - 3600 * 1.2 - 1  # it kept trying until the last hour of the day
    assert 25 < failed < 40


def test_next_delay_is_none_for_a_delivery_already_a_day_old() -> None:
    assert RetrySchedule().next_delay(1, 86400, FixedRng(0.5)) is None
    assert RetrySchedule().next_delay(1, 0, FixedRng(0.5)) == pytest.approx(10)
