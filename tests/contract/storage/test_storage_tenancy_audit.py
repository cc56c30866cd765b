"""Audit: every statement any repository method sends about tenant data is filtered by merchant_id.

The workload below calls every public method of every repository (checked, so a new method must be
added here), while an engine hook records the SQL. The one intended global look-up is an API key by its
key id (the key names its merchant only after it is verified).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from souk.domain.accounts import UserRole
from souk.domain.audit import AuditEvent, AuditQuery
from souk.domain.calls import CallOutcome
from souk.domain.catalog_texts import CatalogText, TextStatus
from souk.domain.checkout import CartLine, NewOrder
from souk.domain.models import FaqEntry, OrderStatus
from souk.domain.rooms import RoomKind
from souk.domain.storefile import read_store
from souk.storage import Storage, seed_demo
from souk.storage.schema import TENANT_TABLES
from tests.contract.storage.conftest import A, customer, merchant, product
from tests.unit.domain.store_samples import small_store

REPOS = ("merchants", "api_keys", "users", "catalog", "customers", "orders", "store_info", "reader", "rooms",
         "calls", "store_files", "translations", "audit", "retention", "merchant_keys")
TABLE_RE = re.compile(r"\b(?:FROM|UPDATE|INTO|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)
GLOBAL_KEY_LOOKUP = re.compile(r"FROM api_keys\s+WHERE api_keys\.key_id = ", re.IGNORECASE)
# the other: which merchants have an audit chain (souk audit verify over every merchant); ids only
GLOBAL_CHAIN_LIST = re.compile(r"^SELECT audit_heads\.merchant_id FROM audit_heads ORDER BY", re.IGNORECASE)
# filtered by the tenant: its merchant_id, or the merchant's own row (its currency, read by checkouts)
WHERE_MERCHANT = re.compile(r"\bWHERE\b.*\b(?:merchant_id (?:=|IN)|merchants\.id =)\s", re.IGNORECASE)


def scoped(sql: str) -> bool:
    """INSERTs name the merchant column; everything else must filter on it in its WHERE clause."""
    if sql.upper().startswith("INSERT"):
        return "merchant_id" in sql.split(")")[0]
    return bool(WHERE_MERCHANT.search(sql))


class Recorder:
    def __init__(self, target: Any, called: set[str], prefix: str) -> None:
        self._target, self._called, self._prefix = target, called, prefix

    def __getattr__(self, name: str) -> Any:
        self._called.add(f"{self._prefix}.{name}")
        return getattr(self._target, name)


async def _workload(s: Storage, r: dict[str, Any]) -> None:
    await r["merchants"].create(merchant(A))
    await r["merchants"].upsert(merchant(A))
    await r["merchants"].get(A)
    await r["merchants"].list()
    key, rec = await r["api_keys"].create(A, "k")
    await r["api_keys"].verify(key)
    await r["api_keys"].get(A, rec.key_id)
    await r["api_keys"].list(A)
    await r["api_keys"].revoke(A, rec.key_id)
    user = await r["users"].create(A, role=UserRole.SELLER, name="S", email="s@x.example")
    await r["users"].get(A, user.id)
    await r["users"].list(A, role=UserRole.SELLER, language="en")
    await r["users"].update(A, user.id, skills=["x"])
    await r["catalog"].upsert(A, product("P1", stock=10))
    await r["catalog"].get(A, "P1")
    await r["catalog"].list(A, category="apparel")
    await r["catalog"].decrement_stock(A, "P1", 1)
    await r["catalog"].restock(A, "P1", 1)
    await r["customers"].upsert(A, customer("C-1"))
    await r["customers"].get(A, "C-1")
    await r["customers"].find_by_email(A, "c-1@example.com")
    await r["customers"].list(A)
    order = await r["orders"].create(A, NewOrder("C-1", (CartLine("P1", 2),), "US"))
    await r["orders"].put(A, order)
    await r["orders"].get(A, order.id)
    await r["orders"].of_customer(A, "C-1")
    await r["orders"].list(A, status=OrderStatus.PENDING)
    await r["orders"].update_status(A, order.id, OrderStatus.PROCESSING)
    await r["orders"].record_refund(A, order.id, Decimal("1.00"))
    await r["orders"].cancel(A, order.id)
    snap = await s.snapshot("lumen")
    await r["store_info"].set_shipping(A, snap.shipping)
    await r["store_info"].shipping(A)
    await r["store_info"].set_policies(A, snap.policies)
    await r["store_info"].policies(A)
    await r["store_info"].set_faq(A, [FaqEntry("t", "a")])
    await r["store_info"].faq(A)
    await r["reader"].snapshot(A)
    await r["store_files"].import_store(A, read_store(small_store(A, "USD")))
    room = await r["rooms"].create(A, RoomKind.CONSULT)
    await r["rooms"].get(A, room.id)
    await r["rooms"].list(A)
    await r["rooms"].update_metadata(A, room.id, {"a": 1})
    await r["rooms"].join(A, room.id, "u1", "host")
    await r["rooms"].participants(A, room.id)
    await r["rooms"].leave(A, room.id, "u1")
    call = await r["calls"].create(A, shopper_identity="shop")
    await r["calls"].get(A, call.id)
    await r["calls"].set_room(A, call.id, room.id)
    await r["calls"].answer(A, call.id, seller_identity="u1")
    await r["calls"].finish(A, call.id, CallOutcome.COMPLETED)
    await r["calls"].list(A, seller_identity="u1")
    await r["calls"].create(A, shopper_identity="shop-2")
    assert [c.shopper_identity for c in await r["calls"].open(A)] == ["shop-2"]
    assert [c.shopper_identity for c in await r["calls"].interrupt_open(A)] == ["shop-2"]
    dead = await r["calls"].create(A, shopper_identity="shop-3")
    assert (await r["calls"].interrupt(A, dead.id)) is not None
    await r["rooms"].close(A, room.id)
    await r["translations"].put_many(A, {"k": "v"})
    await r["translations"].get_many(A, ["k"])
    await r["translations"].prune_cache(A, before=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    await r["translations"].put_texts(A, [CatalogText("P1", "fr", "name", "t", "en", "h", "apertium")])
    await r["translations"].texts(A, lang="fr", status=TextStatus.DRAFT)
    await r["translations"].review(A, "P1", "fr", "name", TextStatus.APPROVED)
    await r["audit"].append(A, AuditEvent("ana", "agent", "conversation.read", "conversation", "c1"))
    await r["audit"].head(A)
    await r["audit"].search(A, AuditQuery(actor="ana", object_kind="conversation", object_id="c1", since_us=0,
                                          until_us=2**62, before_seq=9))
    await r["audit"].page(A, 0)
    await r["audit"].chain_merchants()
    await r["audit"].purge_before(A, 0)
    await r["retention"].set(A, "recordings", 30)
    await r["retention"].own(A)
    await r["retention"].clear(A, "recordings")
    await r["retention"].purge_desk(A, 0.0)
    await r["merchants"].set_data_region(A, "eu")  # residency (migration 0016)
    await r["merchants"].data_region(A)
    await r["merchants"].data_regions()  # the directory: merchant ids and regions only
    await r["merchant_keys"].create_active(A, "k1", "m1", b"w1", retire_current=False)  # encryption at rest
    await r["merchant_keys"].create_active(A, "k2", "m1", b"w2", retire_current=True)
    await r["merchant_keys"].active(A)
    await r["merchant_keys"].get(A, "k1")
    await r["merchant_keys"].list(A)
    await r["merchant_keys"].rewrap(A, "k1", "m1", "m2", b"w3")
    await r["merchant_keys"].destroy(A)


async def test_every_repository_statement_on_tenant_data_filters_by_merchant(storage: Storage) -> None:
    await seed_demo(storage)  # a second tenant whose rows must never show up
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(storage.db.engine.sync_engine, "before_cursor_execute", record)
    called: set[str] = set()
    repos = {name: Recorder(getattr(storage, name), called, name) for name in REPOS}
    try:
        await _workload(storage, repos)
    finally:
        event.remove(storage.db.engine.sync_engine, "before_cursor_execute", record)

    public = {f"{name}.{m}" for name in REPOS for m, _ in inspect.getmembers(getattr(storage, name),
                                                                           inspect.iscoroutinefunction)
              if not m.startswith("_")}
    assert public - called == set(), "add the new repository methods to this workload"

    tenant = {t.name for t in TENANT_TABLES}
    unscoped = [sql for sql in statements
                if tenant & {m.lower() for m in TABLE_RE.findall(sql)}
                and not scoped(sql) and not GLOBAL_KEY_LOOKUP.search(sql) and not GLOBAL_CHAIN_LIST.search(sql)]
    assert len(statements) > 80
    assert unscoped == []


def test_every_tenant_table_has_a_merchant_column() -> None:
    for table in TENANT_TABLES:
        assert "merchant_id" in table.c, table.name
        assert not table.c.merchant_id.nullable
    from souk.storage.schema import metadata

    assert set(metadata.tables) - {t.name for t in TENANT_TABLES} == {"merchants"}
    assert isinstance(metadata.tables["merchants"].c.id.type, sa.String)
