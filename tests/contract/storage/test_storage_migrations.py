"""Migrations: up from an empty database on both backends, schema == metadata, down and up again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from souk.core.settings import Settings
from souk.storage import migrate_database, open_storage
from souk.storage.db import create_engine
from souk.storage.migrate import current_revision, downgrade, head_revision, upgrade
from souk.storage.schema import metadata


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def _diff(conn: sa.Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, metadata))


async def test_upgrade_from_empty_creates_the_schema_the_code_expects(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        assert await current_revision(engine) is None
        assert await upgrade(engine) == head_revision()
        async with engine.connect() as conn:
            tables = await conn.run_sync(_tables)
            assert set(metadata.tables) <= tables
            assert await conn.run_sync(_diff) == []  # migrations and schema.py agree
        # A second upgrade is a no-op.
        assert await upgrade(engine) == head_revision()
        await downgrade(engine, "base")
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == {"alembic_version"}
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_open_storage_migrates_a_new_sqlite_file_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "nested" / "var"))
    storage = await open_storage(settings)
    try:
        assert Path(settings.data_path / "souk.db").exists()
        async with storage.db.read() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert storage.backend == "sqlite"
    finally:
        await storage.aclose()
        await storage.aclose()  # idempotent


async def test_migrate_database_for_the_cli(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path))
    assert await migrate_database(settings) == head_revision()
    assert await migrate_database(settings) == head_revision()


async def test_nodes_starting_together_migrate_once(empty_url: str) -> None:
    engines = [create_engine(empty_url) for _ in range(3)]
    try:
        revisions = await asyncio.gather(*(upgrade(e) for e in engines))
        assert revisions == [head_revision()] * 3
        async with engines[0].connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        for e in engines:
            await e.dispose()


async def test_open_without_migrating_refuses_an_outdated_schema(tmp_path: Path) -> None:
    from souk.core.errors import ConfigError

    settings = Settings(data_dir=str(tmp_path))
    with pytest.raises(ConfigError) as err:
        await open_storage(settings, run_migrations=False)
    assert "souk db upgrade" in err.value.message
    await migrate_database(settings)
    async with await open_storage(settings, run_migrations=False) as storage:
        assert await storage.merchants.list() == []
