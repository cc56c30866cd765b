"""Rooms, participants and call records through their whole lifecycle (time on a ManualClock)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, NotFound
from souk.domain.calls import CallOutcome
from souk.domain.rooms import RoomKind, RoomStatus
from souk.storage import Storage
from tests.contract.storage.conftest import A


async def test_room_and_participant_lifecycle(two_shops: Storage, storage_clock: ManualClock) -> None:
    s = two_shops
    room = await s.rooms.create(A, RoomKind.LIVE, metadata={"title": "Autumn drop", "pinned": ["SKU-1"]})
    assert room.id.startswith("room_") and room.is_open and room.metadata["pinned"] == ["SKU-1"]
    assert room.created_at.tzinfo is not None

    host = await s.rooms.join(A, room.id, "host-1", "host", name="Lin")
    again = await s.rooms.join(A, room.id, "host-1", "host", name="Lin")
    assert again == host  # idempotent while present
    await storage_clock.advance(2)
    viewer = await s.rooms.join(A, room.id, "viewer-1", "audience")
    assert [p.identity for p in await s.rooms.participants(A, room.id)] == ["host-1", "viewer-1"]

    await storage_clock.advance(10)
    left = await s.rooms.leave(A, room.id, "viewer-1")
    assert left.left_at is not None and (left.left_at - viewer.joined_at).total_seconds() == pytest.approx(10)
    with pytest.raises(NotFound):
        await s.rooms.leave(A, room.id, "viewer-1")
    rejoined = await s.rooms.join(A, room.id, "viewer-1", "audience")
    assert rejoined.id != viewer.id  # a new stay
    assert len(await s.rooms.participants(A, room.id, present_only=False)) == 3

    updated = await s.rooms.update_metadata(A, room.id, {"title": "Autumn drop II"})
    assert updated.metadata == {"title": "Autumn drop II"}
    assert [r.id for r in await s.rooms.list(A, status=RoomStatus.OPEN, kind=RoomKind.LIVE)] == [room.id]

    await storage_clock.advance(60)
    closed = await s.rooms.close(A, room.id)
    assert closed.status is RoomStatus.CLOSED and closed.closed_at is not None
    assert await s.rooms.participants(A, room.id) == []  # everyone marked as left
    assert (await s.rooms.close(A, room.id)).closed_at == closed.closed_at  # idempotent
    with pytest.raises(Conflict) as err:
        await s.rooms.join(A, room.id, "late", "audience")
    assert err.value.code == "room_closed"
    assert await s.rooms.list(A, status=RoomStatus.OPEN) == []


async def test_room_bad_input(two_shops: Storage) -> None:
    s = two_shops
    await s.rooms.create(A, RoomKind.CONSULT, room_id="r1")
    with pytest.raises(Conflict):
        await s.rooms.create(A, RoomKind.CONSULT, room_id="r1")
    with pytest.raises(BadRequest):
        await s.rooms.create(A, "party")  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        await s.rooms.create(A, RoomKind.VOICE, metadata=["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await s.rooms.join(A, "r404", "x", "member")
    with pytest.raises(BadRequest):
        await s.rooms.join(A, "r1", "", "member")
    with pytest.raises(NotFound):
        await s.rooms.create("no-such-merchant", RoomKind.VOICE)


async def test_concurrent_joins_of_one_identity_give_one_presence(two_shops: Storage) -> None:
    s = two_shops
    room = await s.rooms.create(A, RoomKind.VOICE)
    joins = await asyncio.gather(*(s.rooms.join(A, room.id, "same", "member") for _ in range(10)))
    assert len({p.id for p in joins}) == 1
    assert len(await s.rooms.participants(A, room.id, present_only=False)) == 1


async def test_call_record_lifecycle(two_shops: Storage, storage_clock: ManualClock) -> None:
    s = two_shops
    room = await s.rooms.create(A, RoomKind.CONSULT)
    call = await s.calls.create(A, shopper_identity="shopper-9", product_sku="SKU-1", language="es")
    assert call.ringing and call.outcome is None and call.room_id is None
    call = await s.calls.set_room(A, call.id, room.id)
    assert call.room_id == room.id

    await storage_clock.advance(4)
    answered = await s.calls.answer(A, call.id, seller_identity="seller-1")
    assert answered.in_progress and answered.seller_identity == "seller-1"
    assert (answered.answered_at - answered.requested_at).total_seconds() == pytest.approx(4)  # type: ignore[operator]
    with pytest.raises(Conflict) as err:
        await s.calls.answer(A, call.id, seller_identity="seller-2")  # a second seller loses the race
    assert err.value.code == "call_not_ringing"
    with pytest.raises(Conflict):
        await s.calls.finish(A, call.id, CallOutcome.MISSED)  # answered calls cannot be "missed"

    await storage_clock.advance(95.5)
    done = await s.calls.finish(A, call.id, CallOutcome.COMPLETED)
    assert done.outcome is CallOutcome.COMPLETED and done.duration_s == pytest.approx(95.5)
    with pytest.raises(Conflict) as err:
        await s.calls.finish(A, call.id, CallOutcome.FAILED)
    assert err.value.code == "call_ended"
    with pytest.raises(Conflict):
        await s.calls.answer(A, call.id, seller_identity="seller-1")

    missed = await s.calls.create(A, shopper_identity="shopper-10")
    await storage_clock.advance(30)
    missed = await s.calls.finish(A, missed.id, CallOutcome.MISSED)
    assert missed.duration_s == 0.0 and missed.answered_at is None
    with pytest.raises(Conflict):
        await s.calls.finish(A, (await s.calls.create(A, shopper_identity="x")).id, CallOutcome.COMPLETED)

    assert [c.id for c in await s.calls.list(A, seller_identity="seller-1")] == [call.id]
    assert [c.id for c in await s.calls.list(A, shopper_identity="shopper-10")] == [missed.id]
    recent = await s.calls.list(A, since=missed.requested_at)
    assert missed.id in {c.id for c in recent} and call.id not in {c.id for c in recent}
    assert next(c.id for c in await s.calls.list(A, limit=1)) != call.id  # newest first
    with pytest.raises(BadRequest):
        await s.calls.list(A, limit=0)
    with pytest.raises(BadRequest):
        await s.calls.finish(A, call.id, "exploded")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await s.calls.get(A, "call_missing")
    with pytest.raises(NotFound):
        await s.calls.set_room(A, call.id, "no-such-room")
    with pytest.raises(BadRequest):
        await s.calls.list(A, since=dt.datetime(2026, 1, 1))  # naive datetimes are refused
