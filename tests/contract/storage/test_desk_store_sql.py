"""What only the desk's SQL stores promise, on SQLite and a real PostgreSQL: the merchant must exist, values
fit their columns on both backends alike, bad limits are refused, a stored event that no longer decodes is a
server error, a restart loses nothing, and every statement carries the merchant (the start-up reads aside)."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from typing import Any

import pytest
from sqlalchemy import event

from souk.core.errors import BadRequest, NotFound, SoukError
from souk.core.settings import Settings
from souk.domain.desk.handoff import HandoffReason
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.timeline import MAX_EVENTS, Handoff, ShopperMessage, Status
from souk.storage import Storage, open_storage
from souk.storage.schema import desk_events
from tests.contract.storage.conftest import A, B, merchant
from tests.contract.storage.test_desk_store import T0, at, convo, lifecycle, profile


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    return storage


async def test_a_conversation_needs_its_merchant(shops: Storage) -> None:
    with pytest.raises(NotFound) as err:  # the foreign key refuses it
        await shops.desk.create(convo("shop-z"))
    assert err.value.code == "reference_missing"


async def test_bad_limits_and_naive_times_are_refused(shops: Storage) -> None:
    await shops.desk.create(convo())
    for bad in (0, 1001):
        with pytest.raises(BadRequest):
            await shops.desk.find(A, limit=bad)
    for bad in (0, MAX_EVENTS + 1):  # a whole timeline may be read at once
        with pytest.raises(BadRequest):
            await shops.desk.events(A, "c1", limit=bad)
    assert await shops.desk.events(A, "c1", limit=MAX_EVENTS) == []
    with pytest.raises(BadRequest):
        await shops.desk.timelines(A, since=T0, limit=0)
    with pytest.raises(BadRequest):
        await shops.desk.timelines(A, since=dt.datetime(2026, 12, 1))


async def test_values_longer_than_their_columns_are_refused_on_every_backend(shops: Storage) -> None:
    with pytest.raises(BadRequest):
        await shops.desk.create(convo(cid="c" * 129))
    with pytest.raises(BadRequest):
        await shops.desk.create(convo(shopper="s" * 129))
    await shops.desk.create(convo())
    with pytest.raises(BadRequest):  # a queue name the row cannot hold: nothing written
        await shops.desk.append(A, "c1", [Handoff(at(1), HandoffReason.VIP, "q" * 201)])
    assert (await shops.desk.get(A, "c1")).events == 0


async def test_an_unreadable_stored_event_is_a_server_error_not_a_bad_request(shops: Storage) -> None:
    await shops.desk.create(convo())
    await shops.desk.append(A, "c1", [ShopperMessage(at(1), "hola")])
    async with shops.db.write() as conn:
        await conn.execute(desk_events.update().where(desk_events.c.merchant_id == A).values(body='{"kind":"x"}'))
    with pytest.raises(SoukError) as err:
        await shops.desk.events(A, "c1")
    assert err.value.code == "desk_event_unreadable" and not isinstance(err.value, BadRequest)


async def test_a_restart_loses_no_conversation_or_message(shops: Storage, storage_url: str, tmp_path: Any) -> None:
    await shops.desk.create(convo())
    events = lifecycle()[:6]
    await shops.desk.append(A, "c1", events)
    again = await open_storage(Settings(data_dir=str(tmp_path)), url=storage_url)
    try:
        assert await again.desk.get(A, "c1") == await shops.desk.get(A, "c1")
        assert await again.desk.events(A, "c1") == list(enumerate(events, start=1))
        assert [c.id for c in await again.desk.unfinished()] == ["c1"]
    finally:
        await again.aclose()


# ------------------------------------------------------------------ every statement carries the merchant

DESK_TABLES = {"desk_conversations", "desk_events", "desk_agents", "desk_settings"}
GLOBAL = {"desk.unfinished", "desk_staff.all_agents", "desk_settings.all_desk_settings"}  # start-up reads
TABLE_RE = re.compile(r"\b(?:FROM|UPDATE|INTO|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)
WHERE_MERCHANT = re.compile(r"\bWHERE\b.*\bmerchant_id (?:=|IN)\s", re.IGNORECASE)


async def _workload(s: Storage, call: Any) -> None:
    await call("desk.create", convo())
    await call("desk.append", A, "c1", lifecycle()[:5])
    await call("desk.get", A, "c1")
    await call("desk.events", A, "c1", after=1)
    await call("desk.find", A, status=Status.ASSIGNED, agent_id="agent-a", shopper="shopper-1")
    await call("desk.timelines", A, since=T0)
    await call("desk.unfinished")
    await call("desk_staff.put_agent", profile(A, "ana"))
    await call("desk_staff.agent", A, "ana")
    await call("desk_staff.agents", A)
    await call("desk_staff.all_agents")
    await call("desk_staff.remove_agent", A, "ana")
    await call("desk_settings.put_desk_settings", A, DeskSettings())
    await call("desk_settings.desk_settings", A)
    await call("desk_settings.all_desk_settings")


async def test_every_desk_statement_filters_by_merchant_but_the_start_up_reads(shops: Storage) -> None:
    statements: list[tuple[str, str]] = []
    current = [""]

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((current[0], " ".join(statement.split())))

    async def call(name: str, *args: Any, **kw: Any) -> Any:
        repo, method = name.split(".")
        current[0] = name
        return await getattr(getattr(shops, repo), method)(*args, **kw)

    called: set[str] = set()

    async def counted(name: str, *args: Any, **kw: Any) -> Any:
        called.add(name)
        return await call(name, *args, **kw)

    event.listen(shops.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await _workload(shops, counted)
    finally:
        event.remove(shops.db.engine.sync_engine, "before_cursor_execute", record)
    public = {f"{repo}.{m}" for repo in ("desk", "desk_staff", "desk_settings")
              for m, _ in inspect.getmembers(getattr(shops, repo), inspect.iscoroutinefunction)
              if not m.startswith("_")}
    assert public == called, "add the new methods to this workload"

    def scoped(sql: str) -> bool:
        if sql.upper().startswith("INSERT"):
            return "merchant_id" in sql.split(")")[0]
        return bool(WHERE_MERCHANT.search(sql))

    touching = [(who, sql) for who, sql in statements if DESK_TABLES & {t.lower() for t in TABLE_RE.findall(sql)}]
    assert len(touching) > 15
    assert [(who, sql) for who, sql in touching if who not in GLOBAL and not scoped(sql)] == []
