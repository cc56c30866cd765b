"""What every repository shares: the database, the clock, and small checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.clock import Clock
from souk.core.errors import BadRequest
from souk.storage.db import Database

MAX_LIMIT = 1000


class Repo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    def _today(self) -> dt.date:
        return self._now().date()


def require_text(value: str | None, what: str, *, max_len: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what} is required", code="bad_value", details={"field": what})
    if len(value) > max_len:
        raise BadRequest(f"{what} is longer than {max_len} characters", code="bad_value", details={"field": what})
    return value


def check_limit(limit: int) -> int:
    if not 0 < limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be 1..{MAX_LIMIT}, got {limit}", code="bad_value")
    return limit


def upsert(
    conn: AsyncConnection, table: sa.Table, values: dict[str, Any], *, keys: Sequence[str],
    insert_only: Sequence[str] = (),
) -> Awaitable[Any]:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: one atomic statement on SQLite and PostgreSQL alike."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    skip = set(keys) | set(insert_only)
    changes = {name: stmt.excluded[name] for name in values if name not in skip}
    return conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes))
