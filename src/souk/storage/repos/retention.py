"""Retention in the database: a merchant's own retention days per data kind, and the purge of closed desk
conversations (their timelines with them). Other kinds purge through their own repositories
(quality_records: SqlQualityRepo.purge; audit_log: SqlAuditRepo.purge_before)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from souk.domain.retention import check_days
from souk.storage.repos.base import Repo, upsert
from souk.storage.schema import desk_conversations, desk_events, retention_policies


def _ts(wall: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(wall, dt.UTC)


class SqlRetentionRepo(Repo):
    async def own(self, merchant_id: str) -> dict[str, int]:
        """The kinds the merchant set, with their days."""
        c = retention_policies.c
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(c.kind, c.days).where(c.merchant_id == merchant_id))
            return {r.kind: int(r.days) for r in rows}

    async def set(self, merchant_id: str, kind: str, days: int) -> None:
        k, d = check_days(kind, days)
        async with self._db.write() as conn:
            await upsert(conn, retention_policies, {"merchant_id": merchant_id, "kind": k.value, "days": d,
                                                    "updated_at": self._now()}, keys=["merchant_id", "kind"])

    async def clear(self, merchant_id: str, kind: str) -> bool:
        """Back to the default for ``kind``; whether the merchant had its own."""
        c = retention_policies.c
        async with self._db.write() as conn:
            r = await conn.execute(retention_policies.delete().where(c.merchant_id == merchant_id, c.kind == kind))
            return bool(r.rowcount)

    async def purge_desk(self, merchant_id: str, before: float, *, batch: int = 1000) -> int:
        """Delete up to ``batch`` closed conversations closed before ``before`` (wall time) with their
        timelines; how many conversations. Open conversations are never purged, however old."""
        c = desk_conversations.c
        async with self._db.write() as conn:
            ids = list((await conn.execute(
                sa.select(c.id).where(c.merchant_id == merchant_id, c.status == "closed",
                                      c.closed_at.is_not(None), c.closed_at < _ts(before))
                .order_by(c.closed_at).limit(batch))).scalars())
            if not ids:
                return 0
            e = desk_events.c
            await conn.execute(desk_events.delete().where(e.merchant_id == merchant_id,
                                                          e.conversation_id.in_(ids)))
            await conn.execute(desk_conversations.delete().where(c.merchant_id == merchant_id, c.id.in_(ids)))
        return len(ids)
