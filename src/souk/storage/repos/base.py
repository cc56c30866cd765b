"""What every repository shares: the database, the clock, and small checks."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Sequence
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
    """Base of the SQL repositories. Every public coroutine method runs shielded from cancellation
    (see Database.shield): a caller that gives up gets CancelledError at once, while the database work
    it started still commits or rolls back cleanly instead of leaving a connection mid-transaction."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(member):
                setattr(cls, name, _shielded(member))

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    def _today(self) -> dt.date:
        return self._now().date()


def _shielded(method: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def run(self: Repo, *args: Any, **kwargs: Any) -> Any:
        return await self._db.shield(method(self, *args, **kwargs), name=method.__qualname__)

    return run


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


def in_room(table: sa.Table, merchant_id: str, room_id: str) -> sa.Select[Any]:
    """A timed room offer's rows (flash sales, group buys) in one room, oldest start first."""
    return (sa.select(table).where(table.c.merchant_id == merchant_id, table.c.room_id == room_id)
            .order_by(table.c.starts_at, table.c.id))


def still_running(table: sa.Table, merchant_id: str, now: dt.datetime) -> sa.Select[Any]:
    """A timed room offer's rows not ended and not past their end time (in every room), soonest end first."""
    return (sa.select(table).where(table.c.merchant_id == merchant_id, table.c.ended.is_(False),
                                   table.c.ends_at > now).order_by(table.c.ends_at, table.c.id))
