"""Call-quality records (souk.domain.quality) in the database, and the orders the ops page joins them to.

``apply`` folds a change into one participant's record under its row lock (a report, or Janus's stats), so two
uploads racing for one record (two tabs, a retry) are applied one after the other. Reads are bounded: a window
holds at most ``max_rows`` records (the newest joins; the caller is told when older ones were left out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.domain.models import OrderStatus
from souk.domain.quality import AudioCounters, QualityRecord, VideoCounters
from souk.domain.quality_agg import Sale
from souk.storage.repos.base import Repo, require_text
from souk.storage.schema import orders, quality_records

MAX_ROWS = 20_000  # records one ops query reads at most
Change = Callable[[QualityRecord | None], QualityRecord | None]


def _ts(wall: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(wall, dt.UTC)


def to_doc(r: QualityRecord) -> dict[str, Any]:
    return asdict(r)


def from_doc(doc: dict[str, Any]) -> QualityRecord:
    d = dict(doc)
    d["audio"] = AudioCounters(**d["audio"]) if d.get("audio") else None
    d["video"] = VideoCounters(**d["video"]) if d.get("video") else None
    return QualityRecord(**d)


def _key(merchant_id: str, room_id: str, identity: str, session_id: str) -> tuple[Any, ...]:
    c = quality_records.c
    return (c.merchant_id == merchant_id, c.room_id == room_id, c.identity == identity, c.session_id == session_id)


async def _locked(conn: AsyncConnection, key: tuple[Any, ...]) -> QualityRecord | None:
    doc = (await conn.execute(sa.select(quality_records.c.record).where(*key).with_for_update())).scalar()
    return None if doc is None else from_doc(doc)


class SqlQualityRepo(Repo):
    async def apply(self, merchant_id: str, room_id: str, identity: str, session_id: str,
                    change: Change) -> QualityRecord | None:
        """The record after ``change`` (None from ``change``: nothing to store, the stored record is kept)."""
        require_text(room_id, "room id", max_len=128)
        require_text(identity, "identity", max_len=128)
        require_text(session_id, "session", max_len=64)
        key = _key(merchant_id, room_id, identity, session_id)
        async with self._db.write() as conn:
            before = await _locked(conn, key)
            after = change(before)
            if after is None:
                return None
            self._check(after, merchant_id, room_id, identity, session_id)
            values = {"kind": after.kind[:16], "started_at": _ts(after.started_at), "updated_at": _ts(after.updated_at),
                      "failure": after.failure, "record": to_doc(after)}
            if before is None:
                insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                created = await conn.execute(insert(quality_records).values(
                    merchant_id=merchant_id, room_id=room_id, identity=identity, session_id=session_id, **values)
                    .on_conflict_do_nothing())
                if created.rowcount == 1:
                    return after
                before = await _locked(conn, key)  # another upload created it a moment ago: apply on top of it
                after = change(before)
                if after is None:
                    return None
                values.update(started_at=_ts(after.started_at), updated_at=_ts(after.updated_at),
                              failure=after.failure, record=to_doc(after))
            await conn.execute(quality_records.update().where(*key).values(**values))
        return after

    @staticmethod
    def _check(r: QualityRecord, merchant_id: str, room_id: str, identity: str, session_id: str) -> None:
        if (r.merchant_id, r.room_id, r.identity, r.session_id) != (merchant_id, room_id, identity, session_id):
            raise ValueError("a quality change must keep its record's key")

    async def get(self, merchant_id: str, room_id: str, identity: str, session_id: str) -> QualityRecord | None:
        async with self._db.read() as conn:
            doc = await conn.scalar(sa.select(quality_records.c.record)
                                    .where(*_key(merchant_id, room_id, identity, session_id)))
        return None if doc is None else from_doc(doc)

    async def latest_session(self, merchant_id: str, room_id: str, identity: str) -> str | None:
        """The join session of ``identity``'s latest record in the room (Janus's stats go to it)."""
        c = quality_records.c
        async with self._db.read() as conn:
            return await conn.scalar(
                sa.select(c.session_id).where(c.merchant_id == merchant_id, c.room_id == room_id,
                                              c.identity == identity)
                .order_by(c.started_at.desc(), c.session_id.desc()).limit(1))

    async def window(self, merchant_id: str, since: float, until: float, *,
                     max_rows: int = MAX_ROWS) -> tuple[list[QualityRecord], bool]:
        """The records of joins in [since, until) (wall times), oldest first, and whether more than
        ``max_rows`` matched (then the newest ``max_rows``)."""
        c = quality_records.c
        async with self._db.read() as conn:
            rows = (await conn.execute(
                sa.select(c.record).where(c.merchant_id == merchant_id, c.started_at >= _ts(since),
                                          c.started_at < _ts(until))
                .order_by(c.started_at.desc(), c.room_id, c.identity, c.session_id).limit(max_rows + 1))).scalars()
            docs = list(rows)
        truncated = len(docs) > max_rows
        return [from_doc(d) for d in reversed(docs[:max_rows])], truncated

    async def room(self, merchant_id: str, room_id: str, *, max_rows: int = 1000) -> list[QualityRecord]:
        """Every record of one room (a call, or a live room's shows), oldest join first."""
        c = quality_records.c
        async with self._db.read() as conn:
            docs = (await conn.execute(
                sa.select(c.record).where(c.merchant_id == merchant_id, c.room_id == room_id)
                .order_by(c.started_at, c.identity, c.session_id).limit(max_rows))).scalars()
            return [from_doc(d) for d in docs]

    async def purge(self, merchant_id: str, before: float, *, batch: int = 5000) -> int:
        """Delete up to ``batch`` records of joins before ``before`` (wall time), oldest first; how many."""
        c = quality_records.c
        async with self._db.write() as conn:
            old = (await conn.execute(
                sa.select(c.room_id, c.identity, c.session_id)
                .where(c.merchant_id == merchant_id, c.started_at < _ts(before))
                .order_by(c.started_at).limit(batch))).all()
            for row in old:
                await conn.execute(quality_records.delete().where(
                    *_key(merchant_id, row.room_id, row.identity, row.session_id)))
        return len(old)

    async def sales(self, merchant_id: str, customers: set[str], since: float, until: float) -> list[Sale]:
        """The orders of ``customers`` created in [since, until), for quality_vs_sales."""
        if not customers:
            return []
        c = orders.c
        out: list[Sale] = []
        names = sorted(customers)
        async with self._db.read() as conn:
            for i in range(0, len(names), 500):
                rows = (await conn.execute(
                    sa.select(c.id, c.customer_id, c.total, c.status, c.created_at)
                    .where(c.merchant_id == merchant_id, c.customer_id.in_(names[i:i + 500]),
                           c.created_at >= _ts(since), c.created_at < _ts(until))
                    .order_by(c.created_at, c.id))).all()
                out += [Sale(order_id=r.id, customer_id=r.customer_id, total=Decimal(r.total),
                             created_at=r.created_at.timestamp(),
                             cancelled=r.status == OrderStatus.CANCELLED.value) for r in rows]
        return out
