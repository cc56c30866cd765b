"""Buckets and lockouts behave the same on every backend (manual clock: no sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from souk.core.clock import ManualClock
from souk.core.ratelimit import LimitStore, Lockout, Rule

RING = Rule(count=3, per_s=60.0)  # 3 at once, 3 more a minute
GUESSES = Lockout(failures=3, window_s=600.0, lockout_s=900.0)


async def test_bucket_allows_its_burst_then_says_how_long_to_wait(
        make_store: Callable[[], LimitStore], clock: ManualClock) -> None:
    store = make_store()
    assert [await store.take("m1|ring|alice", RING) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await store.take("m1|ring|alice", RING)
    assert wait == pytest.approx(20.0)  # one token every 20 s
    await clock.advance(19.0)
    assert await store.take("m1|ring|alice", RING) == pytest.approx(1.0)
    await clock.advance(1.0)
    assert await store.take("m1|ring|alice", RING) == 0.0
    assert await store.take("m1|ring|alice", RING) > 0


async def test_buckets_are_independent_per_key(make_store: Callable[[], LimitStore]) -> None:
    store = make_store()
    for _ in range(3):
        assert await store.take("m1|ring|alice", RING) == 0.0
    assert await store.take("m1|ring|alice", RING) > 0
    assert await store.take("m2|ring|alice", RING) == 0.0  # the same identity at another merchant
    assert await store.take("m1|ring|bob", RING) == 0.0


async def test_a_bucket_refills_to_its_size_only(make_store: Callable[[], LimitStore], clock: ManualClock) -> None:
    store = make_store()
    await store.take("k", RING)
    await clock.advance(3600.0)
    assert [await store.take("k", RING) for _ in range(4)][-1] > 0  # still 3 at once, not 180


async def test_cost_above_the_bucket_never_passes(make_store: Callable[[], LimitStore]) -> None:
    store = make_store()
    assert await store.take("k", RING, cost=4) == pytest.approx(20.0)


async def test_lockout_after_repeated_failures_then_expiry(
        make_store: Callable[[], LimitStore], clock: ManualClock) -> None:
    store = make_store()
    key = "m1|verify|guest-1"
    assert await store.locked_for(key) == 0.0
    assert await store.fail(key, GUESSES) == 0.0
    assert await store.fail(key, GUESSES) == 0.0
    assert await store.locked_for(key) == 0.0
    assert await store.fail(key, GUESSES) == 900.0
    assert await store.locked_for(key) == pytest.approx(900.0)
    await clock.advance(899.0)
    assert await store.locked_for(key) == pytest.approx(1.0)
    await clock.advance(1.0)
    assert await store.locked_for(key) == 0.0
    assert await store.fail(key, GUESSES) == 0.0  # a fresh window after the lockout


async def test_failures_outside_the_window_do_not_add_up(
        make_store: Callable[[], LimitStore], clock: ManualClock) -> None:
    store = make_store()
    await store.fail("k", GUESSES)
    await store.fail("k", GUESSES)
    await clock.advance(600.0)
    assert await store.fail("k", GUESSES) == 0.0
    assert await store.locked_for("k") == 0.0


async def test_clear_forgets_failures_and_lockout(make_store: Callable[[], LimitStore]) -> None:
    store = make_store()
    await store.fail("k", GUESSES)
    await store.fail("k", GUESSES)
    await store.clear("k")
    assert await store.fail("k", GUESSES) == 0.0
    for _ in range(2):
        await store.fail("k", GUESSES)
    assert await store.locked_for("k") > 0
    await store.clear("k")
    assert await store.locked_for("k") == 0.0


async def test_concurrent_takes_never_overspend(make_store: Callable[[], LimitStore]) -> None:
    store = make_store()
    rule = Rule(count=10, per_s=3600.0)
    waits = await asyncio.gather(*(store.take("burst", rule) for _ in range(50)))
    assert sum(1 for w in waits if w == 0.0) == 10


async def test_two_nodes_share_one_bucket_and_lockout(make_store: Callable[[], LimitStore]) -> None:
    a, b = make_store(), make_store()  # skipped for the in-process backend
    assert await a.take("k", RING) == 0.0
    assert await b.take("k", RING) == 0.0
    assert await a.take("k", RING) == 0.0
    assert await b.take("k", RING) > 0
    await a.fail("v", GUESSES)
    await b.fail("v", GUESSES)
    await a.fail("v", GUESSES)
    assert await b.locked_for("v") > 0
