"""Merchants, API keys (create / verify / revoke) and users."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, NotFound, Unauthenticated
from souk.core.settings import Settings
from souk.domain.accounts import UserRole
from souk.domain.models import Merchant
from souk.storage import Storage, open_storage
from tests.contract.storage.conftest import A, merchant


async def test_merchant_create_get_upsert_list(storage: Storage) -> None:
    created = await storage.merchants.create(merchant(A))
    assert created == merchant(A)
    with pytest.raises(Conflict) as err:
        await storage.merchants.create(merchant(A))
    assert err.value.code == "merchant_exists"
    renamed = await storage.merchants.upsert(_renamed(A, "New name"))
    assert renamed.name == "New name"
    assert [m.id for m in await storage.merchants.list()] == [A]
    with pytest.raises(NotFound):
        await storage.merchants.get("nope")
    with pytest.raises(BadRequest):
        await storage.merchants.create(_renamed("x", ""))


def _renamed(mid: str, name: str) -> Merchant:
    return replace(merchant(mid), name=name)


async def test_api_key_lifecycle(storage: Storage, storage_clock: ManualClock) -> None:
    await storage.merchants.create(merchant(A))
    key, rec = await storage.api_keys.create(A, "dashboard")
    assert key.startswith(f"sk_{rec.key_id}_") and rec.active and rec.label == "dashboard"
    assert (await storage.api_keys.verify(key)).key_id == rec.key_id
    await storage_clock.advance(5)
    key2, rec2 = await storage.api_keys.create(A, "ci")
    assert [k.key_id for k in await storage.api_keys.list(A)] == [rec.key_id, rec2.key_id]

    revoked = await storage.api_keys.revoke(A, rec.key_id)
    assert not revoked.active and revoked.revoked_at is not None
    with pytest.raises(Unauthenticated):
        await storage.api_keys.verify(key)
    again = await storage.api_keys.revoke(A, rec.key_id)  # idempotent: keeps the first revocation time
    assert again.revoked_at == revoked.revoked_at
    assert (await storage.api_keys.verify(key2)).key_id == rec2.key_id  # others unaffected
    with pytest.raises(NotFound):
        await storage.api_keys.revoke(A, "000000000000")
    with pytest.raises(NotFound):
        await storage.api_keys.create("no-such-merchant")


async def test_revocation_on_one_node_is_immediate_on_another(storage: Storage, storage_url: str,
                                                              tmp_path: Path) -> None:
    await storage.merchants.create(merchant(A))
    key, rec = await storage.api_keys.create(A)
    other = await open_storage(Settings(data_dir=str(tmp_path)), url=storage_url)  # a second process/node
    try:
        assert (await other.api_keys.verify(key)).key_id == rec.key_id
        assert (await other.api_keys.verify(key)).key_id == rec.key_id  # remembered: no second scrypt
        await storage.api_keys.revoke(A, rec.key_id)
        with pytest.raises(Unauthenticated):
            await other.api_keys.verify(key)
    finally:
        await other.aclose()


async def test_users_create_filter_update(storage: Storage) -> None:
    await storage.merchants.create(merchant(A))
    ana = await storage.users.create(A, role=UserRole.SELLER, name="Ana", email="Ana@Shop.example",
                                     languages=["en", "es"], skills=["apparel"])
    assert ana.email == "ana@shop.example" and ana.languages == ("en", "es") and ana.role.is_staff
    await storage.users.create(A, role=UserRole.AGENT, name="Wei", languages=["zh", "en"])
    await storage.users.create(A, role=UserRole.SHOPPER, name="Sam", languages=["id"])
    assert {u.name for u in await storage.users.list(A, role=UserRole.SELLER)} == {"Ana"}
    assert {u.name for u in await storage.users.list(A, language="en")} == {"Ana", "Wei"}
    assert {u.name for u in await storage.users.list(A, language="zh")} == {"Wei"}
    with pytest.raises(Conflict):  # e-mail unique within a merchant
        await storage.users.create(A, role=UserRole.AGENT, name="Ana 2", email="ana@shop.example")

    updated = await storage.users.update(A, ana.id, skills=["apparel", "beauty"], active=False)
    assert updated.skills == ("apparel", "beauty") and not updated.active
    assert {u.name for u in await storage.users.list(A, role=UserRole.SELLER)} == set()
    assert {u.name for u in await storage.users.list(A, role=UserRole.SELLER, active_only=False)} == {"Ana"}
    with pytest.raises(BadRequest):
        await storage.users.create(A, role="wizard", name="x")  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        await storage.users.create(A, role=UserRole.AGENT, name="x", languages="en")
    with pytest.raises(NotFound):
        await storage.users.get(A, "ghost")
