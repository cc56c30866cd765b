"""order.created: an order placed live becomes a webhook event whose id is the order's (retries dedupe)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from souk.core.clock import ManualClock
from souk.desk.order_events import order_webhooks
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
