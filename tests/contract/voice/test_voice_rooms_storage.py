"""Voice-room seats in storage (souk.storage.repos.voice_rooms) on SQLite and PostgreSQL (the `storage`
fixture runs both): the seat map survives, merchants are apart, and 64 concurrent seat operations resolve
consistently, also from two Storage instances (two app nodes) on one PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden, NotFound, SoukError
from souk.core.settings import Settings
from souk.domain.rooms import RoomKind, RoomStatus
from souk.domain.seats import (
    Actor,
    AnswerInvite,
    InviteToSeat,
    Kick,
    LeaveSeat,
    LockSeat,
    Move,
    Mute,
    Op,
    RaiseHand,
    TakeSeat,
)
from souk.domain.voice_rooms import VoiceRoomSpec
from souk.storage import Storage, open_storage
from tests.contract.storage.conftest import A, B, merchant

HOST = Actor("host", "Host", host=True)
CONCURRENT = 64


async def _shops(s: Storage) -> None:
    for mid in (A, B):
        await s.merchants.create(merchant(mid))


async def test_create_get_list_and_merchants_apart(storage: Storage) -> None:
    await _shops(storage)
    room = await storage.voice_rooms.create(A, "talk-1", VoiceRoomSpec(host_identity="host", title="Q&A", seats=16))
    assert (len(room.seats.seats), room.seats.version, room.live, room.title) == (16, 0, True, "Q&A")
    assert (await storage.rooms.get(A, "talk-1")).kind is RoomKind.VOICE
    with pytest.raises(NotFound) as caught:
        await storage.voice_rooms.get(B, "talk-1")
    assert caught.value.code == "voice_room_not_found"
    with pytest.raises(NotFound):
        await storage.voice_rooms.apply(B, "talk-1", HOST, TakeSeat(0))
    await storage.voice_rooms.create(B, "talk-1", VoiceRoomSpec(host_identity="other", seats=2))
    await storage.voice_rooms.apply(A, "talk-1", HOST, TakeSeat(0))
    assert (await storage.voice_rooms.get(B, "talk-1")).seats.speakers == {}
    with pytest.raises(Conflict) as dup:
        await storage.voice_rooms.create(A, "talk-1", VoiceRoomSpec(host_identity="host"))
    assert dup.value.code == "room_exists"
    await storage.rooms.create(A, RoomKind.LIVE, room_id="show-1")
    with pytest.raises(Conflict):
        await storage.voice_rooms.create(A, "show-1", VoiceRoomSpec(host_identity="host"))
    assert [r.room_id for r in await storage.voice_rooms.list(A)] == ["talk-1"]


async def test_seat_map_persists_and_a_refusal_writes_nothing(storage: Storage, storage_clock: ManualClock) -> None:
    await _shops(storage)
    await storage.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=4))
    ann = Actor("ann", "Ann")
    await storage.voice_rooms.apply(A, "v", ann, RaiseHand())
    await storage.voice_rooms.apply(A, "v", HOST, InviteToSeat("ann", seat=2))
    room, change = await storage.voice_rooms.apply(A, "v", ann, AnswerInvite(accept=True))
    assert [e.kind for e in change.events] == ["seat_taken"] and room.seats.speakers == {"ann": False}
    with pytest.raises(Forbidden):
        await storage.voice_rooms.apply(A, "v", Actor("bob"), TakeSeat(1))
    with pytest.raises(Conflict):
        await storage.voice_rooms.apply(A, "v", HOST, TakeSeat(2))
    again = await storage.voice_rooms.get(A, "v")
    assert again.seats == room.seats and again.seats.version == 3
    same, nothing = await storage.voice_rooms.apply(A, "v", ann, TakeSeat(2))  # a retry: no write
    assert not nothing.changed and same.seats.version == 3
    # an invitation lapses on the clock
    await storage.voice_rooms.apply(A, "v", HOST, InviteToSeat("cy"))
    await storage_clock.advance(600)
    with pytest.raises(Conflict) as lapsed:
        await storage.voice_rooms.apply(A, "v", Actor("cy"), AnswerInvite(accept=True))
    assert lapsed.value.code == "no_invite"


async def test_end_empties_every_seat_and_refuses_later_changes(storage: Storage) -> None:
    await _shops(storage)
    await storage.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=3, free_seating=True))
    await storage.voice_rooms.apply(A, "v", Actor("ann"), TakeSeat())
    ended, change = await storage.voice_rooms.end(A, "v")
    assert not ended.live and ended.seats.speakers == {} and change.before.speakers == {"ann": False}
    assert (await storage.rooms.get(A, "v")).status is RoomStatus.CLOSED
    with pytest.raises(Conflict) as caught:
        await storage.voice_rooms.apply(A, "v", Actor("bob"), TakeSeat())
    assert caught.value.code == "room_ended"
    assert not (await storage.voice_rooms.end(A, "v"))[1].changed
    assert await storage.voice_rooms.list(A) == [] and len(await storage.voice_rooms.list(A, live_only=False)) == 1


async def _race(stores: list[Storage], ops: list[tuple[Actor, Op]]) -> list[str]:
    """Run every (actor, op) at once, spread over the stores; each result is 'ok' (changed the map), 'same'
    (changed nothing) or the error code."""
    async def one(i: int, actor: Actor, op: Op) -> str:
        try:
            _, change = await stores[i % len(stores)].voice_rooms.apply(A, "v", actor, op)
            return "ok" if change.changed else "same"
        except SoukError as exc:
            return exc.code

    return list(await asyncio.gather(*(one(i, a, o) for i, (a, o) in enumerate(ops))))


async def _check_consistent(s: Storage, results: list[str], before: int) -> None:
    """Whatever order the database chose, each identity holds at most one seat and every refusal is one the
    rules give (no database error, no lost update)."""
    room = await s.voice_rooms.get(A, "v")
    assert room.seats.version - before == results.count("ok")  # no change lost, none counted twice
    seated = [x.identity for x in room.seats.seats if x.identity is not None]
    assert len(seated) == len(set(seated))
    assert all(code in {"ok", "same", "seat_taken", "seats_full", "already_seated", "not_seated", "seat_locked",
                        "no_invite"} for code in results), results


async def test_64_concurrent_takes_of_16_seats_seat_exactly_16(storage: Storage) -> None:
    await _shops(storage)
    await storage.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=16, free_seating=True))
    ops: list[tuple[Actor, Op]] = [(Actor(f"l{i}"), TakeSeat()) for i in range(CONCURRENT)]
    results = await _race([storage], ops)
    assert results.count("ok") == 16 and results.count("seats_full") == CONCURRENT - 16
    room = await storage.voice_rooms.get(A, "v")
    assert sorted(room.seats.speakers) == sorted(a.identity for (a, _), r in zip(ops, results, strict=True)
                                                 if r == "ok")
    assert room.seats.version == 16


async def test_64_concurrent_takes_of_one_seat_one_wins(storage: Storage) -> None:
    await _shops(storage)
    await storage.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=4, free_seating=True))
    results = await _race([storage], [(Actor(f"l{i}"), TakeSeat(3)) for i in range(CONCURRENT)])
    assert results.count("ok") == 1 and results.count("seat_taken") == CONCURRENT - 1
    assert len((await storage.voice_rooms.get(A, "v")).seats.speakers) == 1


def _mixed_ops(seed: int) -> list[tuple[Actor, Op]]:
    rng = random.Random(seed)
    people = [Actor(f"p{i}", f"P{i}") for i in range(12)]
    ops: list[tuple[Actor, Op]] = []
    for _ in range(CONCURRENT):
        who = rng.choice(people)
        op: Op = rng.choice([TakeSeat(), TakeSeat(rng.randrange(8)), LeaveSeat(), Mute(rng.random() < .5),
                             Move(rng.randrange(8))])
        ops.append((who, op))
        if rng.random() < 0.2:
            ops.append((HOST, rng.choice([Kick(who.identity), LockSeat(rng.randrange(8), rng.random() < .5),
                                          InviteToSeat(who.identity)])))
    return ops[:CONCURRENT]


@pytest.mark.parametrize("seed", [1, 2])
async def test_64_concurrent_mixed_operations_keep_the_map_whole(storage: Storage, seed: int) -> None:
    await _shops(storage)
    await storage.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=8, free_seating=True))
    results = await _race([storage], _mixed_ops(seed))
    await _check_consistent(storage, results, 0)


@pytest.mark.postgres
async def test_two_nodes_on_one_postgres_give_each_seat_once(postgres_url: str, tmp_path: Path) -> None:
    """Two Storage instances (two app nodes, each with its own connection pool) race 64 takes of 16 seats
    and 64 mixed operations: the database serializes them."""
    clock = ManualClock()
    one = await open_storage(Settings(data_dir=str(tmp_path)), clock=clock, url=postgres_url)
    two = await open_storage(Settings(data_dir=str(tmp_path)), clock=clock, url=postgres_url, run_migrations=False)
    try:
        await _shops(one)
        await one.voice_rooms.create(A, "v", VoiceRoomSpec(host_identity="host", seats=16, free_seating=True))
        results = await _race([one, two], [(Actor(f"l{i}"), TakeSeat()) for i in range(CONCURRENT)])
        assert results.count("ok") == 16 and results.count("seats_full") == CONCURRENT - 16
        room = await two.voice_rooms.get(A, "v")
        assert len(room.seats.speakers) == 16 and room.seats.version == 16
        await _check_consistent(one, await _race([one, two], _mixed_ops(3)), 16)
    finally:
        await two.aclose()
        await one.aclose()
