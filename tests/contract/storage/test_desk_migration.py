"""Migration 0007 (the desk) on SQLite and PostgreSQL: a database at 0006 holding a store moves up without
losing it, the desk works at once, and down to 0006 removes only the desk's tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from souk.core.clock import ManualClock
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Channel, ShopperMessage, open_conversation
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.storage import Storage
from souk.storage.db import Database, create_engine
from souk.storage.migrate import current_revision, downgrade, head_revision, upgrade
from tests.contract.storage.conftest import A, merchant

DESK = {"desk_conversations", "desk_events", "desk_agents", "desk_settings", "webhook_endpoints",
        "webhook_deliveries", "webhook_attempts", "webhook_parked"}
T0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


async def test_0006_to_0007_keeps_the_store_and_back_removes_only_the_desk(empty_url: str) -> None:
    engine = create_engine(empty_url)
    storage = Storage(Database(engine), ManualClock())
    try:
        await upgrade(engine, "0006_call_detail")
        async with engine.connect() as conn:
            assert not DESK & await conn.run_sync(_tables)
        await storage.merchants.create(merchant(A))
        # up through 0007 to the head: the desk rows below are written by today's repositories, which read later
        # revisions' tables too (redaction_policies on each append); the way back to 0006 still passes 0007
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        assert (await storage.merchants.get(A)).name == merchant(A).name
        await storage.desk.create(open_conversation(A, "c1", Channel.ASSISTANT_TEXT, "s1", "es", T0))
        await storage.desk.append(A, "c1", [ShopperMessage(T0, "hola")])
        await storage.desk_staff.put_agent(StaffProfile(A, "ana"))
        assert (await storage.desk.get(A, "c1")).events == 1
        await storage.webhook_deliveries.park(WebhookEvent(A, "evt_1", EventType.HANDOFF, 1.0))
        await downgrade(engine, "0006_call_detail")
        async with engine.connect() as conn:
            tables = await conn.run_sync(_tables)
        assert not DESK & tables and "merchants" in tables
        assert (await storage.merchants.get(A)).name == merchant(A).name
        assert await upgrade(engine) == head_revision()  # and up again: an empty desk
        assert await storage.desk.find(A) == [] and await storage.webhook_deliveries.take_parked(5) == []
    finally:
        await storage.aclose()
