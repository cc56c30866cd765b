"""Merchant webhook types. They are pure data and live in ``souk.domain.desk.webhooks`` (storage builds them
from its rows and imports only the domain); this module keeps the older import path working."""

from __future__ import annotations

from souk.domain.desk.webhooks import (
    LOCAL_HOSTS,
    RESPONSE_KEEP_CHARS,
    SUBSCRIBABLE,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EventType,
    InvalidEndpoint,
    WebhookEvent,
    split_url,
    truncate,
    validate_url,
)

__all__ = [
    "LOCAL_HOSTS", "RESPONSE_KEEP_CHARS", "SUBSCRIBABLE", "Attempt", "Delivery", "DeliveryStatus", "Endpoint",
    "EventType", "InvalidEndpoint", "WebhookEvent", "split_url", "truncate", "validate_url",
]
