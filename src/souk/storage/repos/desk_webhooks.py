"""Merchant webhooks in the database: endpoints, deliveries and their attempts, parked events.

``SqlWebhookEndpointRepo`` is the dispatcher's EndpointSource plus what the API needs (list, put, remove);
``SqlWebhookDeliveryRepo`` is its DeliveryStore (``souk.desk.webhook_store``). A delivery keeps the exact bytes
that are signed and sent, so every retry sends the same body, also after a restart. The dispatcher's global
reads (``due``, ``next_due_at``, ``take_parked``) span every merchant by design; all else is per merchant.
Several nodes may run a dispatcher on one database: ``take_parked`` and ``due`` hand each row to one of them
(``FOR UPDATE SKIP LOCKED``; ``due`` also leases what it returns).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from souk.core.clock import Clock
from souk.core.errors import Conflict, NotFound, SoukError, TooLarge
from souk.core.secrets_filter import register_secret
from souk.domain.desk.webhooks import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EventType,
    WebhookEvent,
)
from souk.storage.db import Database
from souk.storage.repos.base import Repo, check_limit, require_text, upsert
from souk.storage.schema import webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_parked

MAX_ENDPOINTS = 50  # per merchant
LEASE_S = 300.0  # a claimed delivery is due again after this long if its attempt's outcome was never saved
E, D, A, P = webhook_endpoints, webhook_deliveries, webhook_attempts, webhook_parked


def _endpoint(row: Any) -> Endpoint:
    register_secret(row.secret)  # masked in every log line from now on (souk.core.secrets_filter)
    return Endpoint(row.merchant_id, row.id, row.url, frozenset(EventType(e) for e in row.events), row.secret,
                    row.active)


class SqlWebhookEndpointRepo(Repo):
    """EndpointSource, and the endpoints' administration for the API."""

    def __init__(self, db: Database, clock: Clock, *, max_endpoints: int = MAX_ENDPOINTS) -> None:
        super().__init__(db, clock)
        self._max = max_endpoints

    async def get(self, merchant_id: str, endpoint_id: str) -> Endpoint | None:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(E).where(E.c.merchant_id == merchant_id,
                                                         E.c.id == endpoint_id))).first()
        return None if row is None else _endpoint(row)

    async def subscribed(self, merchant_id: str, event_type: EventType) -> Sequence[Endpoint]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(E).where(E.c.merchant_id == merchant_id, E.c.active.is_(True))
                                       .order_by(E.c.created_at, E.c.id))).all()
        return [e for e in map(_endpoint, rows) if e.wants(event_type)]

    async def list(self, merchant_id: str) -> list[Endpoint]:
        """The merchant's endpoints, oldest first."""
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(E).where(E.c.merchant_id == merchant_id)
                                       .order_by(E.c.created_at, E.c.id))).all()
        return [_endpoint(r) for r in rows]

    async def put(self, endpoint: Endpoint) -> None:
        """Create or replace (same merchant and id). 413 ``too_many_webhooks`` past the merchant's limit."""
        require_text(endpoint.id, "endpoint id", max_len=64)
        require_text(endpoint.url, "endpoint url", max_len=2048)
        require_text(endpoint.secret, "endpoint secret", max_len=256)
        register_secret(endpoint.secret)
        async with self._db.write() as conn:
            others = await conn.scalar(sa.select(sa.func.count()).select_from(E).where(
                E.c.merchant_id == endpoint.merchant_id, E.c.id != endpoint.id))
            if int(others or 0) >= self._max:
                raise TooLarge(f"a merchant has at most {self._max} webhook endpoints", code="too_many_webhooks",
                               details={"max": self._max})
            await upsert(conn, E, {
                "merchant_id": endpoint.merchant_id, "id": endpoint.id, "url": endpoint.url,
                "events": sorted(e.value for e in endpoint.events), "secret": endpoint.secret,
                "active": endpoint.active, "created_at": self._now()},
                keys=("merchant_id", "id"), insert_only=("created_at",))

    async def remove(self, merchant_id: str, endpoint_id: str) -> bool:
        """False when there was none. Its delivery log stays; what is pending fails at its next attempt."""
        async with self._db.write() as conn:
            done = await conn.execute(E.delete().where(E.c.merchant_id == merchant_id, E.c.id == endpoint_id))
        return bool(done.rowcount)


def _by_merchant(rows: Sequence[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r.merchant_id, []).append(r.id)
    return out


def _delivery_columns(d: Delivery) -> dict[str, Any]:
    return {"merchant_id": d.merchant_id, "id": d.id, "endpoint_id": d.endpoint_id, "event_id": d.event_id,
            "event_type": d.event_type.value, "body": bytes(d.body), "created_at": d.created_at,
            "next_attempt_at": d.next_attempt_at, "status": d.status.value, "attempts": d.attempts,
            "last_status_code": d.last_status_code, "last_response": d.last_response}


def _delivery(row: Any) -> Delivery:
    return Delivery(row.merchant_id, row.id, row.endpoint_id, row.event_id, EventType(row.event_type),
                    bytes(row.body), row.created_at, row.next_attempt_at, DeliveryStatus(row.status),
                    row.attempts, row.last_status_code, row.last_response)


def _attempt(row: Any) -> Attempt:
    return Attempt(row.merchant_id, row.delivery_id, row.number, row.at, row.duration_ms, row.status_code,
                   row.response, row.error)


def _parked(row: Any) -> WebhookEvent:
    try:
        data = json.loads(row.data)
    except ValueError as exc:
        raise SoukError(f"parked webhook event {row.event_id!r} is unreadable: {exc}",
                        code="webhook_event_unreadable") from exc
    return WebhookEvent(row.merchant_id, row.event_id, EventType(row.event_type), row.created_at, data)


def _data(event: WebhookEvent) -> str:
    """The event's data as JSON text; read back, ``body()`` gives the same bytes (values it would
    stringify are stored as those strings)."""
    return json.dumps(dict(event.data), separators=(",", ":"), sort_keys=True, default=str)


class SqlWebhookDeliveryRepo(Repo):
    """DeliveryStore, safe for several dispatchers on one database (``due`` claims what it returns)."""

    def __init__(self, db: Database, clock: Clock, *, lease_s: float = LEASE_S) -> None:
        super().__init__(db, clock)
        self._lease_s = lease_s

    async def park(self, event: WebhookEvent) -> None:
        async with self._db.write() as conn:
            await conn.execute(P.insert().values(merchant_id=event.merchant_id, event_id=event.id,
                                                 event_type=event.type.value, created_at=event.created_at,
                                                 data=_data(event), parked_at=self._now()))

    async def take_parked(self, limit: int) -> list[WebhookEvent]:
        check_limit(limit)
        async with self._db.write() as conn:
            # SKIP LOCKED: two nodes taking at once get different events (SQLite has one writer anyway)
            rows = (await conn.execute(sa.select(P).order_by(P.c.seq).limit(limit)
                                       .with_for_update(skip_locked=True))).all()
            if rows:
                await conn.execute(P.delete().where(P.c.seq.in_([r.seq for r in rows])))
        return [_parked(r) for r in rows]

    async def add(self, delivery: Delivery) -> None:
        try:
            async with self._db.write() as conn:
                await conn.execute(D.insert().values(**_delivery_columns(delivery)))
        except Conflict as exc:
            raise Conflict(f"delivery {delivery.id!r} exists", code="webhook_delivery_exists") from exc

    async def save(self, delivery: Delivery) -> None:
        async with self._db.write() as conn:
            await upsert(conn, D, _delivery_columns(delivery), keys=("merchant_id", "id"))

    async def record_attempt(self, attempt: Attempt) -> None:
        """Logged under the delivery's row lock, numbered after the attempts already logged."""
        async with self._db.write() as conn:
            held = await conn.scalar(sa.select(D.c.id).where(D.c.merchant_id == attempt.merchant_id,
                                                             D.c.id == attempt.delivery_id).with_for_update())
            if held is None:
                raise NotFound(f"no webhook delivery {attempt.delivery_id!r}", code="webhook_delivery_not_found")
            last = await conn.scalar(sa.select(sa.func.max(A.c.seq)).where(
                A.c.merchant_id == attempt.merchant_id, A.c.delivery_id == attempt.delivery_id))
            await conn.execute(A.insert().values(
                merchant_id=attempt.merchant_id, delivery_id=attempt.delivery_id, seq=int(last or 0) + 1,
                number=attempt.number, at=attempt.at, duration_ms=attempt.duration_ms,
                status_code=attempt.status_code, response=attempt.response, error=attempt.error))

    async def get(self, merchant_id: str, delivery_id: str) -> Delivery | None:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(D).where(D.c.merchant_id == merchant_id,
                                                         D.c.id == delivery_id))).first()
        return None if row is None else _delivery(row)

    async def attempts(self, merchant_id: str, delivery_id: str) -> list[Attempt]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(A).where(A.c.merchant_id == merchant_id,
                                                          A.c.delivery_id == delivery_id)
                                       .order_by(A.c.seq))).all()
        return [_attempt(r) for r in rows]

    async def due(self, now: float, limit: int) -> list[Delivery]:
        """Claims them too: their next attempt moves ``lease_s`` ahead, so the dispatcher of another node (or
        process) sharing this database does not send them at the same time. The caller's ``save`` of the
        attempt's outcome replaces that time; a caller that dies mid-attempt leaves them due again after the
        lease. Returned as they were before the claim."""
        check_limit(limit)
        async with self._db.write() as conn:
            rows = (await conn.execute(sa.select(D).where(D.c.status == DeliveryStatus.PENDING.value,
                                                          D.c.next_attempt_at <= now)
                                       .order_by(D.c.next_attempt_at, D.c.merchant_id, D.c.id)
                                       .limit(limit).with_for_update(skip_locked=True))).all()
            for merchant_id, ids in _by_merchant(rows).items():
                await conn.execute(D.update().where(D.c.merchant_id == merchant_id, D.c.id.in_(ids),
                                                    D.c.status == DeliveryStatus.PENDING.value)
                                   .values(next_attempt_at=now + self._lease_s))
        return [_delivery(r) for r in rows]

    async def next_due_at(self) -> float | None:
        async with self._db.read() as conn:
            value = await conn.scalar(sa.select(sa.func.min(D.c.next_attempt_at))
                                      .where(D.c.status == DeliveryStatus.PENDING.value))
        return None if value is None else float(value)

    async def list(self, merchant_id: str, *, endpoint_id: str | None = None,
                   limit: int = 50) -> list[Delivery]:
        check_limit(limit)
        query = sa.select(D).where(D.c.merchant_id == merchant_id)
        if endpoint_id is not None:
            query = query.where(D.c.endpoint_id == endpoint_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(D.c.created_at.desc(), D.c.id.desc()).limit(limit))).all()
        return [_delivery(r) for r in rows]
