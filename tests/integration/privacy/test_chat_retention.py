"""Retention of chat history (DataKind.CHAT_HISTORY) with a fake clock on both brokers: the embedded broker
(its SQLite log ``rtm.db`` and its in-memory ring, and the ring alone without a log) and Redis streams. A
merchant's messages older than its days go from every place a late joiner reads history; newer ones, and
another merchant's, stay; a second pass deletes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.settings import PrivacySettings
from souk.domain.retention import DAY_S, DataKind
from souk.privacy.file_stores import RtmHistoryStore
from souk.privacy.retention import RetentionPurge, batched
from souk.rtm.broker import Draft
from souk.rtm.envelope import Kind
from souk.rtm.memory import MemoryBroker
from souk.rtm.redis_broker import RedisBroker
from souk.rtm.sqlite_log import SqliteLog

A, B = "lumen", "bazaar"


class Policies:
    async def own(self, merchant_id: str) -> dict[str, int]:
        return {"chat_history": 30} if merchant_id == A else {}  # B: the default (365 days)


def draft(key: str, text: str, clock: ManualClock) -> Draft:
    return Draft(key=key, ch=key.split("/", 1)[1], id="", kind=Kind.CHAT, body={"text": text}, sender="u1",
                 ts=clock.wall())


async def _fill(broker: Any, clock: ManualClock) -> None:
    """Per merchant two rooms: messages 40 days old, then 10 days old (A keeps 30 days, B 365)."""
    for i in range(3):
        for key in (f"{A}/live-1", f"{A}/live-2", f"{B}/live-1"):
            await broker.publish(draft(key, f"old {i}", clock))
    await clock.advance(30 * DAY_S)
    for key in (f"{A}/live-1", f"{B}/live-1"):
        await broker.publish(draft(key, "recent", clock))
    await clock.advance(10 * DAY_S)


def _purge(store: RtmHistoryStore, clock: ManualClock, batch: int = 2) -> RetentionPurge:
    async def merchants() -> list[str]:
        return [A, B]

    return RetentionPurge(Policies(), {DataKind.CHAT_HISTORY: batched(store.purge, batch)}, merchants,
                          PrivacySettings().retention_days(), clock)


async def _texts(broker: Any, key: str) -> list[str]:
    import json

    return [json.loads(raw)["b"]["text"] for _, raw in await broker.history(key, since=None, limit=100)]


async def _check(broker: Any, store: RtmHistoryStore, clock: ManualClock) -> None:
    purge = _purge(store, clock)
    result = await purge.run_once()
    assert [(p.merchant_id, p.kind, p.deleted) for p in result.purged if p.deleted] == [(A, DataKind.CHAT_HISTORY, 6)]
    assert DataKind.CHAT_HISTORY not in result.skipped
    assert await _texts(broker, f"{A}/live-1") == ["recent"]
    assert await _texts(broker, f"{A}/live-2") == []
    assert await _texts(broker, f"{B}/live-1") == ["old 0", "old 1", "old 2", "recent"]
    assert (await purge.run_once()).total == 0  # idempotent
    await clock.advance(25 * DAY_S)  # "recent" is now 35 days old
    assert (await purge.run_once()).total == 1 and await _texts(broker, f"{A}/live-1") == []


async def test_embedded_broker_log_and_ring(tmp_path: Path) -> None:
    clock = ManualClock(wall_start=1_800_000_000.0)
    broker = MemoryBroker(log=SqliteLog(tmp_path / "rtm.db"), clock=clock)
    await broker.start()
    try:
        await _fill(broker, clock)
        await _check(broker, RtmHistoryStore(tmp_path / "rtm.db", None, broker), clock)
    finally:
        await broker.aclose()
    # and from the file alone (the `souk privacy purge` command beside a stopped node): nothing left to purge
    reopened = MemoryBroker(log=SqliteLog(tmp_path / "rtm.db"), clock=clock)
    await reopened.start()
    try:
        assert await _texts(reopened, f"{A}/live-1") == [] and len(await _texts(reopened, f"{B}/live-1")) == 4
    finally:
        await reopened.aclose()


async def test_the_file_alone(tmp_path: Path) -> None:
    clock = ManualClock(wall_start=1_800_000_000.0)
    broker = MemoryBroker(log=SqliteLog(tmp_path / "rtm.db"), clock=clock)
    await broker.start()
    try:
        await _fill(broker, clock)
    finally:
        await broker.aclose()
    result = await _purge(RtmHistoryStore(tmp_path / "rtm.db", None), clock).run_once()
    assert result.total == 6
    reopened = MemoryBroker(log=SqliteLog(tmp_path / "rtm.db"), clock=clock)
    await reopened.start()
    try:
        assert await _texts(reopened, f"{A}/live-1") == ["recent"] and await _texts(reopened, f"{A}/live-2") == []
        assert len(await _texts(reopened, f"{B}/live-1")) == 4
    finally:
        await reopened.aclose()


async def test_memory_ring_without_a_log() -> None:
    clock = ManualClock(wall_start=1_800_000_000.0)
    broker = MemoryBroker(clock=clock)
    await broker.start()
    await _fill(broker, clock)
    await _check(broker, RtmHistoryStore(None, None, broker), clock)


@pytest.mark.redis
async def test_redis_streams(redis_url: str) -> None:
    clock = ManualClock(wall_start=1_800_000_000.0)
    broker = RedisBroker(redis_url, clock=clock)
    await broker.start()
    try:
        await _fill(broker, clock)
        await _check(broker, RtmHistoryStore(None, redis_url, broker), clock)
    finally:
        await broker.aclose()


@pytest.mark.redis
async def test_redis_streams_without_the_broker(redis_url: str) -> None:
    clock = ManualClock(wall_start=1_800_000_000.0)
    broker = RedisBroker(redis_url, clock=clock)
    await broker.start()
    try:
        await _fill(broker, clock)
        result = await _purge(RtmHistoryStore(None, redis_url), clock, batch=500).run_once()
        assert result.total == 6
        assert await _texts(broker, f"{A}/live-1") == ["recent"] and await _texts(broker, f"{A}/live-2") == []
        assert len(await _texts(broker, f"{B}/live-1")) == 4
    finally:
        await broker.aclose()
