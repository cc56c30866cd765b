"""Revoked access tokens: their ``jti`` kept until the token would have expired anyway.

:class:`RevocationStore` is the port. Backends: :class:`MemoryRevocations` (one process, tests),
:class:`SqliteRevocations` (a file in data_dir shared by the server and the ``souk token revoke`` command on
one host) and :class:`RedisRevocations` (every node, when redis_url is set). Nodes poll ``live()`` (the
revoked ids that have not expired yet: a short list) every Settings.limits.revocation_poll_s.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Unavailable


class RevocationStore(Protocol):
    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        """Record a revocation; False when the id was already revoked."""

    async def live(self) -> dict[str, str]:
        """Revoked token ids that have not expired yet -> their merchant (expired ones are dropped)."""

    async def aclose(self) -> None: ...


class MemoryRevocations:
    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._revoked: dict[str, tuple[str, float]] = {}

    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        if jti in self._revoked:
            return False
        self._revoked[jti] = (merchant_id, expires_at)
        return True

    async def live(self) -> dict[str, str]:
        now = self._clock.wall()
        for jti in [j for j, (_, exp) in self._revoked.items() if exp <= now]:
            del self._revoked[jti]
        return {j: m for j, (m, _) in self._revoked.items()}

    async def aclose(self) -> None:
        return None


class SqliteRevocations:
    """A small SQLite file (WAL) next to the server's other state; blocking calls run in a thread."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self._path = str(path)
        self._clock = clock or SystemClock()
        self._lock = asyncio.Lock()
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, timeout=30, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, merchant_id TEXT NOT NULL,"
                       " expires_at REAL NOT NULL, revoked_at REAL NOT NULL)")
            self._db = db
        return self._db

    def _revoke(self, jti: str, merchant_id: str, expires_at: float, now: float) -> bool:
        cur = self._conn().execute("INSERT OR IGNORE INTO revoked_tokens VALUES (?, ?, ?, ?)",
                                   (jti, merchant_id, expires_at, now))
        return cur.rowcount == 1

    def _live(self, now: float) -> dict[str, str]:
        db = self._conn()
        db.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?", (now,))
        return dict(db.execute("SELECT jti, merchant_id FROM revoked_tokens").fetchall())

    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        async with self._lock:
            return await asyncio.to_thread(self._revoke, jti, merchant_id, expires_at, self._clock.wall())

    async def live(self) -> dict[str, str]:
        async with self._lock:
            return await asyncio.to_thread(self._live, self._clock.wall())

    async def aclose(self) -> None:
        async with self._lock:
            if self._db is not None:
                db, self._db = self._db, None
                db.close()


class RedisRevocations:
    """A sorted set (jti -> expiry) and a hash (jti -> merchant) shared by every node."""

    def __init__(self, url: str, *, clock: Clock | None = None, prefix: str = "souk:revoked") -> None:
        self._r: Any = aioredis.from_url(url)  # redis.asyncio.Redis; None once closed
        self._clock = clock or SystemClock()
        self._z = f"{prefix}:exp"
        self._h = f"{prefix}:mid"

    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        try:
            pipe = self._r.pipeline(transaction=True)
            pipe.zadd(self._z, {jti: expires_at}, nx=True)
            pipe.hsetnx(self._h, jti, merchant_id)
            added, _ = await pipe.execute()
        except RedisError as exc:
            raise Unavailable(f"revocation store unavailable: {exc}", code="revocations_unavailable") from exc
        return bool(added)

    async def live(self) -> dict[str, str]:
        now = self._clock.wall()
        try:
            gone = await self._r.zrangebyscore(self._z, "-inf", now)
            if gone:
                pipe = self._r.pipeline(transaction=True)
                pipe.zrem(self._z, *gone)
                pipe.hdel(self._h, *gone)
                await pipe.execute()
            raw = await self._r.hgetall(self._h)
        except RedisError as exc:
            raise Unavailable(f"revocation store unavailable: {exc}", code="revocations_unavailable") from exc
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def aclose(self) -> None:
        if self._r is not None:
            r, self._r = self._r, None
            await r.aclose()


def revocations_from_settings(redis_url: str, data_dir: Path, clock: Clock | None = None) -> RevocationStore:
    """Redis when configured (every node), else the SQLite file in data_dir (this host's server and CLI)."""
    if redis_url:
        return RedisRevocations(redis_url, clock=clock)
    return SqliteRevocations(data_dir / "revoked_tokens.db", clock=clock)
