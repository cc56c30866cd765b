"""Migration 0010's rooms kind check ('group': group video calls) on a database that has data: a room that
participant records reference survives the upgrade (on SQLite the check is rewritten in place, a table rebuild
would drop `rooms` under them), a group room is refused before and accepted after, and the downgrade removes
group rooms with their participant records and keeps the rest. Both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from souk.core.errors import SoukError
from souk.storage.db import create_engine
from souk.storage.migrate import downgrade, upgrade

BEFORE = "0009_quality"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'kinds.db'}"
    return str(request.getfixturevalue("postgres_url"))


ROOM = ("INSERT INTO rooms (merchant_id, id, kind, status, metadata, created_at) "
        "VALUES ('m', :id, :kind, 'open', '{}', '2026-12-07 00:00:00+00:00')")
PARTICIPANT = ("INSERT INTO participants (merchant_id, room_id, identity, role, name, joined_at) "
               "VALUES ('m', :room, :who, 'member', '', '2026-12-07 00:00:00+00:00')")


async def _group_room(engine: sa.ext.asyncio.AsyncEngine, room_id: str) -> None:
    async with engine.begin() as c:
        await c.execute(sa.text(ROOM), {"id": room_id, "kind": "group"})
        await c.execute(sa.text(PARTICIPANT), {"room": room_id, "who": "bob"})


async def test_group_kind_on_a_database_with_rooms(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        await downgrade(engine, "base")  # a PostgreSQL database of an earlier test: start from nothing
        await upgrade(engine, BEFORE)
        async with engine.begin() as c:
            await c.execute(sa.text(
                "INSERT INTO merchants (id, name, currency, languages, timezone, ships_from, created_at, region, "
                "country) VALUES ('m', 'M', 'EUR', :languages, 'UTC', 'DE', '2026-12-07 00:00:00+00:00', 'eu', 'DE')"),
                {"languages": '["en"]'})
            await c.execute(sa.text(ROOM), {"id": "show", "kind": "live"})
            await c.execute(sa.text(PARTICIPANT), {"room": "show", "who": "ann"})
        with pytest.raises((SoukError, sa.exc.IntegrityError)):
            await _group_room(engine, "family")
        await upgrade(engine)
        await _group_room(engine, "family")
        async with engine.connect() as c:
            rooms = (await c.execute(sa.text("SELECT id, kind FROM rooms ORDER BY id"))).all()
            assert [tuple(r) for r in rooms] == [("family", "group"), ("show", "live")]
        await downgrade(engine, BEFORE)
        async with engine.connect() as c:
            assert [tuple(r) for r in (await c.execute(sa.text("SELECT id FROM rooms"))).all()] == [("show",)]
            people = (await c.execute(sa.text("SELECT room_id, identity FROM participants"))).all()
            assert [tuple(r) for r in people] == [("show", "ann")]
        with pytest.raises((SoukError, sa.exc.IntegrityError)):
            await _group_room(engine, "family")
    finally:
        await engine.dispose()
