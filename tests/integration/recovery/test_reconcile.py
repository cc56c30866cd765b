"""Start-up reconciliation on SQLite and PostgreSQL: a node ends the calls its dead process left ringing or
running (outcome ``interrupted``) and closes their rooms, so old room tokens no longer join; other nodes' calls
and live rooms are left alone; a second run finds nothing to do."""

from __future__ import annotations

from pathlib import Path

from souk.api.stores import StorageAdapter
from souk.consult.recovery import ORPHAN_GRACE_S, reconcile_after_crash
from souk.core.clock import ManualClock
from souk.core.errors import Conflict
from souk.core.settings import Settings
from souk.domain.calls import CallOutcome
from souk.domain.rooms import RoomKind
from souk.storage import Storage, open_storage
from tests.contract.storage.conftest import A, B, merchant


async def _call(s: Storage, mid: str, name: str, *, answer: bool = False) -> tuple[str, str]:
    room = await s.rooms.create(mid, RoomKind.CONSULT, metadata={"kind": "consult", "call_id": f"call-{name}"})
    call = await s.calls.create(mid, shopper_identity=f"shopper-{name}", room_id=room.id, call_id=f"call-{name}")
    if answer:
        await s.calls.answer(mid, call.id, seller_identity="seller-1")
    return call.id, room.id


async def _room_closed(s: Storage, mid: str, room_id: str) -> bool:
    try:
        await StorageAdapter(s).open_room_kind(mid, room_id)  # what the signaling join asks
    except Conflict as exc:
        assert exc.code == "room_closed"
        return True
    return False


async def test_calls_left_open_by_a_dead_process_end_interrupted_and_their_rooms_close(
        storage: Storage, storage_url: str, storage_clock: ManualClock, tmp_path: Path) -> None:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    ringing, ringing_room = await _call(storage, A, "ringing")
    up, up_room = await _call(storage, A, "up", answer=True)
    other_merchant, other_merchant_room = await _call(storage, B, "b", answer=True)
    done, done_room = await _call(storage, A, "done", answer=True)
    await storage.calls.finish(A, done, CallOutcome.COMPLETED)  # ...then the process died before closing the room
    live = await storage.rooms.create(A, RoomKind.LIVE, room_id="live-demo")
    node_b = await open_storage(Settings(data_dir=str(tmp_path / "b"), node_id="node-b"), url=storage_url,
                                clock=storage_clock)
    try:
        theirs, theirs_room = await _call(node_b, A, "theirs")  # rung on another node, which is alive
        await storage_clock.advance(5)
        assert not await _room_closed(storage, A, up_room)  # before: the old token would still join

        result = await reconcile_after_crash(storage)

        assert sorted(result.calls_interrupted) == sorted([f"{A}/{ringing}", f"{A}/{up}", f"{B}/{other_merchant}"])
        assert sorted(result.rooms_closed) == sorted([f"{A}/{ringing_room}", f"{A}/{up_room}",
                                                      f"{B}/{other_merchant_room}", f"{A}/{done_room}"])
        for mid, call_id in ((A, ringing), (A, up), (B, other_merchant)):
            record = await storage.calls.get(mid, call_id)
            assert record.outcome is CallOutcome.INTERRUPTED and record.ended_at is not None, record
            assert record.duration_s is None  # unknown: the process died some time before the restart
        assert (await storage.calls.get(A, done)).outcome is CallOutcome.COMPLETED
        for mid, room_id in ((A, ringing_room), (A, up_room), (B, other_merchant_room), (A, done_room)):
            assert await _room_closed(storage, mid, room_id)
        # Node B's call is alive on node B: untouched. The live room stays open (the show resumes).
        assert (await storage.calls.get(A, theirs)).ended_at is None
        assert not await _room_closed(storage, A, theirs_room)
        assert (await storage.rooms.get(A, live.id)).is_open
        # Listed with their outcome, as the console's recent calls show them.
        recent = {c.id: c.outcome for c in await storage.calls.list(A)}
        assert recent[up] is CallOutcome.INTERRUPTED
        again = await reconcile_after_crash(storage)
        assert again.calls_interrupted == [] and again.rooms_closed == []
    finally:
        await node_b.aclose()


async def test_a_consult_room_without_its_call_closes_after_the_grace(storage: Storage,
                                                                     storage_clock: ManualClock) -> None:
    await storage.merchants.create(merchant(A))
    orphan = await storage.rooms.create(A, RoomKind.CONSULT, metadata={"kind": "consult", "call_id": "never"})
    assert (await reconcile_after_crash(storage)).rooms_closed == []  # maybe another node is writing its call
    await storage_clock.advance(ORPHAN_GRACE_S + 1)
    assert (await reconcile_after_crash(storage)).rooms_closed == [f"{A}/{orphan.id}"]
    assert await _room_closed(storage, A, orphan.id)
