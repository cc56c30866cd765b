"""Export and erasure of one customer on SQLite and PostgreSQL (souk.privacy.customer_stores over the
database's rows; the files under the data folder are the same on both): every piece exported, after erasure no
row of the merchant names her (JSON and binary columns included: JSONB and bytea on PostgreSQL), her order kept
under the pseudonym with the address text replaced, the other customer's rows untouched, a second erasure a
no-op, and another merchant's identical customer (same id and e-mail) whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from souk.core.settings import Settings
from souk.data import demo_store_json
from souk.privacy.customer_stores import StoreDeps, customer_stores, resolve_ids
from souk.privacy.erase import erase_customer
from souk.privacy.export import export_customer
from souk.privacy.rawscan import text_pattern
from souk.storage import Storage, seed_demo
from souk.storage.repos.customer_data import SqlCustomerDataRepo
from tests.integration.privacy.seed_customer import EMILY, LIAM, M, seed


async def _ids(storage: Storage, stores: Any, customer: str, **kw: Any) -> Any:
    return await resolve_ids(storage, stores, M, customer, phones=[EMILY.phone], **kw)


async def test_export_and_erase_one_customer(storage: Storage, tmp_path: Path) -> None:
    await seed_demo(storage)
    other = dict(demo_store_json())
    other["store"] = {**other["store"], "id": "acme", "name": "Acme"}
    await seed_demo(storage, other)  # another merchant with the same customers (same ids, same e-mails)
    for p in (EMILY, LIAM):
        await seed(storage, tmp_path, p)
    deps = StoreDeps.of(storage, Settings(data_dir=str(tmp_path)))
    stores = customer_stores(deps)
    ids = await _ids(storage, stores, EMILY.email)  # by e-mail
    assert ids.customer_id == EMILY.customer_id and EMILY.order_id in ids.order_ids
    assert ids.conversation_ids == {f"conv-{EMILY.customer_id}"} and ids.rooms == {EMILY.room}

    exported = await export_customer(stores, ids, tmp_path / "out")
    assert exported.ok, exported.manifest
    counts = {k: v.get("records", 0) for k, v in exported.manifest["stores"].items()}
    for name in ("customers", "desk", "calls", "quality", "live_carts", "webhooks", "translation_cache",
                 "recordings", "data_files", "database"):
        assert counts[name] > 0, (name, counts)

    repo = SqlCustomerDataRepo(storage.db, storage.clock)
    pat = text_pattern(ids.needles())
    assert await repo.containing(M, pat)
    result = await erase_customer(stores, ids, storage=storage, data_dir=tmp_path,
                                  recordings_dir=tmp_path / "recordings", redis_url=None, audit=None,
                                  actor="test", role="operator")
    assert result.ok, result.view()
    assert await repo.containing(M, pat) == {}
    order = await storage.orders.get(M, EMILY.order_id)
    assert order.customer_id == result.ids.pseudonym
    rows = await repo.rows(M, "orders", "id", [EMILY.order_id])
    assert rows[0]["shipping_address"]["text"] == "[erased]" and rows[0]["note"] is None
    liam = text_pattern([LIAM.email, LIAM.customer_id])
    assert set(await repo.containing(M, liam)) >= {"customers", "desk_conversations", "call_records",
                                                   "webhook_deliveries", "translation_cache"}
    acme = await storage.customers.get("acme", EMILY.customer_id)
    assert acme.email == EMILY.email

    known = await _ids(storage, stores, EMILY.customer_id, emails=[EMILY.email], names=[EMILY.name],
                       require=False)
    again = await erase_customer(stores, known, storage=storage, data_dir=tmp_path, recordings_dir=tmp_path / "recordings",
                                 redis_url=None, audit=None, actor="test", role="operator")
    assert again.ok and all(e.deleted == 0 and e.anonymised == 0 for e in again.erased.values()), again.view()
