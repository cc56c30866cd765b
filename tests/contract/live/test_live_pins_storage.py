"""Pins in storage, on SQLite and PostgreSQL: ordered, bounded, idempotent, per merchant and room, shared by
every Storage on the database (two nodes) and kept across a restart (a new Storage on the same database)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from sqlalchemy import event

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, TooLarge
from souk.core.settings import Settings
from souk.domain.pins import MAX_PINS_PER_ROOM, pin_to, unpin_from
from souk.storage import Storage, open_storage
from souk.storage.repos.pins import SqlPinRepo
from tests.contract.storage.conftest import A, B, merchant
from tests.contract.storage.test_storage_tenancy_audit import scoped

ROOM = "live-1"


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    return storage


async def test_pins_are_ordered_idempotent_bounded_and_per_merchant_and_room(shops: Storage) -> None:
    pins = shops.pins
    assert await pins.pinned(A, ROOM) == ()
    assert await pins.update(A, ROOM, pin_to("X")) == ((), ("X",))
    assert await pins.update(A, ROOM, pin_to("Y")) == (("X",), ("X", "Y"))
    assert await pins.update(A, ROOM, pin_to("X")) == (("X", "Y"), ("X", "Y"))  # pinned twice: no change
    assert await pins.pinned(A, ROOM) == ("X", "Y")
    assert await pins.pinned(B, ROOM) == () and await pins.pinned(A, "live-2") == ()
    await pins.update(B, ROOM, pin_to("X"))
    for i in range(MAX_PINS_PER_ROOM - 2):
        await pins.update(A, ROOM, pin_to(f"P{i}"))
    with pytest.raises(TooLarge) as exc:
        await pins.update(A, ROOM, pin_to("ONE-TOO-MANY"))
    assert exc.value.code == "too_many_pins"
    assert len(await pins.pinned(A, ROOM)) == MAX_PINS_PER_ROOM  # the refusal wrote nothing
    assert (await pins.update(A, ROOM, unpin_from("X")))[1][0] == "Y"
    assert await pins.update(A, ROOM, unpin_from("X")) == ((await pins.pinned(A, ROOM)),) * 2  # no-op
    with pytest.raises(BadRequest):
        pin_to("")
    with pytest.raises(BadRequest):
        await pins.update(A, "", pin_to("X"))
    await pins.clear(A, ROOM)
    assert await pins.pinned(A, ROOM) == () and await pins.pinned(B, ROOM) == ("X",)
    for sku in ("Q", "R"):  # unpinning the last pin deletes the row; pinning again starts a new one
        await pins.update(A, ROOM, pin_to(sku))
        await pins.update(A, ROOM, unpin_from(sku))
    assert await pins.pinned(A, ROOM) == ()


async def test_pins_survive_a_restart_and_are_shared_by_two_nodes(shops: Storage, storage_url: str,
                                                                  tmp_path: Any) -> None:
    await shops.pins.update(A, ROOM, pin_to("X"))
    settings = Settings(data_dir=str(tmp_path / "node-b"))
    other = await open_storage(settings, url=storage_url, clock=ManualClock())  # node B / Souk after a restart
    try:
        assert await other.pins.pinned(A, ROOM) == ("X",)
        await other.pins.update(A, ROOM, pin_to("Y"))
        assert await shops.pins.pinned(A, ROOM) == ("X", "Y")
        # Both nodes pin at once, many times: no pin lost, never past the limit.
        results = await asyncio.gather(*(
            (shops if i % 2 else other).pins.update(A, ROOM, pin_to(f"S{i}")) for i in range(MAX_PINS_PER_ROOM - 2)))
        assert len(results) == MAX_PINS_PER_ROOM - 2
        final = await shops.pins.pinned(A, ROOM)
        assert final[:2] == ("X", "Y") and sorted(final[2:]) == sorted(f"S{i}" for i in range(MAX_PINS_PER_ROOM - 2))
        with pytest.raises(TooLarge):
            await other.pins.update(A, ROOM, pin_to("Z"))
    finally:
        await other.aclose()


async def test_two_nodes_pinning_in_a_new_room_at_once_keep_both_pins(shops: Storage, storage_url: str,
                                                                       tmp_path: Any) -> None:
    other = await open_storage(Settings(data_dir=str(tmp_path / "b")), url=storage_url, clock=ManualClock())
    try:
        for round_ in range(5):
            room = f"fresh-{round_}"
            await asyncio.gather(shops.pins.update(A, room, pin_to("L")), other.pins.update(A, room, pin_to("R")))
            assert sorted(await shops.pins.pinned(A, room)) == ["L", "R"]
    finally:
        await other.aclose()


async def test_the_longest_idle_rooms_pins_go_when_a_merchant_passes_max_rooms(shops: Storage,
                                                                                 storage_clock: ManualClock) -> None:
    repo = SqlPinRepo(shops.db, storage_clock, max_rooms=2)
    await repo.update(A, "r1", pin_to("X"))
    await storage_clock.advance(1)
    await repo.update(A, "r2", pin_to("X"))
    await storage_clock.advance(1)
    await repo.update(A, "r1", pin_to("Y"))  # r1 is now the most recent
    await storage_clock.advance(1)
    await repo.update(B, "r9", pin_to("X"))  # another merchant's rooms do not count
    await repo.update(A, "r3", pin_to("X"))
    assert await repo.pinned(A, "r2") == ()
    assert await repo.pinned(A, "r1") == ("X", "Y") and await repo.pinned(A, "r3") == ("X",)
    assert await repo.pinned(B, "r9") == ("X",)


async def test_every_pin_statement_filters_by_merchant(shops: Storage) -> None:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(shops.db.engine.sync_engine, "before_cursor_execute", record)
    repo = shops.pins
    try:
        await repo.update(A, ROOM, pin_to("X"))
        await repo.pinned(A, ROOM)
        await repo.update(A, ROOM, unpin_from("X"))
        await repo.update(A, ROOM, pin_to("X"))
        await repo.clear(A, ROOM)
    finally:
        event.remove(shops.db.engine.sync_engine, "before_cursor_execute", record)
    public = {m for m, _ in inspect.getmembers(repo, inspect.iscoroutinefunction) if not m.startswith("_")}
    assert public == {"pinned", "update", "clear"}, "add the new methods to this audit"
    data = [s for s in statements if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE")]
    assert len(data) >= 8 and [s for s in data if not scoped(s)] == []
