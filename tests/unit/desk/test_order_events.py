"""order.created: an order placed live becomes a webhook event whose id is the order's (retries dedupe)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

from souk.core.clock import ManualClock
from souk.desk.order_events import order_price_webhooks, order_webhooks
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.models import Order, OrderLine, OrderStatus


class Sink:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []

    async def enqueue(self, event: WebhookEvent) -> None:
        self.events.append(event)


def _order(oid: str) -> Order:
    return Order(oid, "C-1", dt.date(2026, 12, 6), OrderStatus.PROCESSING, "standard", "MX",
                 (OrderLine("HOT", 2, Decimal("30.00")),), Decimal("60.00"), Decimal("0.00"), Decimal("60.00"), "USD")


async def test_an_order_is_one_event_with_its_lines_and_the_same_id_on_a_retry() -> None:
    sink = Sink()
    created = order_webhooks(sink, ManualClock())
    await created("m1", _order("o-1"), "live-demo")
    await created("m1", _order("o-1"), "live-demo")  # an idempotent retry of the same purchase
    first, again = sink.events
    assert first.type is EventType.ORDER_CREATED and first.merchant_id == "m1"
    assert first.id == again.id == "evt_order_o-1"
    body = json.loads(first.body())
    assert body["data"]["order"]["lines"] == [{"sku": "HOT", "qty": 2, "unit_price": "30.00"}]
    assert body["data"]["order"]["total"] == "60.00" and body["data"]["room_id"] == "live-demo"


async def test_a_group_buy_repricing_is_order_updated_once_per_price() -> None:
    sink = Sink()
    repriced = order_price_webhooks(sink, ManualClock())
    cheaper = dataclasses.replace(_order("o-1"), lines=(OrderLine("HOT", 2, Decimal("25.00")),),
                                  subtotal=Decimal("50.00"), total=Decimal("50.00"))
    await repriced("m1", cheaper, "voice-1")
    await repriced("m1", cheaper, "voice-1")  # the same price told twice: one event id
    first, again = sink.events
    assert first.type is EventType.ORDER_UPDATED and first.id == again.id == "evt_order_o-1_50.00"
    body = json.loads(first.body())
    assert body["data"]["change"] == "price" and body["data"]["order"]["total"] == "50.00"
    assert body["data"]["order"]["lines"] == [{"sku": "HOT", "qty": 2, "unit_price": "25.00"}]

