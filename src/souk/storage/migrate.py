"""Run Alembic migrations programmatically: at start-up (open_storage) and from the CLI."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from souk.core.settings import Settings
from souk.storage.db import WRITE_OPTION, create_engine, translate_errors

log = logging.getLogger(__name__)

SCRIPT_LOCATION = "souk.storage:migrations"
MIGRATION_LOCK_KEY = 0x50_55_4B_4D  # an arbitrary constant naming "Souk migrations" among advisory locks


def alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations packaged"  # packaging invariant, not input validation
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(conn: sa.Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    with translate_errors():
        async with engine.connect() as conn:
            return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str:
    """Bring the database to ``revision``; a no-op when it is there already. Returns the new revision."""
    head = head_revision()
    before = await current_revision(engine)
    if before == head and revision in ("head", head):
        return head

    def _run(conn: sa.Connection, rev: str) -> None:
        command.upgrade(alembic_config(conn), rev)

    with translate_errors():
        # One migrator at a time when several nodes start together: SQLite's BEGIN IMMEDIATE (write
        # option) or a PostgreSQL advisory lock; Alembic re-reads the version under the lock.
        async with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            await conn.run_sync(_run, revision)
    after = await current_revision(engine)
    log.info("database migrated %s -> %s", before or "empty", after)
    return after or ""


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    def _run(conn: sa.Connection, rev: str) -> None:
        command.downgrade(alembic_config(conn), rev)

    with translate_errors():
        async with engine.begin() as conn:
            await conn.run_sync(_run, revision)


async def migrate_database(settings: Settings, **kw: Any) -> str:
    """For the CLI (``souk db upgrade``): migrate the configured database to head."""
    engine = create_engine(settings.db_url)
    try:
        return await upgrade(engine, **kw)
    finally:
        await engine.dispose()
