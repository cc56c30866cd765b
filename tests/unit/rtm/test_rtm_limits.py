from __future__ import annotations

from souk.core.clock import ManualClock
from souk.rtm.limits import RateLimiter, SlowMode


async def test_token_bucket_allows_burst_then_rate() -> None:
    clock = ManualClock()
    rl = RateLimiter(clock, rate=2.0, burst=4.0)
    assert [rl.take("u") for _ in range(4)] == [0.0] * 4
    wait = rl.take("u")
    assert 0.49 < wait <= 0.5
    assert rl.take("other") == 0.0  # buckets are per key
    await clock.advance(0.5)
    assert rl.take("u") == 0.0
    assert rl.take("u") > 0


async def test_slow_mode_interval_per_user_and_channel() -> None:
    clock = ManualClock()
    slow = SlowMode(clock)
    assert slow.check("ch", "u", 10) == 0.0
    assert 9.9 < slow.check("ch", "u", 10) <= 10
    assert slow.check("ch", "v", 10) == 0.0
    assert slow.check("ch2", "u", 10) == 0.0
    await clock.advance(10)
    assert slow.check("ch", "u", 10) == 0.0
    assert slow.check("ch", "u", 0) == 0.0  # slow mode off
