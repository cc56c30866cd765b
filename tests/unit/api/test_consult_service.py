"""The consult call state machine on a fake clock, writing records to a real SQLite storage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from souk.api.stores import StorageAdapter
from souk.consult import Call, CallState, ConsultService
from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden, NotFound
from souk.core.settings import CallSettings, load_settings
from souk.core.tenancy import RoomKey
from souk.domain.calls import CallOutcome
from souk.domain.rooms import RoomStatus
from souk.storage import Storage, open_storage, seed_demo

M = "lumen"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, CallState]] = []
        self.closed: list[tuple[str, str]] = []

    def call_changed(self, call: Call) -> None:
        self.seen.append((call.id, call.state))

    async def close_room(self, room: RoomKey, reason: str) -> None:
        assert room.merchant_id == M  # the call's merchant's room, never a bare room id
        self.closed.append((room.room_id, reason))


async def settled(svc: ConsultService, call_id: str, state: CallState, timeout_s: float = 5.0) -> None:
    """The timer fired on the fake clock; wait (real time) for its database writes to finish."""
    for _ in range(int(timeout_s / 0.01)):
        if svc.get(M, call_id).state is state:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"call {call_id} never became {state.value}: {svc.get(M, call_id).state.value}")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    st = await open_storage(load_settings(None, data_dir=str(tmp_path)))
    await seed_demo(st)
    yield st
    await st.aclose()


@pytest.fixture
async def env(storage: Storage) -> AsyncIterator[tuple[ConsultService, ManualClock, Recorder]]:
    clock = ManualClock()
    rec = Recorder()
    adapter = StorageAdapter(storage)
    svc = ConsultService(CallSettings(ring_timeout_s=30, max_call_s=600), store=adapter, products=adapter,
                         clock=clock, rooms=rec)
    svc.add_listener(rec)
    yield svc, clock, rec
    await svc.aclose()


async def test_ring_then_missed_after_timeout(env, storage: Storage) -> None:
    svc, clock, rec = env
    call = await svc.request(M, shopper="shopper_a", product_sku="AP-1001", language="es")
    assert call.state is CallState.RINGING and call.product_name == "Vestido de lino de verano"
    assert (await storage.rooms.get(M, call.room_id)).is_open
    await clock.advance(29.9)
    assert svc.get(M, call.id).state is CallState.RINGING
    await clock.advance(0.2)
    await settled(svc, call.id, CallState.MISSED)
    assert rec.seen == [(call.id, CallState.RINGING), (call.id, CallState.MISSED)]
    record = await storage.calls.get(M, call.id)
    assert record.outcome is CallOutcome.MISSED and record.answered_at is None
    assert (await storage.rooms.get(M, call.room_id)).status is RoomStatus.CLOSED
    assert svc.active(M) == []


async def test_accept_then_hangup_records_a_completed_call(env, storage: Storage) -> None:
    svc, clock, rec = env
    call = await svc.request(M, shopper="shopper_a", product_sku="AP-1002", language="en", shopper_name="Ana")
    await clock.advance(5)
    accepted = await svc.accept(M, call.id, "seller-demo")
    assert accepted.state is CallState.ACCEPTED and accepted.seller == "seller-demo"
    await clock.advance(60)  # well past the ring timeout: an accepted call does not go missed
    assert svc.get(M, call.id).state is CallState.ACCEPTED
    with pytest.raises(Conflict) as again:
        await svc.accept(M, call.id, "seller-2")
    assert again.value.code == "call_not_ringing"
    with pytest.raises(Forbidden):
        await svc.hangup(M, call.id, "somebody-else")
    ended = await svc.hangup(M, call.id, "shopper_a")
    assert ended.state is CallState.ENDED and ended.duration_s == pytest.approx(60)
    assert (await svc.hangup(M, call.id, "seller-demo")).state is CallState.ENDED  # idempotent
    await clock.advance(0)
    assert rec.closed == [(call.room_id, "ended")]
    record = await storage.calls.get(M, call.id)
    assert record.outcome is CallOutcome.COMPLETED and record.seller_identity == "seller-demo"
    assert record.product_sku == "AP-1002" and record.language == "en"
    assert [r.id for r in await svc.recent(M)] == [call.id]


async def test_decline_cancel_and_call_length_cap(env, storage: Storage) -> None:
    svc, clock, _ = env
    a = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    assert (await svc.decline(M, a.id, "seller-demo")).state is CallState.DECLINED
    b = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")  # allowed again after the end
    assert (await svc.hangup(M, b.id, "s1")).state is CallState.CANCELLED
    c = await svc.request(M, shopper="s2", product_sku="AP-1001", language="en")
    await svc.accept(M, c.id, "seller-demo")
    await clock.advance(600.1)
    await settled(svc, c.id, CallState.ENDED)
    outcomes = {r.id: r.outcome for r in await storage.calls.list(M)}
    assert outcomes == {a.id: CallOutcome.DECLINED, b.id: CallOutcome.CANCELLED, c.id: CallOutcome.COMPLETED}


async def test_bad_requests_are_refused_clearly(env) -> None:
    svc, _, _ = env
    with pytest.raises(NotFound) as unknown:
        await svc.request(M, shopper="s1", product_sku="NOPE-1", language="en")
    assert unknown.value.code == "unknown_product"
    with pytest.raises(NotFound):
        await svc.request("other-merchant", shopper="s1", product_sku="AP-1001", language="en")
    call = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    with pytest.raises(Conflict) as dup:
        await svc.request(M, shopper="s1", product_sku="AP-1002", language="en")
    assert dup.value.code == "call_in_progress"
    with pytest.raises(NotFound):
        svc.get("other-merchant", call.id)  # tenancy: another merchant cannot see the call
    with pytest.raises(NotFound):
        await svc.accept("other-merchant", call.id, "x")


async def test_shutdown_records_live_calls_as_failed(storage: Storage) -> None:
    adapter = StorageAdapter(storage)
    svc = ConsultService(CallSettings(), store=adapter, products=adapter, clock=ManualClock())
    ringing = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    live = await svc.request(M, shopper="s2", product_sku="AP-1001", language="en")
    await svc.accept(M, live.id, "seller-demo")
    await svc.aclose()
    await svc.aclose()  # idempotent
    outcomes = {r.id: r.outcome for r in await storage.calls.list(M)}
    assert outcomes == {ringing.id: CallOutcome.FAILED, live.id: CallOutcome.FAILED}
    with pytest.raises(Conflict):
        await svc.request(M, shopper="s3", product_sku="AP-1001", language="en")


async def test_a_dropped_participant_has_a_grace_period_to_come_back(env, storage: Storage) -> None:
    svc, clock, _ = env
    call = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    await svc.accept(M, call.id, "seller-demo")
    room = RoomKey(M, call.room_id)
    await svc.participant_gone(room, "s1")
    await clock.advance(9)
    svc.participant_back(room, "s1")  # reconnected in time
    await clock.advance(30)
    assert svc.get(M, call.id).state is CallState.ACCEPTED
    await svc.participant_gone(room, "seller-demo")
    await svc.participant_gone(room, "somebody-else")  # not in the call: ignored
    await clock.advance(10.1)
    await settled(svc, call.id, CallState.ENDED)
    assert svc.get(M, call.id).ended_by == "seller-demo"


async def test_a_call_is_found_only_in_its_own_merchants_room(env, storage: Storage) -> None:
    """Another merchant naming the same room id finds no call there, and cannot end it by dropping out."""
    svc, clock, _ = env
    call = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    await svc.accept(M, call.id, "seller-demo")
    found = svc.by_room(RoomKey(M, call.room_id))
    assert found is not None and found.id == call.id
    other = RoomKey("other-shop", call.room_id)
    assert svc.by_room(other) is None
    await svc.participant_gone(other, "s1")  # the same identity in another merchant's room of that id
    await clock.advance(30)  # well past the reconnect grace
    await asyncio.sleep(0.05)
    assert svc.get(M, call.id).state is CallState.ACCEPTED
    with pytest.raises(NotFound):
        svc.get("other-shop", call.id)


async def test_who_joins_a_call_room_backstage(env) -> None:
    """While the call rings everyone but its shopper (a seller's console preparing) waits backstage; once it is
    accepted its seller is not backstage, anyone else still is; other rooms and merchants know no call."""
    svc, _, _ = env
    call = await svc.request(M, shopper="s1", product_sku="AP-1001", language="en")
    room = RoomKey(M, call.room_id)
    assert svc.backstage(room, "seller-demo") and svc.backstage(room, "seller-2")
    assert not svc.backstage(room, "s1")
    assert not svc.backstage(RoomKey("other-merchant", call.room_id), "seller-demo")
    assert not svc.backstage(RoomKey(M, "room_elsewhere"), "seller-demo")
    await svc.accept(M, call.id, "seller-demo")
    assert not svc.backstage(room, "seller-demo") and not svc.backstage(room, "s1")
    assert svc.backstage(room, "seller-2")  # answered by someone else: never seen in that call
    await svc.hangup(M, call.id, "s1")
    assert not svc.backstage(room, "seller-2")  # no call any more (the room is closed anyway)
