"""The async engine and its transactions, tuned per backend.

SQLite (aiosqlite): WAL journal, foreign keys on, a busy timeout, and write transactions opened with
``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing when one upgrades a stale read
snapshot. PostgreSQL (asyncpg): READ COMMITTED; correctness of stock comes from conditional UPDATEs.
Driver errors are translated to SoukError kinds here, in one place.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from souk.core.errors import BadRequest, ConfigError, Conflict, NotFound, SoukError, Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_S = 30.0
WRITE_OPTION = "souk_write"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"database_url is not a valid URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.get_driver_name() != "aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            # Switch the file to WAL once, before any pooled connection exists: the switch needs an exclusive
            # lock, and connections of several engines racing it on a new file could lock each other out.
            with closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)) as first:
                first.execute("PRAGMA journal_mode=WAL")
        engine = create_async_engine(parsed, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _tune_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "asyncpg":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        return create_async_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise ConfigError(f"unsupported database backend {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg")


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """Owns the engine; hands out read and write transactions with errors translated."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        # Reads see one snapshot for the whole transaction (StoreSnapshot reads seven tables). SQLite's
        # deferred BEGIN in WAL mode already does; PostgreSQL needs REPEATABLE READ (read-only: never fails).
        self._reader = (engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                        if engine.dialect.name == "postgresql" else engine)
        self._closed = False
        self._inflight: set[asyncio.Task[Any]] = set()
        # SQLite has one writer at a time. Queue this process's writers here, in FIFO order, instead of
        # letting them poll the file lock with the busy handler's sleeps (which wastes most of the time
        # under contention); busy_timeout still arbitrates between processes.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def shield(self, work: Coroutine[Any, Any, T], *, name: str = "db") -> T:
        """Run ``work`` in its own task and wait for it. If the caller is cancelled it gets CancelledError
        at once and the work still finishes (commit or rollback) in the background; aclose() waits for it.

        Cancelling a task in the middle of a driver call leaves that connection half-way through a
        transaction (measured here: an aiosqlite connection kept SQLite's write lock until the busy
        timeout failed every other writer), so database work is never cancelled half-way.
        """
        task = asyncio.get_running_loop().create_task(work, name=f"storage:{name}")
        self._inflight.add(task)
        task.add_done_callback(self._finished)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            log.debug("caller of %s cancelled; the database work finishes on its own", name)
            raise

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so an abandoned task's error is not reported as "never retrieved".
            log.debug("%s ended with %r", task.get_name(), task.exception())

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with translate_errors():
            async with self._reader.connect() as conn, conn.begin():
                yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        with translate_errors():
            if self._write_lock is None:
                async with self._writer.begin() as conn:
                    yield conn
                return
            async with self._write_lock, self._writer.begin() as conn:
                yield conn

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.drain(timeout=SQLITE_BUSY_TIMEOUT_S)  # let abandoned work commit or roll back first
        await self.engine.dispose()

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until database work started so far (including work whose callers gave up) is done."""
        while self._inflight:
            _, pending = await asyncio.wait(list(self._inflight), timeout=timeout)
            if pending:
                log.warning("%d database operations still running after %ss", len(pending), timeout)
                return


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn driver errors into SoukErrors (our own errors pass through untouched)."""
    try:
        yield
    except SoukError:  # ours, raised inside a transaction; Forbidden and Timeout are also OSErrors
        raise
    except (DBAPIError, sqlite3.Error) as exc:
        raise _translate(exc) from exc
    except sa.exc.StatementError as exc:  # a value our column types refused before it reached the driver
        if isinstance(exc.orig, ValueError | TypeError):
            raise BadRequest(f"bad value: {exc.orig}", code="bad_value") from exc
        raise
    except (TimeoutError, OSError, sa.exc.TimeoutError) as exc:  # refused/reset connections, pool timeouts
        raise Unavailable(f"database unreachable: {exc}", code="db_unavailable") from exc


def _translate(exc: BaseException) -> SoukError:
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, IntegrityError):
        if "foreign key" in text:
            return NotFound("a referenced record (merchant, customer, product, room...) does not exist",
                            code="reference_missing", details={"db": _short(text)})
        if "check" in text:
            return BadRequest("value violates a constraint", code="constraint_violated",
                              details={"db": _short(text)})
        if "not null" in text or "null value" in text:
            return BadRequest("a required value is missing", code="value_missing", details={"db": _short(text)})
        return Conflict("record already exists", code="duplicate", details={"db": _short(text)})
    if isinstance(exc, OperationalError) or "connection" in text or "locked" in text:
        return Unavailable(f"database unavailable: {_short(text)}", code="db_unavailable")
    if "deadlock" in text or "could not serialize" in text:
        return Unavailable("database conflict, retry", code="db_retry")
    if "value too long" in text or "invalid input" in text or "out of range" in text:
        return BadRequest(f"value rejected by the database: {_short(text)}", code="bad_value")
    return SoukError(f"database error: {_short(text)}", code="db_error")


def _short(text: str) -> str:
    return text.splitlines()[0][:300] if text else ""
