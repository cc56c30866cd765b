"""Ports the dispatcher needs: where endpoints come from and where deliveries are logged; in-memory versions.

The SQL backends implement the same Protocols; every key is (merchant_id, id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from souk.desk.webhooks import Attempt, Delivery, DeliveryStatus, Endpoint, EventType, WebhookEvent


class EndpointSource(Protocol):
    async def get(self, merchant_id: str, endpoint_id: str) -> Endpoint | None: ...

    async def subscribed(self, merchant_id: str, event_type: EventType) -> Sequence[Endpoint]: ...


class EndpointStore(EndpointSource, Protocol):
    """What the webhook API manages: one merchant's endpoints (SQL: ``storage.webhook_endpoints``)."""

    async def put(self, endpoint: Endpoint) -> None:
        """Insert the endpoint, or replace the one with the same (merchant_id, id)."""

    async def remove(self, merchant_id: str, endpoint_id: str) -> bool:
        """Remove it; False when the merchant has no such endpoint (its delivery log stays)."""

    async def list(self, merchant_id: str) -> list[Endpoint]:
        """The merchant's endpoints, oldest first."""


class DeliveryStore(Protocol):
    async def park(self, event: WebhookEvent) -> None:
        """Keep an event the dispatcher's queue had no room for; fanned out later, never dropped."""

    async def take_parked(self, limit: int) -> list[WebhookEvent]:
        """Remove and return up to ``limit`` parked events, oldest first."""

    async def add(self, delivery: Delivery) -> None: ...

    async def save(self, delivery: Delivery) -> None:
        """Replace the delivery with the same (merchant_id, id)."""

    async def record_attempt(self, attempt: Attempt) -> None: ...

    async def get(self, merchant_id: str, delivery_id: str) -> Delivery | None: ...

    async def attempts(self, merchant_id: str, delivery_id: str) -> list[Attempt]: ...

    async def due(self, now: float, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is at or before ``now``, earliest first."""

    async def next_due_at(self) -> float | None:
        """The earliest next attempt of any pending delivery."""

    async def list(self, merchant_id: str, *, endpoint_id: str | None = None,
                   limit: int = 50) -> list[Delivery]:
        """One merchant's deliveries, newest first (the delivery log)."""


class MemoryEndpoints:
    def __init__(self, endpoints: Sequence[Endpoint] = ()) -> None:
        self._by_key: dict[tuple[str, str], Endpoint] = {}
        for e in endpoints:
            self._by_key[(e.merchant_id, e.id)] = e

    async def put(self, endpoint: Endpoint) -> None:
        self._by_key[(endpoint.merchant_id, endpoint.id)] = endpoint

    async def remove(self, merchant_id: str, endpoint_id: str) -> bool:
        return self._by_key.pop((merchant_id, endpoint_id), None) is not None

    async def get(self, merchant_id: str, endpoint_id: str) -> Endpoint | None:
        return self._by_key.get((merchant_id, endpoint_id))

    async def subscribed(self, merchant_id: str, event_type: EventType) -> Sequence[Endpoint]:
        return [e for (m, _), e in self._by_key.items() if m == merchant_id and e.wants(event_type)]

    async def list(self, merchant_id: str) -> list[Endpoint]:
        return [e for (m, _), e in self._by_key.items() if m == merchant_id]  # dicts keep insertion order


class MemoryDeliveryStore:
    def __init__(self) -> None:
        self._parked: list[WebhookEvent] = []
        self._deliveries: dict[tuple[str, str], Delivery] = {}
        self._attempts: dict[tuple[str, str], list[Attempt]] = {}

    async def park(self, event: WebhookEvent) -> None:
        self._parked.append(event)

    async def take_parked(self, limit: int) -> list[WebhookEvent]:
        out, self._parked = self._parked[:limit], self._parked[limit:]
        return out

    async def add(self, delivery: Delivery) -> None:
        key = (delivery.merchant_id, delivery.id)
        if key in self._deliveries:
            raise KeyError(f"delivery {delivery.id} exists")
        self._deliveries[key] = delivery

    async def save(self, delivery: Delivery) -> None:
        self._deliveries[(delivery.merchant_id, delivery.id)] = delivery

    async def record_attempt(self, attempt: Attempt) -> None:
        self._attempts.setdefault((attempt.merchant_id, attempt.delivery_id), []).append(attempt)

    async def get(self, merchant_id: str, delivery_id: str) -> Delivery | None:
        return self._deliveries.get((merchant_id, delivery_id))

    async def attempts(self, merchant_id: str, delivery_id: str) -> list[Attempt]:
        return list(self._attempts.get((merchant_id, delivery_id), []))

    def _pending(self) -> list[Delivery]:
        return [d for d in self._deliveries.values() if d.status is DeliveryStatus.PENDING]

    async def due(self, now: float, limit: int) -> list[Delivery]:
        ready = sorted((d for d in self._pending() if d.next_attempt_at <= now), key=lambda d: d.next_attempt_at)
        return ready[:limit]

    async def next_due_at(self) -> float | None:
        return min((d.next_attempt_at for d in self._pending()), default=None)

    async def list(self, merchant_id: str, *, endpoint_id: str | None = None,
                   limit: int = 50) -> list[Delivery]:
        mine = [d for d in self._deliveries.values() if d.merchant_id == merchant_id
                and (endpoint_id is None or d.endpoint_id == endpoint_id)]
        return sorted(mine, key=lambda d: d.created_at, reverse=True)[:limit]
