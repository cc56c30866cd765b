"""Webhooks against a real HTTP receiver on 127.0.0.1: retries, signatures, a receiver that is down, and an
enqueue that never waits. Backoff waits run on a ManualClock, so the test takes seconds, not minutes."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from souk.core.clock import ManualClock
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_signing import SIGNATURE_HEADER, verify
from souk.desk.webhook_store import MemoryDeliveryStore, MemoryEndpoints
from souk.desk.webhooks import DeliveryStatus, Endpoint, EventType, WebhookEvent

SECRET = "whsec_integration_secret_0001"
MERCHANT = "m_acme"


@dataclass
class Receiver:
    """A merchant's endpoint: answers the scripted statuses (then 200), verifying each signature."""

    clock: ManualClock
    statuses: list[int] = field(default_factory=list)
    gate: asyncio.Event | None = None
    received: list[tuple[dict[str, str], bytes, bool]] = field(default_factory=list)
    entered: int = 0
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.entered += 1
        body = await request.read()
        if self.gate is not None:
            await self.gate.wait()
        try:
            verify(SECRET, request.headers.get(SIGNATURE_HEADER), body, now=self.clock.wall())
            valid = True
        except ValueError:
            valid = False
        self.received.append((dict(request.headers), body, valid))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="x" * 5000 if status >= 500 else "ok")

    async def start(self, port: int = 0) -> int:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return int(self.runner.addresses[0][1])

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def drive(clock: ManualClock, done: Callable[[], Awaitable[bool]], *, step_s: float = 5.0,
                real_timeout_s: float = 15.0) -> None:
    """Advance fake time in steps (letting real I/O run between them) until ``done()``."""
    deadline = time.monotonic() + real_timeout_s
    while not await done():
        assert time.monotonic() < deadline, "condition not reached"
        await clock.advance(step_s)
        await asyncio.sleep(0.01)


async def eventually(done: Callable[[], Awaitable[bool]], real_timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + real_timeout_s
    while not await done():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(wall_start=time.time())


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def endpoint(port: int) -> Endpoint:
    return Endpoint.build(merchant_id=MERCHANT, id="we_1", url=f"http://127.0.0.1:{port}/hook",
                          events=[EventType.HANDOFF, EventType.MESSAGE], secret=SECRET, allow_local_http=True)


def event(n: int, clock: ManualClock, kind: EventType = EventType.HANDOFF) -> WebhookEvent:
    return WebhookEvent(MERCHANT, f"evt_{n}", kind, clock.wall(), {"conversation_id": f"c{n}", "reason": "asked"})


async def only_delivery(store: MemoryDeliveryStore):  # type: ignore[no-untyped-def]
    found = await store.list(MERCHANT)
    return found[0] if found else None


async def test_two_500s_then_200_is_delivered_with_every_attempt_logged_and_verifiable(
        clock: ManualClock, http: httpx.AsyncClient) -> None:
    receiver = Receiver(clock, statuses=[500, 500])
    port = await receiver.start()
    store = MemoryDeliveryStore()
    d = Dispatcher(MemoryEndpoints([endpoint(port)]), store, clock=clock, rng=random.Random(5), client=http)
    d.start()
    try:
        await d.enqueue(event(1, clock))
        await d.enqueue(event(2, clock, EventType.CSAT))  # not subscribed: no delivery

        async def attempts_at_least(n: int) -> bool:
            got = await only_delivery(store)
            return got is not None and got.attempts >= n

        await eventually(lambda: attempts_at_least(1))
        first = await only_delivery(store)
        assert first is not None and first.status is DeliveryStatus.PENDING and first.last_status_code == 500
        assert len(first.last_response) <= 1025
        assert 8 <= first.next_attempt_at - first.created_at <= 12  # 10 s +- 20 % jitter

        async def delivered() -> bool:
            got = await only_delivery(store)
            return got is not None and got.status is DeliveryStatus.DELIVERED

        await drive(clock, delivered)
        final = await only_delivery(store)
        assert final is not None and final.attempts == 3 and final.last_status_code == 200
        log = await store.attempts(MERCHANT, final.id)
        assert [a.status_code for a in log] == [500, 500, 200] and [a.number for a in log] == [1, 2, 3]
        assert log[1].at - log[0].at >= 8 and log[2].at - log[1].at >= 16  # backoff grew
        assert len(receiver.received) == 3 and all(valid for _, _, valid in receiver.received)
        assert len({body for _, body, _ in receiver.received}) == 1  # the same bytes every time
        headers = receiver.received[-1][0]
        assert headers["Souk-Event"] == "handoff" and headers["Souk-Event-Id"] == "evt_1"
        assert headers["Souk-Delivery"] == final.id
        assert await store.list(MERCHANT) == [final]
        assert await store.list("m_other") == []
    finally:
        await d.aclose()
        await d.aclose()  # idempotent
        await receiver.stop()


async def test_a_receiver_that_is_down_loses_nothing_across_a_restart(
        clock: ManualClock, http: httpx.AsyncClient) -> None:
    port = free_port()
    store = MemoryDeliveryStore()
    endpoints = MemoryEndpoints([endpoint(port)])
    first = Dispatcher(endpoints, store, clock=clock, rng=random.Random(1), client=http)
    first.start()
    await first.enqueue(event(1, clock))

    async def attempts_at_least(n: int) -> bool:
        got = await only_delivery(store)
        return got is not None and got.attempts >= n

    await drive(clock, lambda: attempts_at_least(3))
    await first.aclose()
    down = await only_delivery(store)
    assert down is not None and down.status is DeliveryStatus.PENDING and down.last_status_code is None
    assert "ConnectError" in down.last_response
    assert all(a.status_code is None for a in await store.attempts(MERCHANT, down.id))

    receiver = Receiver(clock)
    await receiver.start(port)
    second = Dispatcher(endpoints, store, clock=clock, rng=random.Random(2), client=http)
    second.start()
    try:
        async def delivered() -> bool:
            got = await only_delivery(store)
            return got is not None and got.status is DeliveryStatus.DELIVERED

        await drive(clock, delivered, step_s=30.0)
        assert len(receiver.received) == 1 and receiver.received[0][2]
        assert len(await store.list(MERCHANT)) == 1
    finally:
        await second.aclose()
        await receiver.stop()


async def test_a_slow_receiver_does_not_slow_enqueue_and_a_full_queue_parks(
        clock: ManualClock, http: httpx.AsyncClient) -> None:
    receiver = Receiver(clock, gate=asyncio.Event())
    port = await receiver.start()
    store = MemoryDeliveryStore()
    d = Dispatcher(MemoryEndpoints([endpoint(port)]), store, clock=clock, client=http, queue_size=4)
    d.start()
    try:
        await d.enqueue(event(0, clock))

        async def in_flight() -> bool:
            return receiver.entered >= 1

        await eventually(in_flight)  # the task is now stuck on a receiver that does not answer
        started = time.perf_counter()
        for n in range(1, 201):
            await d.enqueue(event(n, clock, EventType.MESSAGE))
        elapsed = time.perf_counter() - started
        assert elapsed < 0.25, f"200 enqueues took {elapsed:.3f} s"
        assert receiver.entered == 1

        assert receiver.gate is not None
        receiver.gate.set()

        async def all_delivered() -> bool:
            got = await store.list(MERCHANT, limit=1000)
            return len(got) == 201 and all(x.status is DeliveryStatus.DELIVERED for x in got)

        await eventually(all_delivered)
        ids = {h["Souk-Event-Id"] for h, _, _ in receiver.received}
        assert ids == {f"evt_{n}" for n in range(201)}
    finally:
        await d.aclose()
        await receiver.stop()


async def test_send_test_event_posts_once_and_logs_it(clock: ManualClock, http: httpx.AsyncClient) -> None:
    receiver = Receiver(clock, statuses=[503])
    port = await receiver.start()
    store = MemoryDeliveryStore()
    d = Dispatcher(MemoryEndpoints([endpoint(port)]), store, clock=clock, client=http)
    try:
        failed = await d.send_test(MERCHANT, "we_1")
        assert failed.status_code == 503 and not failed.ok
        ok = await d.send_test(MERCHANT, "we_1")
        assert ok.ok and ok.response == "ok"
        log = await store.list(MERCHANT)
        assert {x.status for x in log} == {DeliveryStatus.FAILED, DeliveryStatus.DELIVERED}
        assert all(x.event_type is EventType.TEST for x in log)
        assert all(valid for _, _, valid in receiver.received)
        with pytest.raises(LookupError):
            await d.send_test("m_other", "we_1")  # another merchant's endpoint does not exist
    finally:
        await d.aclose()
        await receiver.stop()
