"""Tenancy: merchant A never sees or changes merchant B's rows through any repository call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from souk.core.errors import Conflict, NotFound, Unauthenticated
from souk.domain.accounts import UserRole
from souk.domain.calls import CallOutcome
from souk.domain.checkout import CartLine, NewOrder
from souk.domain.models import FaqEntry, OrderStatus
from souk.domain.rooms import RoomKind
from souk.storage import Storage, seed_demo
from tests.contract.storage.conftest import A, B


async def test_catalog_customers_and_orders_are_per_merchant(two_shops: Storage) -> None:
    s = two_shops
    assert (await s.catalog.get(A, "SKU-1")).price == Decimal("10.00")
    assert (await s.catalog.get(B, "SKU-1")).price == Decimal("20.00")
    assert [p.stock for p in await s.catalog.list(A)] == [5]

    await s.catalog.decrement_stock(A, "SKU-1", 5)
    assert (await s.catalog.get(A, "SKU-1")).stock == 0
    assert (await s.catalog.get(B, "SKU-1")).stock == 7  # same sku, other tenant: untouched
    with pytest.raises(Conflict):
        await s.catalog.decrement_stock(A, "SKU-1", 1)

    order_b = await s.orders.create(B, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 2),), country="US",
                                                order_id="O-1"))
    assert order_b.total == Decimal("40.00")
    with pytest.raises(NotFound):
        await s.orders.get(A, "O-1")
    assert await s.orders.of_customer(A, "C-1") == []
    assert await s.orders.list(A) == []
    with pytest.raises(NotFound):
        await s.orders.update_status(A, "O-1", OrderStatus.SHIPPED)
    with pytest.raises(NotFound):
        await s.orders.cancel(A, "O-1")
    with pytest.raises(NotFound):
        await s.orders.record_refund(A, "O-1", Decimal(1))
    assert (await s.orders.get(B, "O-1")).status is OrderStatus.PENDING

    # A's order with the same id is a different order.
    await s.catalog.restock(A, "SKU-1", 1)
    order_a = await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 1),), country="US",
                                                order_id="O-1"))
    assert order_a.total == Decimal("10.00")
    assert [o.total for o in await s.orders.of_customer(B, "C-1")] == [Decimal("40.00")]


async def test_store_info_and_snapshot_are_per_merchant(storage: Storage) -> None:
    await seed_demo(storage)
    from tests.contract.storage.conftest import merchant

    await storage.merchants.create(merchant(B))
    await storage.store_info.set_faq(B, [FaqEntry("size_guide", "B's answer")])
    snap_b = await storage.snapshot(B)
    assert snap_b.products == () and snap_b.orders == () and snap_b.customers == ()
    assert snap_b.faq == (FaqEntry("size_guide", "B's answer"),)
    assert snap_b.shipping == ()
    with pytest.raises(NotFound):
        await storage.store_info.policies(B)
    assert (await storage.snapshot("lumen")).faq_answer("size_guide") != "B's answer"
    assert await storage.customers.find_by_email(B, "emily.johnson@example.com") is None
    assert await storage.customers.find_by_email("lumen", "Emily.Johnson@example.com") is not None


async def test_keys_users_rooms_and_calls_are_per_merchant(two_shops: Storage) -> None:
    s = two_shops
    key_a, rec_a = await s.api_keys.create(A, "ci")
    assert (await s.api_keys.verify(key_a)).merchant_id == A
    assert await s.api_keys.list(B) == []
    with pytest.raises(NotFound):
        await s.api_keys.revoke(B, rec_a.key_id)
    assert (await s.api_keys.verify(key_a)).active  # B's attempt changed nothing

    user = await s.users.create(A, role=UserRole.SELLER, name="Ana", email="ana@a.example", user_id="u1")
    await s.users.create(B, role=UserRole.SELLER, name="Bo", email="ana@a.example", user_id="u1")  # same ids: fine
    assert (await s.users.get(A, "u1")).name == "Ana" and (await s.users.get(B, "u1")).name == "Bo"
    with pytest.raises(NotFound):
        await s.users.update(B, "nobody", name="x")
    assert [u.name for u in await s.users.list(A)] == [user.name]

    room = await s.rooms.create(A, RoomKind.CONSULT, room_id="r1")
    with pytest.raises(NotFound):
        await s.rooms.get(B, room.id)
    with pytest.raises(NotFound):
        await s.rooms.join(B, room.id, "mallory", "member")
    with pytest.raises(NotFound):
        await s.rooms.close(B, room.id)
    with pytest.raises(NotFound):
        await s.rooms.participants(B, room.id)
    assert await s.rooms.list(B) == []
    assert (await s.rooms.get(A, room.id)).is_open

    call = await s.calls.create(A, shopper_identity="shopper", room_id=room.id, call_id="c1")
    with pytest.raises(NotFound):
        await s.calls.get(B, call.id)
    with pytest.raises(NotFound):
        await s.calls.answer(B, call.id, seller_identity="bob")
    with pytest.raises(NotFound):
        await s.calls.finish(B, call.id, CallOutcome.CANCELLED)
    # B cannot point its call at A's room either (the room is checked within B's tenancy).
    with pytest.raises(NotFound):
        await s.calls.create(B, shopper_identity="x", room_id=room.id)
    assert await s.calls.list(B) == []
    assert (await s.calls.get(A, call.id)).ringing


async def test_unknown_or_foreign_api_keys_are_rejected(two_shops: Storage) -> None:
    s = two_shops
    key, rec = await s.api_keys.create(A)
    assert (await s.api_keys.verify(key)).key_id == rec.key_id  # a verified key is remembered...
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for bad in (forged, "sk_nope_secret", "not-a-key", "", f"sk_{rec.key_id}_"):
        with pytest.raises(Unauthenticated):
            await s.api_keys.verify(bad)  # ...but only that exact key passes
    assert (await s.api_keys.verify(key)).key_id == rec.key_id
