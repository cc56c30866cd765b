"""Orders: checkout prices from the catalog and takes stock all-or-nothing; status, refunds, cancel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest, Conflict, NotFound
from souk.domain.checkout import CartLine, NewOrder
from souk.domain.models import OrderStatus
from souk.storage import Storage, seed_demo
from tests.contract.storage.conftest import A, product


async def test_orders_of_a_customer_newest_first(storage: Storage) -> None:
    await seed_demo(storage)
    orders = await storage.orders.of_customer("lumen", "C-501")
    assert orders and all(o.customer_id == "C-501" for o in orders)
    assert [o.placed_on for o in orders] == sorted((o.placed_on for o in orders), reverse=True)
    assert await storage.orders.of_customer("lumen", "C-000") == []
    shipped = await storage.orders.list("lumen", status=OrderStatus.SHIPPED, limit=3)
    assert 0 < len(shipped) <= 3 and all(o.status is OrderStatus.SHIPPED for o in shipped)
    one = await storage.orders.get("lumen", "1002")
    assert one.carrier == "Aramex" and one.estimated_delivery == (dt.date(2026, 11, 23), dt.date(2026, 11, 26))


async def test_checkout_prices_from_catalog_and_takes_stock(two_shops: Storage) -> None:
    s = two_shops
    await s.catalog.upsert(A, product("SKU-2", stock=3, price="2.50"))
    order = await s.orders.create(A, NewOrder(
        customer_id="C-1", lines=(CartLine("SKU-2", 2), CartLine("SKU-1", 1)), country="us",
        shipping=Decimal("4.90"), currency_paid="EUR", note="gift wrap"), placed_on=dt.date(2026, 11, 20))
    assert order.status is OrderStatus.PENDING and order.country == "US"
    assert [(ln.sku, ln.qty, ln.unit_price) for ln in order.lines] == [
        ("SKU-2", 2, Decimal("2.50")), ("SKU-1", 1, Decimal("10.00"))]
    assert order.subtotal == Decimal("15.00") and order.total == Decimal("19.90")
    assert await s.orders.get(A, order.id) == order
    assert (await s.catalog.get(A, "SKU-2")).stock == 1 and (await s.catalog.get(A, "SKU-1")).stock == 4


async def test_checkout_is_all_or_nothing(two_shops: Storage) -> None:
    s = two_shops
    await s.catalog.upsert(A, product("SKU-2", stock=1))
    with pytest.raises(Conflict) as err:
        await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 2), CartLine("SKU-2", 5)),
                                          country="US"))
    assert err.value.code == "out_of_stock"
    assert err.value.details == {"sku": "SKU-2", "available": 1, "requested": 5}
    assert (await s.catalog.get(A, "SKU-1")).stock == 5  # the first line's units were put back
    with pytest.raises(NotFound) as nf:
        await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("GHOST", 1),), country="US"))
    assert nf.value.code == "product_not_found"
    with pytest.raises(NotFound) as nf:
        await s.orders.create(A, NewOrder(customer_id="C-404", lines=(CartLine("SKU-1", 1),), country="US"))
    assert nf.value.code == "customer_not_found"
    await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 1),), country="US",
                                      order_id="dup"))
    with pytest.raises(Conflict):
        await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 1),), country="US",
                                          order_id="dup"))
    assert (await s.catalog.get(A, "SKU-1")).stock == 4  # the duplicate took nothing
    assert await s.orders.list(A) == [await s.orders.get(A, "dup")]


async def test_status_refund_and_cancel(two_shops: Storage) -> None:
    s = two_shops
    new = NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 3),), country="US", order_id="o1")
    await s.orders.create(A, new)
    assert (await s.catalog.get(A, "SKU-1")).stock == 2
    cancelled = await s.orders.cancel(A, "o1")
    assert cancelled.status is OrderStatus.CANCELLED
    assert (await s.catalog.get(A, "SKU-1")).stock == 5  # units back on the shelf
    with pytest.raises(Conflict) as err:
        await s.orders.cancel(A, "o1")
    assert err.value.code == "not_cancellable"

    await s.orders.create(A, NewOrder(customer_id="C-1", lines=(CartLine("SKU-1", 2),), country="US",
                                      order_id="o2"))
    shipped = await s.orders.update_status(
        A, "o2", OrderStatus.SHIPPED, carrier="DHL", tracking_number="JD0001", shipped_on=dt.date(2026, 11, 21),
        estimated_delivery=(dt.date(2026, 11, 25), dt.date(2026, 11, 28)))
    assert shipped.carrier == "DHL" and shipped.estimated_delivery == (dt.date(2026, 11, 25), dt.date(2026, 11, 28))
    with pytest.raises(Conflict):
        await s.orders.cancel(A, "o2")  # shipped orders cannot be cancelled
    refunded = await s.orders.record_refund(A, "o2", Decimal("5.00"), refund_status="partial")
    assert refunded.refunded == Decimal("5.00") and refunded.refund_status == "partial"
    refunded = await s.orders.record_refund(A, "o2", Decimal("15.00"))
    assert refunded.refunded == Decimal("20.00") and refunded.refund_status == "refunded"
    with pytest.raises(Conflict) as err:
        await s.orders.record_refund(A, "o2", Decimal("0.01"))
    assert err.value.code == "refund_exceeds_total"
    with pytest.raises(BadRequest):
        await s.orders.record_refund(A, "o2", Decimal(-1))
    with pytest.raises(BadRequest):
        await s.orders.update_status(A, "o2", "teleported")  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        await s.orders.update_status(A, "o2", OrderStatus.IN_TRANSIT,
                                     estimated_delivery=(dt.date(2026, 12, 2), dt.date(2026, 12, 1)))


async def test_put_replaces_an_order_without_touching_stock(storage: Storage) -> None:
    await seed_demo(storage)
    from dataclasses import replace

    original = await storage.orders.get("lumen", "1001")
    stock = (await storage.catalog.get("lumen", original.lines[0].sku)).stock
    changed = replace(original, status=OrderStatus.DELIVERED, delivered_on=dt.date(2026, 11, 30),
                      lines=original.lines * 1)
    assert await storage.orders.put("lumen", changed) == changed
    assert (await storage.catalog.get("lumen", original.lines[0].sku)).stock == stock
    with pytest.raises(NotFound):  # lines must name products of this merchant
        await storage.orders.put("lumen", replace(original, id="9999", lines=(
            replace(original.lines[0], sku="NOPE"),)))
    with pytest.raises(NotFound):
        await storage.orders.get("lumen", "9999")  # nothing half-written
