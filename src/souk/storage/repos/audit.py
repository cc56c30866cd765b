"""The audit log in the database: append to a merchant's chain, search it, read it back in order.

An append locks the merchant's ``audit_heads`` row (SQLite: the write transaction is BEGIN IMMEDIATE, one
writer; PostgreSQL: SELECT ... FOR UPDATE), computes the next entry from the head it read and moves the head
in the same transaction, so concurrent appends on any node line up one after the other and the chain never
forks; the (merchant, seq) primary key would refuse a fork anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.domain.audit import GENESIS, AuditEntry, AuditEvent, AuditQuery, ChainHead, next_entry
from souk.storage.repos.base import Repo, check_limit
from souk.storage.schema import audit_heads, audit_log

PAGE = 1000


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(merchant_id=row.merchant_id, seq=int(row.seq), at_us=int(row.at_us), actor=row.actor,
                      role=row.role, action=row.action, object_kind=row.object_kind, object_id=row.object_id,
                      detail=dict(row.detail), prev_hash=row.prev_hash, hash=row.hash)


async def _locked_head(conn: AsyncConnection, merchant_id: str) -> ChainHead | None:
    row = (await conn.execute(sa.select(audit_heads).where(audit_heads.c.merchant_id == merchant_id)
                              .with_for_update())).first()
    return None if row is None else ChainHead(int(row.seq), row.hash, int(row.anchor_seq), row.anchor_hash)


class SqlAuditRepo(Repo):
    async def append(self, merchant_id: str, event: AuditEvent) -> AuditEntry:
        at_us = round(self._clock.wall() * 1_000_000)
        async with self._db.write() as conn:
            head = await _locked_head(conn, merchant_id)
            if head is None:
                insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                await conn.execute(insert(audit_heads).values(
                    merchant_id=merchant_id, seq=0, hash=GENESIS, anchor_seq=0, anchor_hash=GENESIS)
                    .on_conflict_do_nothing())
                head = await _locked_head(conn, merchant_id)  # ours, or the one another append created
                if head is None:  # cannot happen: inserted above or by a transaction that committed first
                    raise RuntimeError(f"audit chain head of {merchant_id!r} vanished")
            entry = next_entry(merchant_id, head.seq, head.hash, at_us, event)
            await conn.execute(audit_log.insert().values(
                merchant_id=merchant_id, seq=entry.seq, at_us=entry.at_us, actor=entry.actor, role=entry.role,
                action=entry.action, object_kind=entry.object_kind, object_id=entry.object_id,
                detail=dict(entry.detail), prev_hash=entry.prev_hash, hash=entry.hash))
            await conn.execute(audit_heads.update().where(audit_heads.c.merchant_id == merchant_id,
                                                          audit_heads.c.seq == head.seq)
                               .values(seq=entry.seq, hash=entry.hash))
        return entry

    async def head(self, merchant_id: str) -> ChainHead:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(audit_heads)
                                      .where(audit_heads.c.merchant_id == merchant_id))).first()
        if row is None:
            return ChainHead(0, GENESIS, 0, GENESIS)
        return ChainHead(int(row.seq), row.hash, int(row.anchor_seq), row.anchor_hash)

    async def search(self, merchant_id: str, q: AuditQuery) -> list[AuditEntry]:
        """Matching entries, newest first."""
        check_limit(q.limit)
        c = audit_log.c
        where: list[Any] = [c.merchant_id == merchant_id]
        for col, value in ((c.actor, q.actor), (c.action, q.action), (c.object_kind, q.object_kind),
                           (c.object_id, q.object_id)):
            if value is not None:
                where.append(col == value)
        if q.since_us is not None:
            where.append(c.at_us >= q.since_us)
        if q.until_us is not None:
            where.append(c.at_us < q.until_us)
        if q.before_seq is not None:
            where.append(c.seq < q.before_seq)
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(audit_log).where(*where).order_by(c.seq.desc()).limit(q.limit)))
            return [_entry(r) for r in rows]

    async def page(self, merchant_id: str, after_seq: int, limit: int = PAGE) -> list[AuditEntry]:
        """Entries with seq > ``after_seq`` in chain order, at most ``limit``."""
        c = audit_log.c
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(audit_log).where(c.merchant_id == merchant_id, c.seq > after_seq)
                                      .order_by(c.seq).limit(limit))
            return [_entry(r) for r in rows]

    async def chain_merchants(self) -> Sequence[str]:
        """Merchants that have a chain (for ``souk audit verify`` over every merchant)."""
        async with self._db.read() as conn:
            return list((await conn.execute(sa.select(audit_heads.c.merchant_id)
                                            .order_by(audit_heads.c.merchant_id))).scalars())

    async def purge_before(self, merchant_id: str, before_us: int) -> int:
        """Delete the oldest entries written before ``before_us`` (a prefix of the chain, never the head) and
        move the anchor to the last one deleted, so the rest still verifies. Returns how many were deleted."""
        c = audit_log.c
        async with self._db.write() as conn:
            head = await _locked_head(conn, merchant_id)
            if head is None:
                return 0
            # A prefix only: stop at the first entry that is young enough (clocks of nodes may disagree).
            young = await conn.scalar(sa.select(sa.func.min(c.seq)).where(c.merchant_id == merchant_id,
                                                                          c.at_us >= before_us))
            last = head.seq if young is None else int(young) - 1
            last = min(last, head.seq - 1)  # keep the head entry: it is what later appends link to
            if last <= head.anchor_seq:
                return 0
            anchor_hash = await conn.scalar(sa.select(c.hash).where(c.merchant_id == merchant_id, c.seq == last))
            if anchor_hash is None:  # the row is gone: a broken chain is left for verification to report
                return 0
            deleted = await conn.execute(audit_log.delete().where(c.merchant_id == merchant_id, c.seq <= last))
            await conn.execute(audit_heads.update().where(audit_heads.c.merchant_id == merchant_id)
                               .values(anchor_seq=last, anchor_hash=anchor_hash))
            return int(deleted.rowcount or 0)

    async def iterate(self, merchant_id: str, after_seq: int) -> AsyncIterator[list[AuditEntry]]:
        """Pages of the chain after ``after_seq``, in order (for streaming verification)."""
        while True:
            rows = await self.page(merchant_id, after_seq)
            if not rows:
                return
            yield rows
            after_seq = rows[-1].seq
