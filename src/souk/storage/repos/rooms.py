"""Rooms and their participants (one record per stay of an identity in a room)."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.rooms import Participant, Room, RoomKind, RoomStatus
from souk.storage.repos.base import Repo, check_limit, require_text
from souk.storage.schema import participants, rooms


def room_record(row: Any) -> Room:
    return Room(id=row.id, merchant_id=row.merchant_id, kind=RoomKind(row.kind), status=RoomStatus(row.status),
                created_at=row.created_at, closed_at=row.closed_at, metadata=dict(row.metadata))


def participant_record(row: Any) -> Participant:
    return Participant(id=int(row.id), room_id=row.room_id, merchant_id=row.merchant_id, identity=row.identity,
                       role=row.role, name=row.name, joined_at=row.joined_at, left_at=row.left_at)


def _room_not_found(room_id: str) -> NotFound:
    return NotFound(f"room {room_id!r} not found", code="room_not_found", details={"room": room_id})


def _metadata(value: dict[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("room metadata must be an object", code="bad_value")
    return dict(value)


class SqlRoomRepo(Repo):
    async def create(
        self, merchant_id: str, kind: RoomKind, *, room_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Room:
        try:
            kind = RoomKind(kind)
        except ValueError as exc:
            raise BadRequest(f"unknown room kind {kind!r}", code="bad_value") from exc
        rid = room_id or new_id("room")
        require_text(rid, "room id", max_len=64)
        async with self._db.write() as conn:
            exists = await conn.scalar(sa.select(rooms.c.id).where(
                rooms.c.merchant_id == merchant_id, rooms.c.id == rid))
            if exists is not None:
                raise Conflict(f"room {rid!r} already exists", code="room_exists")
            await conn.execute(rooms.insert().values(
                id=rid, merchant_id=merchant_id, kind=kind.value, status=RoomStatus.OPEN.value,
                metadata=_metadata(metadata), created_at=self._now(), closed_at=None))
        return await self.get(merchant_id, rid)

    async def get(self, merchant_id: str, room_id: str) -> Room:
        async with self._db.read() as conn:
            return await _get(conn, merchant_id, room_id)

    async def list(
        self, merchant_id: str, *, status: RoomStatus | None = None, kind: RoomKind | None = None,
        limit: int = 100,
    ) -> list[Room]:
        q = sa.select(rooms).where(rooms.c.merchant_id == merchant_id)
        if status is not None:
            q = q.where(rooms.c.status == RoomStatus(status).value)
        if kind is not None:
            q = q.where(rooms.c.kind == RoomKind(kind).value)
        q = q.order_by(rooms.c.created_at.desc(), rooms.c.id.desc()).limit(check_limit(limit))
        async with self._db.read() as conn:
            return [room_record(r) for r in (await conn.execute(q)).all()]

    async def update_metadata(self, merchant_id: str, room_id: str, metadata: dict[str, Any]) -> Room:
        async with self._db.write() as conn:
            changed = await conn.execute(rooms.update().where(
                rooms.c.merchant_id == merchant_id, rooms.c.id == room_id).values(metadata=_metadata(metadata)))
            if changed.rowcount == 0:
                raise _room_not_found(room_id)
            return await _get(conn, merchant_id, room_id)

    async def close(self, merchant_id: str, room_id: str) -> Room:
        now = self._now()
        async with self._db.write() as conn:
            room = await _get(conn, merchant_id, room_id, lock="update")
            if room.is_open:
                await conn.execute(rooms.update().where(
                    rooms.c.merchant_id == merchant_id, rooms.c.id == room_id)
                    .values(status=RoomStatus.CLOSED.value, closed_at=now))
                await conn.execute(participants.update().where(
                    participants.c.merchant_id == merchant_id, participants.c.room_id == room_id,
                    participants.c.left_at.is_(None)).values(left_at=now))
            return await _get(conn, merchant_id, room_id)

    async def join(
        self, merchant_id: str, room_id: str, identity: str, role: str, *, name: str = ""
    ) -> Participant:
        require_text(identity, "identity", max_len=128)
        role_value = str(getattr(role, "value", role))
        require_text(role_value, "role", max_len=16)
        try:
            async with self._db.write() as conn:
                room = await _get(conn, merchant_id, room_id, lock="share")
                if not room.is_open:
                    raise Conflict(f"room {room_id!r} is closed", code="room_closed", details={"room": room_id})
                present = await _present(conn, merchant_id, room_id, identity)
                if present is not None:
                    return present
                await conn.execute(participants.insert().values(
                    merchant_id=merchant_id, room_id=room_id, identity=identity, role=role_value,
                    name=name[:200], joined_at=self._now(), left_at=None))
                joined = await _present(conn, merchant_id, room_id, identity)
        except Conflict as exc:
            if exc.code != "duplicate":
                raise
            joined = None  # a concurrent join of the same identity won the unique index: return its record
        if joined is None:
            async with self._db.read() as conn:
                joined = await _present(conn, merchant_id, room_id, identity)
        if joined is None:
            raise Conflict(f"{identity} could not join room {room_id}", code="join_failed", retryable=True)
        return joined

    async def leave(self, merchant_id: str, room_id: str, identity: str) -> Participant:
        async with self._db.write() as conn:
            present = await _present(conn, merchant_id, room_id, identity)
            if present is None:
                await _get(conn, merchant_id, room_id)  # NotFound for an unknown room
                raise NotFound(f"{identity!r} is not in room {room_id!r}", code="participant_not_found")
            mine = (participants.c.merchant_id == merchant_id, participants.c.id == present.id)
            await conn.execute(participants.update().where(*mine).values(left_at=self._now()))
            row = (await conn.execute(sa.select(participants).where(*mine))).one()
        return participant_record(row)

    async def participants(
        self, merchant_id: str, room_id: str, *, present_only: bool = True
    ) -> builtins.list[Participant]:
        q = sa.select(participants).where(participants.c.merchant_id == merchant_id,
                                          participants.c.room_id == room_id)
        if present_only:
            q = q.where(participants.c.left_at.is_(None))
        async with self._db.read() as conn:
            await _get(conn, merchant_id, room_id)
            rows = (await conn.execute(q.order_by(participants.c.joined_at, participants.c.id))).all()
        return [participant_record(r) for r in rows]


async def _get(conn: AsyncConnection, merchant_id: str, room_id: str, *, lock: str = "") -> Room:
    """The room; ``lock="share"`` keeps it from closing under a join, ``"update"`` serialises closes."""
    q = sa.select(rooms).where(rooms.c.merchant_id == merchant_id, rooms.c.id == room_id)
    if lock:
        q = q.with_for_update(read=lock == "share")
    row = (await conn.execute(q)).first()
    if row is None:
        raise _room_not_found(room_id)
    return room_record(row)


async def _present(conn: AsyncConnection, merchant_id: str, room_id: str, identity: str) -> Participant | None:
    row = (await conn.execute(sa.select(participants).where(
        participants.c.merchant_id == merchant_id, participants.c.room_id == room_id,
        participants.c.identity == identity, participants.c.left_at.is_(None)))).first()
    return participant_record(row) if row is not None else None
