"""The webhook SQL stores (souk.storage.repos.desk_webhooks) on SQLite and on a real PostgreSQL: endpoints,
deliveries with their attempts, parked events; and the real Dispatcher delivering through them to a local
receiver that is down at first, across a restart."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import inspect
import json
import random
import re
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, NotFound, TooLarge
from souk.core.settings import Settings
from souk.desk.webhook_dispatch import Dispatcher
from souk.domain.desk.webhooks import Attempt, Delivery, DeliveryStatus, Endpoint, EventType, WebhookEvent
from souk.storage import Storage, open_storage
from souk.storage.repos.desk_webhooks import SqlWebhookEndpointRepo
from tests.contract.storage.conftest import A, B, merchant
from tests.integration.desk.test_webhooks import SECRET, Receiver, drive  # the receiver checks with SECRET


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    return storage


def endpoint(mid: str = A, eid: str = "we_1", *, events: tuple[EventType, ...] = (EventType.HANDOFF,),
             url: str = "https://shop.example/hook", active: bool = True) -> Endpoint:
    return Endpoint.build(merchant_id=mid, id=eid, url=url, events=events, secret=SECRET, active=active,
                          allow_local_http=True)


def delivery(mid: str = A, did: str = "whd_1", *, endpoint_id: str = "we_1", created: float = 1000.0,
             next_at: float | None = None, status: DeliveryStatus = DeliveryStatus.PENDING,
             body: bytes = b'{"x":1}') -> Delivery:
    return Delivery(mid, did, endpoint_id, f"evt_{did}", EventType.HANDOFF, body, created,
                    created if next_at is None else next_at, status)


# ------------------------------------------------------------------ endpoints


async def test_endpoints_put_get_list_subscribed_remove(shops: Storage) -> None:
    repo = shops.webhook_endpoints
    assert await repo.get(A, "we_1") is None and await repo.list(A) == []
    first = endpoint(events=(EventType.HANDOFF, EventType.CLOSED))
    await repo.put(first)
    await repo.put(endpoint(eid="we_2", events=(EventType.CLOSED,), active=False))
    await repo.put(endpoint(eid="we_3", events=tuple(EventType)[:-1], url="http://127.0.0.1:9/h"))
    await repo.put(endpoint(B, "we_1", events=(EventType.CSAT,)))
    assert await repo.get(A, "we_1") == first
    assert [e.id for e in await repo.list(A)] == ["we_1", "we_2", "we_3"]
    assert [e.id for e in await repo.subscribed(A, EventType.CLOSED)] == ["we_1", "we_3"]  # we_2 is off
    assert [e.id for e in await repo.subscribed(A, EventType.CSAT)] == ["we_3"]
    assert await repo.subscribed(A, EventType.TEST) == []
    assert [(e.merchant_id, e.id) for e in await repo.subscribed(B, EventType.CSAT)] == [(B, "we_1")]
    changed = dataclasses.replace(first, url="https://other.example/h", active=False)
    await repo.put(changed)  # replaced in place: still the oldest
    assert await repo.get(A, "we_1") == changed
    assert [e.id for e in await repo.list(A)] == ["we_1", "we_2", "we_3"]
    assert await repo.remove(A, "we_1") is True
    assert await repo.remove(A, "we_1") is False
    assert await repo.get(A, "we_1") is None
    assert await repo.get(B, "we_1") is not None


async def test_a_merchant_has_a_bounded_number_of_endpoints(shops: Storage) -> None:
    repo = SqlWebhookEndpointRepo(shops.db, shops.clock, max_endpoints=2)
    await repo.put(endpoint(eid="we_1"))
    await repo.put(endpoint(eid="we_2"))
    await repo.put(endpoint(eid="we_2", events=(EventType.CSAT,)))  # replacing one is not one more
    with pytest.raises(TooLarge) as err:
        await repo.put(endpoint(eid="we_3"))
    assert err.value.code == "too_many_webhooks"
    await repo.put(endpoint(B, "we_3"))  # another merchant's count
    assert [e.id for e in await repo.list(A)] == ["we_1", "we_2"]


# ------------------------------------------------------------------ deliveries and attempts


async def test_delivery_round_trip_keeps_the_exact_bytes(shops: Storage) -> None:
    store = shops.webhook_deliveries
    raw = bytes(range(256)) + "héllo 👋".encode()
    d = delivery(body=raw)
    await store.add(d)
    assert await store.get(A, "whd_1") == d
    assert await store.get(B, "whd_1") is None
    with pytest.raises(Conflict) as err:
        await store.add(dataclasses.replace(d, body=b"other"))
    assert err.value.code == "webhook_delivery_exists"
    assert (await store.get(A, "whd_1") or d).body == raw
    await store.add(delivery(B, "whd_1", body=b"B"))  # same id, other merchant
    assert (await store.get(B, "whd_1") or d).body == b"B"


async def test_attempts_are_logged_in_order_and_save_replaces(shops: Storage) -> None:
    store = shops.webhook_deliveries
    d = delivery()
    await store.add(d)
    first = Attempt(A, "whd_1", 1, 1001.25, 12.5, None, error="ConnectError: refused")
    await store.record_attempt(first)
    d = d.after(first, status=DeliveryStatus.PENDING, next_attempt_at=1011.0)
    await store.save(d)
    second = Attempt(A, "whd_1", 2, 1011.5, 40.0, 200, "ok")
    await store.record_attempt(second)
    d = d.after(second, status=DeliveryStatus.DELIVERED, next_attempt_at=1011.5)
    await store.save(d)
    again = Attempt(A, "whd_1", 2, 1012.0, 1.0, 500, "x" * 1025)  # a repeated number is still logged
    await store.record_attempt(again)
    assert await store.attempts(A, "whd_1") == [first, second, again]
    assert await store.get(A, "whd_1") == d
    assert (d.status, d.attempts, d.last_status_code, d.last_response) == (DeliveryStatus.DELIVERED, 2, 200, "ok")
    assert await store.attempts(B, "whd_1") == []
    with pytest.raises(NotFound):
        await store.record_attempt(Attempt(B, "whd_1", 1, 1.0, 1.0, 200))


async def test_due_spans_merchants_takes_only_pending_and_claims_what_it_returns(shops: Storage) -> None:
    store = shops.webhook_deliveries  # lease: 300 s
    assert await store.due(10_000.0, 10) == [] and await store.next_due_at() is None
    await store.add(delivery(A, "a1", created=100.0, next_at=300.0))
    await store.add(delivery(B, "b1", created=100.0, next_at=200.0))
    await store.add(delivery(A, "a2", created=100.0, next_at=150.0, status=DeliveryStatus.DELIVERED))
    await store.add(delivery(B, "b2", created=100.0, next_at=120.0, status=DeliveryStatus.FAILED))
    await store.add(delivery(A, "a3", created=100.0, next_at=900.0))
    assert await store.next_due_at() == 200.0
    assert await store.due(199.9, 10) == []
    (b1,) = await store.due(300.0, 1)
    assert (b1.merchant_id, b1.id, b1.next_attempt_at) == (B, "b1", 200.0)  # as it was before the claim
    assert [(d.merchant_id, d.id) for d in await store.due(300.0, 10)] == [(A, "a1")]  # b1 is claimed
    assert await store.due(300.0, 10) == []
    assert await store.next_due_at() == 600.0  # both claims end then
    await store.save(b1.after(Attempt(B, "b1", 1, 300.0, 5.0, 200), status=DeliveryStatus.DELIVERED,
                              next_attempt_at=300.0))
    assert [d.id for d in await store.due(600.0, 10)] == ["a1"]  # a1's outcome was never saved: due again
    assert await store.next_due_at() == 900.0


async def test_concurrent_dispatchers_never_claim_the_same_delivery(shops: Storage) -> None:
    store = shops.webhook_deliveries
    for i in range(30):
        await store.add(delivery(A if i % 2 else B, f"d{i}", created=float(i)))
    batches = await asyncio.gather(*(store.due(100.0, 4) for _ in range(10)))
    taken = [(d.merchant_id, d.id) for batch in batches for d in batch]
    assert len(taken) == len(set(taken)) == 30


async def test_list_is_the_merchants_log_newest_first(shops: Storage) -> None:
    store = shops.webhook_deliveries
    for i in range(5):
        await store.add(delivery(A, f"a{i}", endpoint_id="we_1" if i % 2 else "we_2", created=100.0 + i))
    await store.add(delivery(B, "b0", created=500.0))
    assert [d.id for d in await store.list(A)] == ["a4", "a3", "a2", "a1", "a0"]
    assert [d.id for d in await store.list(A, limit=2)] == ["a4", "a3"]
    assert [d.id for d in await store.list(A, endpoint_id="we_1")] == ["a3", "a1"]
    assert [d.id for d in await store.list(B)] == ["b0"]
    assert await store.list(B, endpoint_id="we_2") == []


# ------------------------------------------------------------------ parked events


async def test_parked_events_come_back_oldest_first_once_signing_the_same_bytes(shops: Storage) -> None:
    store = shops.webhook_deliveries
    odd = {"amount": Decimal("12.30"), "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "n": 1.5,
           "tags": ("a", "b"), "nested": {"ü": [1, None, True]}}
    events = [WebhookEvent(A if i % 2 else B, f"evt_{i}", EventType.MESSAGE, 1000.0 + i, {**odd, "i": i})
              for i in range(5)]
    for e in events:
        await store.park(e)
    first = await store.take_parked(3)
    rest = await store.take_parked(10)
    assert [e.id for e in first + rest] == [e.id for e in events]
    assert [(e.merchant_id, e.type, e.created_at) for e in first + rest] == [
        (e.merchant_id, e.type, e.created_at) for e in events]
    assert [e.body() for e in first + rest] == [e.body() for e in events]  # same signed bytes
    assert await store.take_parked(10) == []


async def test_concurrent_takers_never_get_the_same_parked_event(shops: Storage) -> None:
    store = shops.webhook_deliveries
    for i in range(60):
        await store.park(WebhookEvent(A, f"evt_{i}", EventType.HANDOFF, float(i), {"i": i}))
    batches = await asyncio.gather(*(store.take_parked(7) for _ in range(12)))
    ids = [e.id for batch in batches for e in batch]
    assert sorted(ids) == sorted(f"evt_{i}" for i in range(60)) and len(ids) == len(set(ids))


# ------------------------------------------------------------------ every statement carries the merchant

WEBHOOK_TABLES = {"webhook_endpoints", "webhook_deliveries", "webhook_attempts", "webhook_parked"}
GLOBAL = {"webhook_deliveries.due", "webhook_deliveries.next_due_at", "webhook_deliveries.take_parked"}
TABLE_RE = re.compile(r"\b(?:FROM|UPDATE|INTO|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)
WHERE_MERCHANT = re.compile(r"\bWHERE\b.*\bmerchant_id (?:=|IN)\s", re.IGNORECASE)


async def test_every_webhook_statement_filters_by_merchant_but_the_dispatchers_reads(shops: Storage) -> None:
    statements: list[tuple[str, str]] = []
    current = [""]
    called: set[str] = set()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((current[0], " ".join(statement.split())))

    async def call(name: str, *args: Any, **kw: Any) -> Any:
        repo, method = name.split(".")
        current[0] = name
        called.add(name)
        return await getattr(getattr(shops, repo), method)(*args, **kw)

    sa_event.listen(shops.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await call("webhook_endpoints.put", endpoint())
        await call("webhook_endpoints.get", A, "we_1")
        await call("webhook_endpoints.list", A)
        await call("webhook_endpoints.subscribed", A, EventType.HANDOFF)
        await call("webhook_endpoints.remove", A, "we_1")
        await call("webhook_deliveries.park", WebhookEvent(A, "evt_1", EventType.HANDOFF, 1.0))
        await call("webhook_deliveries.take_parked", 5)
        await call("webhook_deliveries.add", delivery())
        await call("webhook_deliveries.save", delivery())
        await call("webhook_deliveries.record_attempt", Attempt(A, "whd_1", 1, 1.0, 1.0, 200))
        await call("webhook_deliveries.get", A, "whd_1")
        await call("webhook_deliveries.attempts", A, "whd_1")
        await call("webhook_deliveries.due", 2000.0, 5)
        await call("webhook_deliveries.next_due_at")
        await call("webhook_deliveries.list", A, endpoint_id="we_1")
    finally:
        sa_event.remove(shops.db.engine.sync_engine, "before_cursor_execute", record)
    public = {f"{repo}.{m}" for repo in ("webhook_endpoints", "webhook_deliveries")
              for m, _ in inspect.getmembers(getattr(shops, repo), inspect.iscoroutinefunction)
              if not m.startswith("_")}
    assert public == called, "add the new methods to this workload"

    def scoped(sql: str) -> bool:
        if sql.upper().startswith("INSERT"):
            return "merchant_id" in sql.split(")")[0]
        return bool(WHERE_MERCHANT.search(sql))

    touching = [(who, sql) for who, sql in statements
                if WEBHOOK_TABLES & {t.lower() for t in TABLE_RE.findall(sql)}]
    assert len(touching) >= 15
    assert [(who, sql) for who, sql in touching if who not in GLOBAL and not scoped(sql)] == []


# ------------------------------------------------------------------ the real dispatcher on these stores


async def test_dispatcher_on_sql_stores_survives_a_down_receiver_and_a_restart(
        shops: Storage, storage_url: str, tmp_path: Any) -> None:
    clock = ManualClock(wall_start=time.time())
    receiver = Receiver(clock, statuses=[503])
    port = await receiver.start()
    await shops.webhook_endpoints.put(endpoint(url=f"http://127.0.0.1:{port}/hook",
                                               events=(EventType.HANDOFF,)))
    await shops.webhook_endpoints.put(endpoint(B, url=f"http://127.0.0.1:{port}/hook"))
    ev = WebhookEvent(A, "evt_1", EventType.HANDOFF, clock.wall(), {"conversation_id": "c1"})
    async with httpx.AsyncClient(trust_env=False) as http:
        first = Dispatcher(shops.webhook_endpoints, shops.webhook_deliveries, clock=clock, rng=random.Random(1),
                           client=http, queue_size=1)
        first.start()
        await first.enqueue(ev)
        await first.enqueue(WebhookEvent(A, "evt_2", EventType.CLOSED, clock.wall()))  # nobody subscribes
        async def failed_once() -> bool:
            found = await shops.webhook_deliveries.list(A)
            return bool(found) and found[0].attempts == 1
        await drive(clock, failed_once, step_s=0.0)
        await first.aclose()
        # a new process on the same database finishes the job
        again = await open_storage(Settings(data_dir=str(tmp_path)), url=storage_url)
        try:
            second = Dispatcher(again.webhook_endpoints, again.webhook_deliveries, clock=clock,
                                rng=random.Random(2), client=http)
            second.start()
            async def delivered() -> bool:
                found = await again.webhook_deliveries.list(A)
                return bool(found) and found[0].status is DeliveryStatus.DELIVERED
            await drive(clock, delivered, step_s=5.0)
            await second.aclose()
            (d,) = await again.webhook_deliveries.list(A)
            attempts = await again.webhook_deliveries.attempts(A, d.id)
        finally:
            await again.aclose()
    await receiver.stop()
    assert [a.status_code for a in attempts] == [503, 200] and [a.number for a in attempts] == [1, 2]
    assert [json.loads(body)["id"] for _, body, _ in receiver.received] == ["evt_1", "evt_1"]
    assert all(valid for _, _, valid in receiver.received)
    assert receiver.received[0][1] == receiver.received[1][1] == d.body == ev.body()
    assert await shops.webhook_deliveries.list(B) == []
