"""Voice rooms and their seat maps (souk.domain.voice_rooms). One row per room holds the whole seat map.

A seat operation reads the row under its lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writers are
serialized by ``BEGIN IMMEDIATE``), runs the pure rules, and writes the new map with a conditional UPDATE over
the version it read. Concurrent requests on one node or several therefore apply one after another, each to
the map the previous one left: a seat is never given twice, and a refused request writes nothing.
"""

from __future__ import annotations

import builtins
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import Conflict, NotFound, Unavailable
from souk.domain.rooms import RoomKind, RoomStatus
from souk.domain.seat_rules import apply
from souk.domain.seats import Actor, Change, Op, SeatEvent, SeatMap
from souk.domain.voice_rooms import VoiceRoom, VoiceRoomSpec
from souk.storage.repos.base import Repo, check_limit, require_text
from souk.storage.schema import rooms, voice_rooms

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # a lost version race (only if the row lock did not hold) is retried on the new map


def _record(row: Any) -> VoiceRoom:
    seats = SeatMap.from_doc(row.state)
    return VoiceRoom(merchant_id=row.merchant_id, room_id=row.room_id, title=row.title,
                     host_identity=row.host_identity, record=bool(row.record),
                     seats=SeatMap(seats=seats.seats, hands=seats.hands, invites=seats.invites,
                                   free_seating=seats.free_seating, version=int(row.version)),
                     created_at=row.created_at, updated_at=row.updated_at, ended_at=row.ended_at)


def _where(merchant_id: str, room_id: str) -> tuple[Any, ...]:
    return voice_rooms.c.merchant_id == merchant_id, voice_rooms.c.room_id == room_id


def _not_found(room_id: str) -> NotFound:
    return NotFound(f"voice room {room_id!r} not found", code="voice_room_not_found", details={"room": room_id})


async def _locked(conn: AsyncConnection, merchant_id: str, room_id: str) -> VoiceRoom:
    query = sa.select(voice_rooms).where(*_where(merchant_id, room_id))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise _not_found(room_id)
    return _record(row)


class _Stale(Exception):
    """The map changed between the read and the write (its version moved): run the operation again."""


class SqlVoiceRoomRepo(Repo):
    async def create(self, merchant_id: str, room_id: str, spec: VoiceRoomSpec) -> VoiceRoom:
        require_text(room_id, "room id", max_len=64)
        now = self._now()
        seats = SeatMap.new(spec.seats, free_seating=spec.free_seating)
        async with self._db.write() as conn:
            room = (await conn.execute(sa.select(rooms.c.kind, rooms.c.status).where(
                rooms.c.merchant_id == merchant_id, rooms.c.id == room_id))).first()
            if room is None:
                await conn.execute(rooms.insert().values(
                    merchant_id=merchant_id, id=room_id, kind=RoomKind.VOICE.value, status=RoomStatus.OPEN.value,
                    metadata={}, created_at=now, closed_at=None))
            elif room.kind != RoomKind.VOICE.value or room.status != RoomStatus.OPEN.value:
                raise Conflict(f"room {room_id!r} exists and is not an open voice room", code="room_exists",
                               details={"room": room_id, "kind": room.kind, "status": room.status})
            known = await conn.scalar(sa.select(voice_rooms.c.room_id).where(*_where(merchant_id, room_id)))
            if known is not None:
                raise Conflict(f"voice room {room_id!r} already exists", code="room_exists",
                               details={"room": room_id})
            await conn.execute(voice_rooms.insert().values(
                merchant_id=merchant_id, room_id=room_id, title=spec.title, host_identity=spec.host_identity,
                record=spec.record, state=seats.to_doc(), version=0, created_at=now, updated_at=now,
                ended_at=None))
            return await _locked(conn, merchant_id, room_id)

    async def get(self, merchant_id: str, room_id: str) -> VoiceRoom:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(voice_rooms).where(*_where(merchant_id, room_id)))).first()
        if row is None:
            raise _not_found(room_id)
        return _record(row)

    async def list(self, merchant_id: str, *, live_only: bool = True, limit: int = 100) -> builtins.list[VoiceRoom]:
        check_limit(limit)
        query = sa.select(voice_rooms).where(voice_rooms.c.merchant_id == merchant_id)
        if live_only:
            query = query.where(voice_rooms.c.ended_at.is_(None))
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(voice_rooms.c.created_at.desc(), voice_rooms.c.room_id)
                                       .limit(limit))).all()
        return [_record(r) for r in rows]

    async def apply(self, merchant_id: str, room_id: str, actor: Actor, op: Op) -> tuple[VoiceRoom, Change]:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await self._apply(merchant_id, room_id, actor, op)
            except _Stale:
                log.info("voice room %s/%s: seat map moved under %s (attempt %d); again", merchant_id, room_id,
                         type(op).__name__, attempt + 1)
        raise Unavailable("the seat map kept changing; try again", code="seats_busy", retryable=True)

    async def _apply(self, merchant_id: str, room_id: str, actor: Actor, op: Op) -> tuple[VoiceRoom, Change]:
        async with self._db.write() as conn:
            room = await _locked(conn, merchant_id, room_id)
            if not room.live:
                raise Conflict(f"voice room {room_id!r} has ended", code="room_ended", details={"room": room_id})
            change = apply(room.seats, actor, op, self._clock.wall())
            if not change.changed:
                return room, change
            return await self._write(conn, room, change), change

    async def _write(self, conn: AsyncConnection, room: VoiceRoom, change: Change,
                     **values: Any) -> VoiceRoom:
        done = await conn.execute(voice_rooms.update().where(
            *_where(room.merchant_id, room.room_id), voice_rooms.c.version == room.seats.version).values(
            state=change.after.to_doc(), version=change.after.version, updated_at=self._now(), **values))
        if done.rowcount != 1:
            raise _Stale
        return await _locked(conn, room.merchant_id, room.room_id)

    async def end(self, merchant_id: str, room_id: str) -> tuple[VoiceRoom, Change]:
        now = self._now()
        async with self._db.write() as conn:
            room = await _locked(conn, merchant_id, room_id)
            if not room.live:
                return room, Change(before=room.seats, after=room.seats, events=())
            before = room.seats
            after = SeatMap(seats=tuple(s.emptied() for s in before.seats), free_seating=before.free_seating,
                            version=before.version + 1)
            events = tuple(SeatEvent("seat_left", s.identity, s.index, by="end") for s in before.seats
                           if s.identity is not None) + (SeatEvent("room_ended", by="end"),)
            change = Change(before=before, after=after, events=events)
            await conn.execute(rooms.update().where(rooms.c.merchant_id == merchant_id, rooms.c.id == room_id)
                               .values(status=RoomStatus.CLOSED.value, closed_at=now))
            return await self._write(conn, room, change, ended_at=now), change
