"""The dispatcher's rules without a network: httpx.MockTransport for the receiver, a ManualClock for time."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

import httpx

from souk.core.clock import ManualClock
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_signing import SIGNATURE_HEADER, verify
from souk.desk.webhook_store import MemoryDeliveryStore, MemoryEndpoints
from souk.desk.webhooks import Delivery, DeliveryStatus, Endpoint, EventType, WebhookEvent

SECRET = "whsec_unit_secret_000001"


def endpoint(merchant: str, url: str = "https://a.example/hook") -> Endpoint:
    return Endpoint.build(merchant_id=merchant, id="we_1", url=url, events=[EventType.ORDER_CREATED], secret=SECRET)


def event(merchant: str, n: int, clock: ManualClock) -> WebhookEvent:
    return WebhookEvent(merchant, f"evt_{n}", EventType.ORDER_CREATED, clock.wall(), {"order_id": f"o{n}"})


async def drive(clock: ManualClock, done: Callable[[], Awaitable[bool]], step_s: float) -> None:
    deadline = time.monotonic() + 10
    while not await done():
        assert time.monotonic() < deadline
        await clock.advance(step_s)
        await asyncio.sleep(0.001)


async def test_always_failing_receiver_is_given_up_after_a_day() -> None:
    clock = ManualClock()
    store = MemoryDeliveryStore()
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom")))
    d = Dispatcher(MemoryEndpoints([endpoint("m1")]), store, clock=clock, rng=random.Random(9), client=client)
    d.start()
    try:
        await d.enqueue(event("m1", 1, clock))

        async def failed() -> bool:
            got = await store.list("m1")
            return bool(got) and got[0].status is DeliveryStatus.FAILED

        await drive(clock, failed, step_s=900)
        (delivery,) = await store.list("m1")
        log = await store.attempts("m1", delivery.id)
        assert len(log) == delivery.attempts > 20
        assert log[-1].at - delivery.created_at <= 86400
        assert delivery.last_response == "boom"
    finally:
        await d.aclose()
        await client.aclose()


async def test_events_go_only_to_the_merchants_own_endpoints_and_are_signed() -> None:
    clock = ManualClock(wall_start=time.time())
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    store = MemoryDeliveryStore()
    endpoints = MemoryEndpoints([endpoint("m1", "https://one.example/h"), endpoint("m2", "https://two.example/h")])
    d = Dispatcher(endpoints, store, clock=clock, client=client)
    d.start()
    try:
        await d.enqueue(event("m1", 1, clock))

        async def one_seen() -> bool:
            return len(seen) == 1 and bool(await store.list("m1"))

        await drive(clock, one_seen, step_s=0)
        assert seen[0].url.host == "one.example"
        verify(SECRET, seen[0].headers[SIGNATURE_HEADER], seen[0].content, now=clock.wall())
        assert await store.list("m2") == []
    finally:
        await d.aclose()
        await client.aclose()


async def test_a_timeout_is_logged_and_retried_and_a_removed_endpoint_fails_the_delivery() -> None:
    clock = ManualClock()

    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    store = MemoryDeliveryStore()
    endpoints = MemoryEndpoints([endpoint("m1")])
    d = Dispatcher(endpoints, store, clock=clock, client=client)
    d.start()
    try:
        await d.enqueue(event("m1", 1, clock))

        async def tried() -> bool:
            got = await store.list("m1")
            return bool(got) and got[0].attempts == 1

        await drive(clock, tried, step_s=0)
        (pending,) = await store.list("m1")
        assert pending.status is DeliveryStatus.PENDING and "ReadTimeout" in pending.last_response
        assert await endpoints.remove("m1", "we_1")

        async def failed() -> bool:
            return (await store.list("m1"))[0].status is DeliveryStatus.FAILED

        await drive(clock, failed, step_s=5)
        assert (await store.list("m1"))[0].last_response == "endpoint removed or disabled"
    finally:
        await d.aclose()
        await client.aclose()


async def test_aclose_parks_what_was_still_queued_and_a_new_dispatcher_delivers_it() -> None:
    clock = ManualClock()
    store = MemoryDeliveryStore()
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    endpoints = MemoryEndpoints([endpoint("m1")])
    unstarted = Dispatcher(endpoints, store, clock=clock, client=client, queue_size=2)
    for n in range(5):
        await unstarted.enqueue(event("m1", n, clock))  # 2 queued, 3 parked at once
    await unstarted.aclose()
    assert len(await store.take_parked(100)) == 5
    for n in range(5):
        await store.park(event("m1", n, clock))
    d = Dispatcher(endpoints, store, clock=clock, client=client)
    d.start()
    try:
        async def all_delivered() -> bool:
            got = await store.list("m1")
            return len(got) == 5 and all(x.status is DeliveryStatus.DELIVERED for x in got)

        await drive(clock, all_delivered, step_s=0)
    finally:
        await d.aclose()
        await client.aclose()


async def test_more_parked_events_than_one_pass_takes_are_all_delivered() -> None:
    clock = ManualClock()
    store = MemoryDeliveryStore()
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    d = Dispatcher(MemoryEndpoints([endpoint("m1")]), store, clock=clock, client=client, queue_size=1, batch=4)
    for n in range(100):
        await d.enqueue(event("m1", n, clock))  # 1 queued, 99 parked; one pass takes 32 of them
    d.start()
    try:
        async def all_delivered() -> bool:
            got = await store.list("m1", limit=1000)
            return len(got) == 100 and all(x.status is DeliveryStatus.DELIVERED for x in got)

        await drive(clock, all_delivered, step_s=0)
    finally:
        await d.aclose()
        await client.aclose()


class BrokenOnce(MemoryDeliveryStore):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def due(self, now: float, limit: int) -> list[Delivery]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        return await super().due(now, limit)


async def test_a_store_error_does_not_kill_the_delivery_task() -> None:
    clock = ManualClock()
    store = BrokenOnce()
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    d = Dispatcher(MemoryEndpoints([endpoint("m1")]), store, clock=clock, client=client)
    d.start()
    try:
        await d.enqueue(event("m1", 1, clock))

        async def delivered() -> bool:
            got = await store.list("m1")
            return bool(got) and got[0].status is DeliveryStatus.DELIVERED

        await drive(clock, delivered, step_s=1)
        assert store.failures == 0
    finally:
        await d.aclose()
        await client.aclose()


async def test_subscribers_are_read_once_per_few_seconds_and_forget_reads_them_again() -> None:
    clock = ManualClock()
    store = MemoryDeliveryStore()
    endpoints = MemoryEndpoints()
    reads: list[str] = []
    original = endpoints.subscribed

    async def counted(merchant_id: str, event_type: EventType):  # type: ignore[no-untyped-def]
        reads.append(merchant_id)
        return await original(merchant_id, event_type)

    endpoints.subscribed = counted  # type: ignore[method-assign]
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    d = Dispatcher(endpoints, store, clock=clock, client=client)
    d.start()
    try:
        for n in range(5):  # a merchant with no endpoint: one read, not one per event
            await d.enqueue(event("m1", n, clock))
            await asyncio.sleep(0.01)
        assert reads == ["m1"] and await store.list("m1") == []
        await endpoints.put(endpoint("m1"))
        d.forget("m1")  # what WebhookAdmin does on every change
        await d.enqueue(event("m1", 9, clock))

        async def delivered() -> bool:
            got = await store.list("m1")
            return bool(got) and got[0].status is DeliveryStatus.DELIVERED

        await drive(clock, delivered, step_s=1)
        assert reads == ["m1", "m1"]
    finally:
        await d.aclose()
        await client.aclose()
