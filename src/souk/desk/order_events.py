"""The merchant's ``order.created`` webhook: an order placed in a live room (cart checkout or flash sale)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from souk.core.clock import Clock
from souk.desk.core import WebhookSink
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.models import Order


def order_data(order: Order, room_id: str) -> dict[str, Any]:
    return {
        "order": {"id": order.id, "customer_id": order.customer_id, "status": order.status.value,
                  "placed_on": order.placed_on.isoformat(), "country": order.country,
                  "lines": [{"sku": ln.sku, "qty": ln.qty, "unit_price": str(ln.unit_price)} for ln in order.lines],
                  "subtotal": str(order.subtotal), "shipping": str(order.shipping), "total": str(order.total),
                  "currency": order.currency_paid},
        "room_id": room_id,
    }


def order_webhooks(sink: WebhookSink, clock: Clock) -> Callable[[str, Order, str], Awaitable[None]]:
    """An order listener for ``LiveCommerce.order_listeners``. The event id comes from the order id, so an
    idempotent retry of the same purchase is the same event (receivers drop ids they have seen)."""

    async def created(merchant_id: str, order: Order, room_id: str) -> None:
        await sink.enqueue(WebhookEvent(merchant_id, f"evt_order_{order.id}", EventType.ORDER_CREATED,
                                        clock.wall(), order_data(order, room_id)))

    return created


def order_price_webhooks(sink: WebhookSink, clock: Clock) -> Callable[[str, Order, str], Awaitable[None]]:
    """``order.updated`` (``"change": "price"``) for a pending order of a room whose price moved: a group buy's
    tier unlocked and every pending order of the offer now costs the new price (souk.live.group_buy). The
    event id carries the new total, so each price an order takes is one event."""

    async def repriced(merchant_id: str, order: Order, room_id: str) -> None:
        await sink.enqueue(WebhookEvent(merchant_id, f"evt_order_{order.id}_{order.total}", EventType.ORDER_UPDATED,
                                        clock.wall(), {**order_data(order, room_id), "change": "price"}))

    return repriced
