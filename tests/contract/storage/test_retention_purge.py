"""The retention purge on SQLite and PostgreSQL, on a fake clock: each kind older than the merchant's policy
goes (quality records, closed desk conversations with their timelines, the audit log's oldest entries), open
conversations and young data stay, another merchant's own policy is its own, a second pass deletes nothing,
and each purge is logged and recorded in the merchant's audit chain, which still verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from souk.core.clock import ManualClock
from souk.core.settings import PrivacySettings
from souk.domain.audit import AuditQuery
from souk.domain.retention import DAY_S, DataKind
from souk.privacy.audit import AuditLog
from souk.privacy.retention import RetentionPurge
from souk.privacy.stores import storage_purgers
from souk.storage import Storage
from souk.storage.schema import desk_conversations, desk_events, quality_records
from tests.contract.storage.conftest import A, B, merchant

DEFAULTS = PrivacySettings(quality_records_days=30, desk_conversations_days=60, audit_log_days=90).retention_days()


def _at(clock: ManualClock, days_ago: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock.wall() - days_ago * DAY_S, dt.UTC)


async def _seed(s: Storage, clock: ManualClock, m: str) -> None:
    async with s.db.write() as conn:
        for i, age in enumerate((100, 40, 5)):  # quality records of joins 100, 40 and 5 days ago
            await conn.execute(quality_records.insert().values(
                merchant_id=m, room_id="r", identity=f"u{i}", session_id="s", kind="call",
                started_at=_at(clock, age), updated_at=_at(clock, age), failure=None, record={}))
        # desk: closed 90 days ago, closed 10 days ago, still queued since 200 days ago
        for cid, status, closed in (("old", "closed", 90), ("new", "closed", 10), ("open", "queued", None)):
            await conn.execute(desk_conversations.insert().values(
                merchant_id=m, id=cid, channel="chat", shopper_identity="C-1", language="en", status=status,
                created_at=_at(clock, 200), updated_at=_at(clock, closed or 200),
                closed_at=None if closed is None else _at(clock, closed), events=1))
            await conn.execute(desk_events.insert().values(merchant_id=m, conversation_id=cid, seq=1, kind="x",
                                                           at=_at(clock, 200), body="{}"))


async def _count(s: Storage, table: sa.Table, m: str) -> int:
    async with s.db.read() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)
                                     .where(table.c.merchant_id == m)) or 0)


@pytest.fixture
async def shops(storage: Storage, storage_clock: ManualClock) -> Storage:
    for m in (A, B):
        await storage.merchants.create(merchant(m))
    log = AuditLog(storage.audit)
    for _ in range(3):  # audit entries 120 days ago ...
        await log.record(A, actor="ana", role="agent", action="conversation.read", object_kind="conversation")
    await storage_clock.advance(120 * DAY_S)
    await log.record(A, actor="ana", role="agent", action="conversation.read", object_kind="conversation")
    for m in (A, B):
        await _seed(storage, storage_clock, m)
    return storage


async def test_a_pass_purges_each_kind_past_retention_once(shops: Storage, storage_clock: ManualClock,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    s = shops
    await s.retention.set(B, "quality_records", 3)  # B keeps quality records 3 days only
    await s.retention.set(B, "desk_conversations", 365)
    audit = AuditLog(s.audit)
    purge = RetentionPurge(s.retention, storage_purgers(s, batch=2), lambda: _merchants(s), DEFAULTS,
                           storage_clock, audit=audit)
    with caplog.at_level(logging.INFO, logger="souk.privacy.retention"):
        result = await purge.run_once()
    got = {(p.merchant_id, p.kind): p.deleted for p in result.purged}
    assert got == {(A, DataKind.QUALITY_RECORDS): 2, (A, DataKind.DESK_CONVERSATIONS): 1, (A, DataKind.AUDIT_LOG): 3,
                   (B, DataKind.QUALITY_RECORDS): 3, (B, DataKind.DESK_CONVERSATIONS): 0, (B, DataKind.AUDIT_LOG): 0,
                   (A, DataKind.TRANSCRIPTS): 0, (B, DataKind.TRANSCRIPTS): 0}  # captions: tests/.../test_captions_store
    assert set(result.skipped) == {DataKind.CHAT_HISTORY, DataKind.RECORDINGS}
    assert await _count(s, quality_records, A) == 1 and await _count(s, quality_records, B) == 0
    async with s.db.read() as conn:
        left = set((await conn.execute(sa.select(desk_conversations.c.id)
                                       .where(desk_conversations.c.merchant_id == A))).scalars())
    assert left == {"new", "open"}  # the open one stays however old it is
    assert await _count(s, desk_events, A) == 2 and await _count(s, desk_conversations, B) == 3
    lines = [r.getMessage() for r in caplog.records if "retention purge" in r.getMessage()]
    assert any(f"merchant={A} kind=desk_conversations deleted=1" in x for x in lines), lines
    assert any(f"merchant={B} kind=quality_records deleted=3" in x and "(3 days)" in x for x in lines), lines
    # the purges are in each merchant's audit chain, and the chain (with its anchor moved) still verifies
    rec = await audit.search(A, AuditQuery(action="retention.purge"))
    assert {(e.object_kind, e.detail["deleted"]) for e in rec} == {("quality_records", "2"),
                                                                  ("desk_conversations", "1"), ("audit_log", "3")}
    assert (await audit.verify(A)).ok and (await audit.verify(B)).ok
    head = await s.audit.head(A)

    again = await purge.run_once()  # idempotent: nothing more to delete, nothing more recorded
    assert again.total == 0 and (await s.audit.head(A)).seq == head.seq

    await storage_clock.advance(30 * DAY_S)  # a month later the 5-day-old record is past A's 30 days
    later = await purge.run_once([A])
    assert {(p.kind, p.deleted) for p in later.purged if p.deleted} == {(DataKind.QUALITY_RECORDS, 1)}


async def test_the_scheduled_purge_runs_on_its_clock(shops: Storage, storage_clock: ManualClock) -> None:
    s = shops
    purge = RetentionPurge(s.retention, storage_purgers(s), lambda: _merchants(s), DEFAULTS, storage_clock,
                           every_s=3600)
    purge.start()
    try:
        await _until(lambda: _count(s, quality_records, A), 1)  # the first pass runs at start
        async with s.db.write() as conn:  # an old record arrives (another node's late upload)
            await conn.execute(quality_records.insert().values(
                merchant_id=A, room_id="r", identity="late", session_id="s", kind="call",
                started_at=_at(storage_clock, 50), updated_at=_at(storage_clock, 50), failure=None, record={}))
        await asyncio.sleep(0.1)
        assert await _count(s, quality_records, A) == 2  # nothing runs before the next period
        await storage_clock.advance(3600)
        await _until(lambda: _count(s, quality_records, A), 1)
    finally:
        await purge.aclose()


async def _until(get, want: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(250):
        if await get() == want:
            return
        await asyncio.sleep(0.02)
    assert await get() == want


async def _merchants(s: Storage) -> list[str]:
    return [m.id for m in await s.merchants.list()]
