"""A durable message log in one SQLite file for the embedded (single-process) broker.

Appends are group-committed by one owned writer task: callers await their entry's commit, so nothing is
acknowledged before it is on disk (WAL, synchronous=NORMAL). Reads go through the same connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

from souk.core.errors import Unavailable
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rtm_messages (
  channel TEXT NOT NULL,
  seq INTEGER NOT NULL,
  raw BLOB NOT NULL,
  PRIMARY KEY (channel, seq)
) WITHOUT ROWID;
"""

Entry = tuple[str, int, bytes]


class SqliteLog:
    def __init__(self, path: str | Path, *, queue_limit: int = 10_000) -> None:
        self._path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[Entry, asyncio.Future[None]]] = asyncio.Queue(queue_limit)
        self._tasks = TaskOwner("rtm-sqlite")
        self._on_commit: Callable[[list[Entry]], None] | None = None
        self._closed = False

    async def open(self, on_commit: Callable[[list[Entry]], None]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self._path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.executescript(_SCHEMA)
        await self._db.commit()
        self._on_commit = on_commit
        self._tasks.spawn(self._writer(), "writer")

    async def append(self, entry: Entry) -> None:
        if self._closed or self._db is None:
            raise Unavailable("message log is closed", code="rtm_closed")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((entry, fut))
        await fut

    async def _writer(self) -> None:
        assert self._db is not None
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < 1000:
                batch.append(self._queue.get_nowait())
            entries = [e for e, _ in batch]
            try:
                await self._db.executemany("INSERT OR REPLACE INTO rtm_messages VALUES (?, ?, ?)", entries)
                await self._db.commit()
            except Exception as exc:  # a failed commit fails every waiter; nothing is acknowledged
                log.exception("rtm log commit failed")
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(Unavailable(f"message log write failed: {exc}", code="rtm_store"))
                continue
            if self._on_commit is not None:
                self._on_commit(entries)
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)

    async def last_seq(self, channel: str) -> int:
        assert self._db is not None
        async with self._db.execute("SELECT max(seq) FROM rtm_messages WHERE channel=?", (channel,)) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def range(self, channel: str, after: int, limit: int) -> list[tuple[int, bytes]]:
        assert self._db is not None
        sql = "SELECT seq, raw FROM rtm_messages WHERE channel=? AND seq>? ORDER BY seq LIMIT ?"
        async with self._db.execute(sql, (channel, after, limit)) as cur:
            return [(int(s), bytes(r)) for s, r in await cur.fetchall()]

    async def tail(self, channel: str, limit: int) -> list[tuple[int, bytes]]:
        assert self._db is not None
        sql = "SELECT seq, raw FROM rtm_messages WHERE channel=? ORDER BY seq DESC LIMIT ?"
        async with self._db.execute(sql, (channel, limit)) as cur:
            rows: list[Any] = list(await cur.fetchall())
        return [(int(s), bytes(r)) for s, r in reversed(rows)]

    async def delete(self, channel: str, seq: int) -> bool:
        assert self._db is not None
        cur = await self._db.execute("DELETE FROM rtm_messages WHERE channel=? AND seq=?", (channel, seq))
        await self._db.commit()
        return cur.rowcount > 0

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        while not self._queue.empty():
            _, fut = self._queue.get_nowait()
            if not fut.done():
                fut.set_exception(Unavailable("message log closed", code="rtm_closed"))
        if self._db is not None:
            await self._db.close()
            self._db = None
