"""Actions on orders (storage.order_actions), on SQLite and a real PostgreSQL: each write with its audit row, the
snapshot sees it, refusals when the order's state no longer allows it, one effect per idempotency key, 50
concurrent cancels cancel once, and nothing crosses merchants."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest, Conflict
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.order_actions import ActionKind, ActionRequest, RmaDraft
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, customer, merchant, product

DAY = dt.date(2026, 11, 20)


def order(oid: str, status: OrderStatus, *, cid: str = "C-1", country: str = "US") -> Order:
    shipped = status not in (OrderStatus.PROCESSING, OrderStatus.PENDING, OrderStatus.CANCELLED)
    return Order(id=oid, customer_id=cid, placed_on=DAY, status=status, shipping_method="standard", country=country,
                 lines=(OrderLine("SKU-1", 2, Decimal("10.00")),), subtotal=Decimal("20.00"),
                 shipping=Decimal("0.00"), total=Decimal("20.00"), currency_paid="USD",
                 shipped_on=DAY if shipped else None, carrier="UPS" if shipped else None,
                 tracking_number="1Z999" if shipped else None,
                 delivered_on=DAY if status is OrderStatus.DELIVERED else None)


@pytest.fixture
async def shop(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
        await storage.catalog.upsert(mid, product("SKU-1", stock=5))
        await storage.customers.upsert(mid, customer("C-1"))
        await storage.customers.upsert(mid, customer("C-2"))
        await storage.orders.put(mid, order("O-1", OrderStatus.PROCESSING))
        await storage.orders.put(mid, order("O-2", OrderStatus.SHIPPED))
        await storage.orders.put(mid, order("O-3", OrderStatus.DELIVERED))
    return storage


def req(kind: ActionKind, oid: str = "O-1", key: str = "k1", cid: str | None = "C-1") -> ActionRequest:
    return ActionRequest(kind=kind, order_id=oid, idempotency_key=key, actor=cid or "staff-1", channel="text",
                         conversation_id="conv-1", customer_id=cid, details={"quote": {"order_id": oid}})


async def test_cancel_writes_once_restocks_and_is_audited(shop: Storage) -> None:
    rec = await shop.order_actions.cancel(A, req(ActionKind.CANCEL))
    assert rec.done and not rec.replayed and rec.kind == "cancel" and rec.actor == "C-1"
    assert rec.conversation_id == "conv-1" and rec.channel == "text" and rec.details["quote"] == {"order_id": "O-1"}
    assert (await shop.orders.get(A, "O-1")).status is OrderStatus.CANCELLED
    assert (await shop.catalog.get(A, "SKU-1")).stock == 7
    again = await shop.order_actions.cancel(A, req(ActionKind.CANCEL))  # a retry with the same key
    assert again.replayed and again.id == rec.id and again.done
    assert (await shop.catalog.get(A, "SKU-1")).stock == 7
    other = await shop.order_actions.cancel(A, req(ActionKind.CANCEL, key="k2"))  # a new request: refused
    assert other.status == "refused" and other.refusal == "already_cancelled"
    audit = await shop.order_actions.of_order(A, "O-1")
    assert [(a.status, a.refusal) for a in audit] == [("done", None), ("refused", "already_cancelled")]
    snap = await shop.snapshot(A)
    assert snap.order("O-1").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    # merchant B's order with the same id is untouched, and its audit is empty
    assert (await shop.orders.get(B, "O-1")).status is OrderStatus.PROCESSING
    assert await shop.order_actions.of_order(B, "O-1") == []
    assert await shop.order_actions.by_key(B, "k1") is None


async def test_cancel_refusals(shop: Storage) -> None:
    shipped = await shop.order_actions.cancel(A, req(ActionKind.CANCEL, "O-2"))
    assert (shipped.status, shipped.refusal) == ("refused", "already_shipped")
    theirs = await shop.order_actions.cancel(A, req(ActionKind.CANCEL, "O-1", key="k9", cid="C-2"))
    assert theirs.refusal == "not_your_order"
    missing = await shop.order_actions.cancel(A, req(ActionKind.CANCEL, "O-404", key="k10"))
    assert missing.refusal == "not_your_order"
    assert (await shop.orders.get(A, "O-1")).status is OrderStatus.PROCESSING
    staff = await shop.order_actions.cancel(A, req(ActionKind.CANCEL, "O-1", key="k11", cid=None))
    assert staff.done and staff.actor == "staff-1"


async def test_fifty_concurrent_cancels_cancel_once(shop: Storage) -> None:
    results = await asyncio.gather(*(shop.order_actions.cancel(A, req(ActionKind.CANCEL, key=f"c{i}"))
                                     for i in range(50)))
    assert sum(r.done for r in results) == 1
    assert {r.refusal for r in results if not r.done} == {"already_cancelled"}
    assert (await shop.catalog.get(A, "SKU-1")).stock == 7  # put back once
    assert len(await shop.order_actions.of_order(A, "O-1")) == 50


async def test_fifty_concurrent_requests_with_one_key_are_one_effect(shop: Storage) -> None:
    results = await asyncio.gather(*(shop.order_actions.cancel(A, req(ActionKind.CANCEL, key="same"))
                                     for _ in range(50)))
    assert len({r.id for r in results}) == 1 and all(r.done for r in results)
    assert sum(not r.replayed for r in results) == 1
    assert (await shop.catalog.get(A, "SKU-1")).stock == 7
    assert len(await shop.order_actions.of_order(A, "O-1")) == 1


async def test_a_key_cannot_be_reused_for_another_action(shop: Storage) -> None:
    await shop.order_actions.cancel(A, req(ActionKind.CANCEL, key="k"))
    with pytest.raises(Conflict) as err:
        await shop.order_actions.resend_tracking(A, req(ActionKind.RESEND_TRACKING, "O-2", key="k"))
    assert err.value.code == "idempotency_key_reused"


async def test_address_change_before_dispatch_in_the_same_country(shop: Storage) -> None:
    rec = await shop.order_actions.change_address(A, req(ActionKind.CHANGE_ADDRESS), text=" 12 Main St, Springfield ",
                                                  country="us")
    assert rec.done and rec.details["address"] == {"text": "12 Main St, Springfield", "country": "US"}
    snap = await shop.snapshot(A)
    assert snap.order("O-1").shipping_address == {"text": "12 Main St, Springfield", "country": "US"}  # type: ignore[union-attr]
    assert (await shop.snapshot(B)).order("O-1").shipping_address is None  # type: ignore[union-attr]
    moved = await shop.order_actions.change_address(A, req(ActionKind.CHANGE_ADDRESS, key="k2"),
                                                    text="1 Rue de Rivoli, Paris", country="FR")
    assert moved.refusal == "country_change"
    late = await shop.order_actions.change_address(A, req(ActionKind.CHANGE_ADDRESS, "O-2", key="k3"),
                                                   text="12 Main St", country="US")
    assert late.refusal == "already_shipped"
    with pytest.raises(BadRequest):
        await shop.order_actions.change_address(A, req(ActionKind.CHANGE_ADDRESS, key="k4"), text=" ", country="US")


async def test_return_creates_one_rma_with_a_label(shop: Storage) -> None:
    draft = RmaDraft(lines=({"sku": "SKU-1", "qty": 2},), refund_amount=Decimal("18.00"), fee=Decimal("2.00"),
                     label=True)
    rec = await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-3"), draft)
    assert rec.done and rec.details["rma_id"].startswith("RMA-") and rec.details["label_ref"].startswith("LBL-")
    [rma] = await shop.order_actions.returns_of(A, "O-3")
    assert (rma.id, rma.kind, rma.refund_amount, rma.fee, rma.status) == (
        rec.details["rma_id"], "return", Decimal("18.00"), Decimal("2.00"), "requested")
    snap = await shop.snapshot(A)
    assert [r.id for r in snap.returns_of("O-3")] == [rma.id]
    assert (await shop.snapshot(B)).returns == ()
    twice = await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-3", key="k2"), draft)
    assert twice.refusal == "already_returned"
    same_key = await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-3"), draft)
    assert same_key.replayed and same_key.details["rma_id"] == rma.id
    assert len(await shop.order_actions.returns_of(A, "O-3")) == 1
    early = await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-1", key="k3"), draft)
    assert early.refusal == "not_shipped_yet"
    on_way = await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-2", key="k4"), draft)
    assert on_way.refusal == "not_delivered"


async def test_exchange_is_an_rma_without_refund(shop: Storage) -> None:
    draft = RmaDraft(lines=({"sku": "SKU-1", "qty": 1, "attribute": "sizes", "to": "M"},))
    rec = await shop.order_actions.start_return(A, req(ActionKind.EXCHANGE, "O-3"), draft)
    assert rec.done and rec.kind == "exchange" and rec.details["label_ref"] is None
    [rma] = await shop.order_actions.returns_of(A, "O-3")
    assert rma.kind == "exchange" and rma.lines[0]["to"] == "M" and rma.refund_amount == 0
    with pytest.raises(BadRequest):
        await shop.order_actions.start_return(A, req(ActionKind.CANCEL, "O-3", key="x"), draft)
    with pytest.raises(BadRequest):
        await shop.order_actions.start_return(A, req(ActionKind.RETURN, "O-3", key="y"), RmaDraft(lines=()))


async def test_resend_tracking_only_for_shipped_orders(shop: Storage) -> None:
    rec = await shop.order_actions.resend_tracking(A, req(ActionKind.RESEND_TRACKING, "O-2"))
    assert rec.done and rec.details["tracking_number"] == "1Z999" and rec.details["carrier"] == "UPS"
    early = await shop.order_actions.resend_tracking(A, req(ActionKind.RESEND_TRACKING, "O-1", key="k2"))
    assert early.refusal == "not_shipped_yet"
