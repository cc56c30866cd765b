from __future__ import annotations

import asyncio

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, ErrorKind, NotFound, SoukError, Timeout
from souk.core.ids import new_id
from souk.core.tasks import TaskOwner


def test_errors_inherit_builtins_and_serialize() -> None:
    err = Timeout("janus did not answer", code="janus_timeout")
    assert isinstance(err, TimeoutError) and isinstance(err, SoukError)
    assert err.retryable and err.to_dict() == {
        "code": "janus_timeout", "kind": "timeout", "message": "janus did not answer", "retryable": True}
    assert isinstance(NotFound("x"), LookupError)
    assert BadRequest("x").code == "bad_request" and BadRequest("x").kind is ErrorKind.BAD_REQUEST


def test_ids_are_unique_prefixed_and_time_ordered() -> None:
    ids = [new_id("room") for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert all(i.startswith("room_") and len(i) == 25 for i in ids)
    a = new_id()
    import time

    time.sleep(0.002)
    assert new_id() > a


async def test_manual_clock_wakes_sleepers_in_order() -> None:
    clock = ManualClock()
    woke: list[str] = []

    async def sleeper(name: str, s: float) -> None:
        await clock.sleep(s)
        woke.append(f"{name}@{clock.now() - 1000:.1f}")

    tasks = [asyncio.create_task(sleeper("b", 2.0)), asyncio.create_task(sleeper("a", 1.0))]
    await asyncio.sleep(0)
    await clock.advance(0.5)
    assert woke == []
    await clock.advance(2.0)
    assert woke == ["a@1.0", "b@2.0"]
    await asyncio.gather(*tasks)


async def test_task_owner_cancels_everything_and_refuses_after_close() -> None:
    owner = TaskOwner("t")
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = owner.spawn(forever(), "forever")
    await started.wait()
    await owner.aclose()
    await owner.aclose()  # idempotent
    assert task.cancelled() and len(owner) == 0
    with pytest.raises(RuntimeError):
        owner.spawn(forever(), "late")


async def test_realtime_pacer_waits_for_each_slot_and_reanchors_after_a_stall() -> None:
    from souk.core.clock import RealtimePacer

    clock = ManualClock()
    pacer = RealtimePacer(0.02, reanchor_after_s=0.2, clock=clock)
    assert await pacer.next() == 0  # the first frame goes at once
    nxt = asyncio.create_task(pacer.next())
    await asyncio.sleep(0)
    assert not nxt.done()  # slot 1 is 20 ms later
    await clock.advance(0.02)
    assert await nxt == 1
    await clock.advance(0.05)  # a little late: no wait, no re-anchor
    assert await pacer.next() == 2
    await clock.advance(1.0)  # stalled far past the bound: a new timeline
    assert await pacer.next() == 0
    unbounded = RealtimePacer(0.02, clock=clock)
    assert await unbounded.next() == 0
    await clock.advance(1.0)
    assert await unbounded.next() == 1  # without a bound it never re-anchors
