"""Consent records in the database (souk.domain.consent): append an answer, read a subject's answers, list a
merchant's for its admins, and the export/erasure of a customer's records. Rows are never updated."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from souk.domain.consent import Channel, ConsentKind, ConsentRecord
from souk.storage.repos.base import Repo, check_limit
from souk.storage.schema import consent_records

_C = consent_records.c


def _record(row: Any) -> ConsentRecord:
    return ConsentRecord(merchant_id=row.merchant_id, subject=row.subject, kind=ConsentKind(row.kind),
                         granted=bool(row.granted), at=row.at_us / 1e6, text_version=row.text_version,
                         channel=Channel(row.channel), language=row.language, customer_id=row.customer_id,
                         seq=int(row.seq))


def _matching(merchant_id: str, ids: Collection[str]) -> sa.ColumnElement[bool]:
    return sa.and_(_C.merchant_id == merchant_id, sa.or_(_C.subject.in_(list(ids)), _C.customer_id.in_(list(ids))))


class SqlConsentRepo(Repo):
    async def add(self, record: ConsentRecord) -> ConsentRecord:
        """Store one answer; the record as stored (its time is the store's clock, its seq the row's)."""
        at_us = int(self._clock.wall() * 1e6)
        async with self._db.write() as conn:
            res = await conn.execute(consent_records.insert().values(
                merchant_id=record.merchant_id, subject=record.subject, customer_id=record.customer_id,
                kind=record.kind.value, granted=record.granted, at_us=at_us, text_version=record.text_version,
                channel=record.channel.value, language=record.language).returning(_C.seq))
            seq = int(res.scalar_one())
        return ConsentRecord(record.merchant_id, record.subject, record.kind, record.granted, at_us / 1e6,
                             record.text_version, record.channel, record.language, record.customer_id, seq)

    async def of_subject(self, merchant_id: str, subject: str) -> list[ConsentRecord]:
        """Every answer of ``subject`` at ``merchant_id``, oldest first."""
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(consent_records)
                                      .where(_C.merchant_id == merchant_id, _C.subject == subject)
                                      .order_by(_C.at_us, _C.seq))
            return [_record(r) for r in rows]

    async def search(self, merchant_id: str, *, subject: str | None = None, kind: ConsentKind | None = None,
                     before: int | None = None, limit: int = 100) -> list[ConsentRecord]:
        """A merchant's records, newest first (``before``: a seq from the previous page)."""
        check_limit(limit)
        q = sa.select(consent_records).where(_C.merchant_id == merchant_id)
        if subject is not None:
            q = q.where(_C.subject == subject)
        if kind is not None:
            q = q.where(_C.kind == kind.value)
        if before is not None:
            q = q.where(_C.seq < before)
        async with self._db.read() as conn:
            rows = await conn.execute(q.order_by(_C.seq.desc()).limit(limit))
            return [_record(r) for r in rows]

    async def of_customer(self, merchant_id: str, ids: Collection[str]) -> list[ConsentRecord]:
        """Every record whose subject or customer id is one of ``ids`` (export), oldest first."""
        if not ids:
            return []
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(consent_records).where(_matching(merchant_id, ids))
                                      .order_by(_C.at_us, _C.seq))
            return [_record(r) for r in rows]

    async def erase(self, merchant_id: str, ids: Sequence[str]) -> int:
        """Delete every record whose subject or customer id is one of ``ids``; how many."""
        if not ids:
            return 0
        async with self._db.write() as conn:
            res = await conn.execute(consent_records.delete().where(_matching(merchant_id, ids)))
            return int(res.rowcount or 0)
