"""The audit log's store on SQLite and PostgreSQL: appends form one chain per merchant even when two nodes
append at once, search filters by actor/action/object/time, verification finds rows changed, deleted or
reordered in the database, and a retention purge keeps the rest verifiable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from souk.core.clock import ManualClock
from souk.core.settings import Settings
from souk.domain.audit import GENESIS, AuditQuery, Problem
from souk.privacy.audit import AuditLog
from souk.storage import Storage, open_storage
from souk.storage.schema import audit_heads, audit_log
from tests.contract.storage.conftest import A, B, merchant


async def _shops(s: Storage) -> AuditLog:
    await s.merchants.create(merchant(A))
    await s.merchants.create(merchant(B))
    return AuditLog(s.audit)


async def _read(log: AuditLog, m: str, n: int, actor: str = "agent-1") -> None:
    for i in range(n):
        await log.record(m, actor=actor, role="staff", action="conversation.read", object_kind="conversation",
                         object_id=f"conv-{i}", detail={"route": "/v1/desk/conversations/{id}"})


async def test_appends_chain_per_merchant_and_verify(storage: Storage) -> None:
    log = await _shops(storage)
    assert (await log.verify(A)).ok  # no chain yet: empty and fine
    await _read(log, A, 3)
    await _read(log, B, 2)
    va, vb = await log.verify(A), await log.verify(B)
    assert va.ok and va.checked == 3 and va.head_seq == 3
    assert vb.ok and vb.checked == 2
    rows = await log.search(A, AuditQuery())
    assert [r.seq for r in rows] == [3, 2, 1] and rows[-1].prev_hash == GENESIS
    assert set(await log.merchants()) == {A, B}


async def test_search_filters_and_pages(storage: Storage, storage_clock: ManualClock) -> None:
    log = await _shops(storage)
    t0 = int(storage_clock.wall() * 1_000_000)
    await _read(log, A, 2, actor="agent-1")
    await storage_clock.advance(60)
    await _read(log, A, 2, actor="agent-2")
    await log.record(A, actor="owner", role="admin", action="customer.export", object_kind="customer",
                     object_id="C-1")
    await _read(log, B, 1, actor="agent-2")
    assert [r.actor for r in await log.search(A, AuditQuery(actor="agent-2"))] == ["agent-2", "agent-2"]
    assert [r.seq for r in await log.search(A, AuditQuery(action="customer.export"))] == [5]
    assert [r.seq for r in await log.search(A, AuditQuery(object_kind="conversation", object_id="conv-1"))] == [4, 2]
    assert [r.seq for r in await log.search(A, AuditQuery(until_us=t0 + 30_000_000))] == [2, 1]
    assert [r.seq for r in await log.search(A, AuditQuery(since_us=t0 + 30_000_000))] == [5, 4, 3]
    assert [r.seq for r in await log.search(A, AuditQuery(before_seq=4, limit=2))] == [3, 2]
    assert all(r.merchant_id == A for r in await log.search(A, AuditQuery(limit=1000)))


async def test_a_row_changed_in_the_database_is_found(storage: Storage) -> None:
    log = await _shops(storage)
    await _read(log, A, 4)
    async with storage.db.write() as conn:
        await conn.execute(audit_log.update().where(audit_log.c.merchant_id == A, audit_log.c.seq == 2)
                           .values(actor="someone-else"))
    v = await log.verify(A)
    assert [(f.seq, f.problem) for f in v.findings] == [(2, Problem.TAMPERED)]
    assert (await log.verify(B)).ok


async def test_a_row_deleted_in_the_database_is_found(storage: Storage) -> None:
    log = await _shops(storage)
    await _read(log, A, 4)
    async with storage.db.write() as conn:
        await conn.execute(audit_log.delete().where(audit_log.c.merchant_id == A, audit_log.c.seq == 2))
    assert Problem.MISSING in {f.problem for f in (await log.verify(A)).findings}


async def test_the_last_row_deleted_is_found_by_the_head(storage: Storage) -> None:
    log = await _shops(storage)
    await _read(log, A, 3)
    async with storage.db.write() as conn:
        await conn.execute(audit_log.delete().where(audit_log.c.merchant_id == A, audit_log.c.seq == 3))
    assert [f.problem for f in (await log.verify(A)).findings] == [Problem.HEAD]


async def test_two_rows_swapped_in_the_database_are_found(storage: Storage) -> None:
    log = await _shops(storage)
    await _read(log, A, 4)
    c = audit_log.c
    async with storage.db.write() as conn:  # swap rows 2 and 3 by renumbering them
        await conn.execute(audit_log.update().where(c.merchant_id == A, c.seq == 2).values(seq=-2))
        await conn.execute(audit_log.update().where(c.merchant_id == A, c.seq == 3).values(seq=2))
        await conn.execute(audit_log.update().where(c.merchant_id == A, c.seq == -2).values(seq=3))
    v = await log.verify(A)
    assert not v.ok and {f.seq for f in v.findings} >= {2, 3}


async def test_64_concurrent_appends_from_two_nodes_never_fork(storage: Storage, storage_url: str,
                                                                storage_clock: ManualClock, tmp_path: Path) -> None:
    log = await _shops(storage)
    other = await open_storage(Settings(data_dir=str(tmp_path)), clock=storage_clock, url=storage_url,
                               run_migrations=False)  # a second node on the same database
    try:
        logs = (log, AuditLog(other.audit))
        await asyncio.gather(*(logs[i % 2].record(A, actor=f"agent-{i}", role="staff", action="recording.read",
                                                  object_kind="recording", object_id=f"rec-{i}")
                               for i in range(64)))
    finally:
        await other.aclose()
    v = await log.verify(A)
    assert v.ok and v.checked == 64 and v.head_seq == 64
    rows = await log.search(A, AuditQuery(limit=100))
    assert sorted(r.actor for r in rows) == sorted(f"agent-{i}" for i in range(64))
    assert len({r.prev_hash for r in rows}) == 64  # each entry has its own predecessor: no fork


async def test_purge_keeps_the_rest_verifiable_and_never_the_head(storage: Storage,
                                                                  storage_clock: ManualClock) -> None:
    log = await _shops(storage)
    await _read(log, A, 3)
    await storage_clock.advance(3600)
    cut = int(storage_clock.wall() * 1_000_000)
    await _read(log, A, 2)
    assert await storage.audit.purge_before(A, cut) == 3
    assert await storage.audit.purge_before(A, cut) == 0  # idempotent
    head = await storage.audit.head(A)
    assert (head.anchor_seq, head.seq) == (3, 5)
    v = await log.verify(A)
    assert v.ok and v.checked == 2
    await _read(log, A, 1)
    assert (await log.verify(A)).ok
    # everything is old: all but the head entry go, and the chain still verifies and grows
    await storage_clock.advance(3600)
    assert await storage.audit.purge_before(A, int(storage_clock.wall() * 1_000_000)) == 2
    assert (await log.verify(A)).ok and (await storage.audit.head(A)).anchor_seq == 5
    # a forged anchor is found
    async with storage.db.write() as conn:
        await conn.execute(audit_heads.update().where(audit_heads.c.merchant_id == A).values(anchor_hash=GENESIS))
    assert not (await log.verify(A)).ok


async def test_audit_rows_of_one_merchant_are_invisible_to_the_other(storage: Storage) -> None:
    log = await _shops(storage)
    await _read(log, A, 2)
    assert await log.search(B, AuditQuery()) == []
    async with storage.db.read() as conn:
        n = await conn.scalar(sa.select(sa.func.count()).select_from(audit_log).where(audit_log.c.merchant_id == B))
    assert n == 0
