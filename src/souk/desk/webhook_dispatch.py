"""The webhook dispatcher: ``enqueue()`` returns at once; one owned task fans events out and delivers them.

Flow: enqueue -> bounded queue (full: the event is parked in the DeliveryStore) -> the task turns each event
into one Delivery per subscribed endpoint (stored as pending) -> POSTs the signed body with httpx -> logs the
attempt -> delivered, or pending again at the schedule's next time, or failed after a day. Everything the
task has not finished lives in the store, so a down receiver, a full queue or a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence

import httpx

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.core.metrics import Metrics
from souk.core.tasks import TaskOwner
from souk.desk.webhook_schedule import RetrySchedule, Rng
from souk.desk.webhook_signing import SIGNATURE_HEADER, sign
from souk.desk.webhook_store import DeliveryStore, EndpointSource
from souk.desk.webhooks import Attempt, Delivery, DeliveryStatus, Endpoint, EventType, WebhookEvent, truncate

log = logging.getLogger(__name__)
USER_AGENT = "Souk-Webhooks/1"
SUBSCRIBED_TTL_S = 5.0
PARKED_EVERY_S = 5.0


class Dispatcher:
    def __init__(self, endpoints: EndpointSource, store: DeliveryStore, *, clock: Clock | None = None,
                 rng: Rng | None = None, schedule: RetrySchedule | None = None,
                 client: httpx.AsyncClient | None = None, timeout_s: float = 10.0, queue_size: int = 1000,
                 batch: int = 32, new_id: Callable[[str], str] = new_id) -> None:
        self._endpoints = endpoints
        self._store = store
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._schedule = schedule or RetrySchedule()
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(follow_redirects=False)
        self._timeout = timeout_s
        self._queue: asyncio.Queue[WebhookEvent] = asyncio.Queue(maxsize=queue_size)
        self._batch = batch
        self._new_id = new_id
        self._wake = asyncio.Event()
        self._tasks = TaskOwner("webhooks")
        self._closed = False
        # Who subscribes to what, kept SUBSCRIBED_TTL_S (most merchants have no endpoint: no read per event);
        # WebhookAdmin calls forget() on every change, so this node sees its own changes at once.
        self._subscribed: dict[tuple[str, EventType], tuple[float, Sequence[Endpoint]]] = {}
        self._parked_seen_at: float | None = None
        self.metrics: Metrics | None = None  # attempts by result (souk.core.metrics), set when metrics are on
        self._parked_here = False  # this node parked events since it last took them  # when the store's parked events were last taken

    def start(self) -> None:
        """Start the delivery task (it also picks up deliveries left pending in the store)."""
        if not len(self._tasks):
            self._tasks.spawn(self._run(), "deliver")

    async def enqueue(self, event: WebhookEvent) -> None:
        """Hand an event over; never waits for delivery. A full queue parks the event in the store."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("webhook queue full, parking event", extra={"merchant": event.merchant_id,
                                                                    "event": event.id})
            await self._store.park(event)
            self._parked_here = True
            if self.metrics is not None:
                self.metrics.webhook("parked")
        self._wake.set()

    async def send_test(self, merchant_id: str, endpoint_id: str) -> Attempt:
        """The "send test event" button: one signed ``webhook.test`` POST now, logged, never retried."""
        endpoint = await self._endpoints.get(merchant_id, endpoint_id)
        if endpoint is None:
            raise NotFound("no such webhook endpoint", code="webhook_endpoint_not_found")
        now = self._clock.wall()
        event = WebhookEvent(merchant_id, self._new_id("evt"), EventType.TEST, now,
                             {"message": "This is a test event from Souk."})
        delivery = self._delivery(event, endpoint, now)
        await self._store.add(delivery)
        attempt = await self._post(delivery, endpoint)
        status = DeliveryStatus.DELIVERED if attempt.ok else DeliveryStatus.FAILED
        await self._store.save(delivery.after(attempt, status=status, next_attempt_at=now))
        return attempt

    async def retry(self, merchant_id: str, delivery_id: str) -> Attempt:
        """The "retry now" button: one attempt of a logged delivery now, whatever its status.

        Success marks it delivered; a failure leaves it pending at the schedule's next time while the delivery
        is younger than a day, else failed (a ``webhook.test`` delivery is never rescheduled). A retry of a
        pending delivery may cross the task's own attempt of it; receivers dedupe by event id anyway.
        404 ``webhook_delivery_not_found``; 409 ``webhook_disabled`` when its endpoint is disabled, 404
        ``webhook_endpoint_not_found`` when it is gone.
        """
        delivery = await self._store.get(merchant_id, delivery_id)
        if delivery is None:
            raise NotFound("no such webhook delivery", code="webhook_delivery_not_found")
        endpoint = await self._endpoints.get(merchant_id, delivery.endpoint_id)
        if endpoint is None:
            raise NotFound("the delivery's webhook endpoint was removed", code="webhook_endpoint_not_found")
        if not endpoint.active:
            raise Conflict("the webhook endpoint is disabled: enable it first", code="webhook_disabled")
        attempt = await self._post(delivery, endpoint)
        if delivery.event_type is EventType.TEST:  # a test event stays one-shot
            status = DeliveryStatus.DELIVERED if attempt.ok else DeliveryStatus.FAILED
            await self._store.save(delivery.after(attempt, status=status, next_attempt_at=attempt.at))
        else:
            await self._settle(delivery, attempt)
            self._wake.set()  # the task may be waiting with nothing pending: it now has a next time
        return attempt

    def forget(self, merchant_id: str) -> None:
        """The merchant's endpoints changed: read them again for the next event."""
        for key in [k for k in self._subscribed if k[0] == merchant_id]:
            del self._subscribed[key]

    async def _subscribers(self, merchant_id: str, event_type: EventType) -> Sequence[Endpoint]:
        key = (merchant_id, event_type)
        hit = self._subscribed.get(key)
        now = self._clock.now()
        if hit is not None and now - hit[0] < SUBSCRIBED_TTL_S:
            return hit[1]
        found = await self._endpoints.subscribed(merchant_id, event_type)
        self._subscribed[key] = (now, found)
        return found

    async def aclose(self) -> None:
        """Stop delivering; events still queued are parked in the store. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        while not self._queue.empty():
            await self._store.park(self._queue.get_nowait())
        if self._own_client:
            await self._client.aclose()

    # The delivery task.

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:  # a store or endpoint source that fails: log, pause, keep the task alive
                log.exception("webhook delivery step failed; retrying in 1 s")
                await self._clock.sleep(1.0)

    async def _step(self) -> None:
        self._wake.clear()
        await self._fan_out()
        now = self._clock.wall()
        due = await self._store.due(now, self._batch)
        if due:
            results = await asyncio.gather(*(self._deliver(d) for d in due), return_exceptions=True)
            for d, r in zip(due, results, strict=True):
                if isinstance(r, Exception):  # the delivery stays pending in the store
                    log.error("webhook delivery %s failed to record", d.id, exc_info=r,
                              extra={"merchant": d.merchant_id})
            if all(isinstance(r, Exception) for r in results):
                await self._clock.sleep(1.0)  # a store that is down: do not spin
            return
        next_at = await self._store.next_due_at()
        await self._wait(None if next_at is None else max(0.0, next_at - now))

    async def _wait(self, seconds: float | None) -> None:
        """Until an event is enqueued, or ``seconds`` of the clock have passed."""
        woken = asyncio.ensure_future(self._wake.wait())
        slept = asyncio.ensure_future(self._clock.sleep(seconds)) if seconds is not None else None
        try:
            await asyncio.wait([f for f in (woken, slept) if f is not None], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (woken, slept):
                if f is not None and not f.done():
                    f.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await f

    async def _fan_out(self) -> None:
        events: list[WebhookEvent] = []
        while not self._queue.empty():
            events.append(self._queue.get_nowait())
        now = self._clock.now()
        parked: list[WebhookEvent] = []
        if self._parked_seen_at is None or now - self._parked_seen_at >= PARKED_EVERY_S or self._parked_here:
            self._parked_seen_at, self._parked_here = now, False  # another node's parked events: every few s
            parked = await self._store.take_parked(self._batch * 8)
            if len(parked) == self._batch * 8:
                self._wake.set()  # more may be parked: come straight back instead of waiting
                self._parked_here = True
        events += parked
        for event in events:
            for endpoint in await self._subscribers(event.merchant_id, event.type):
                await self._store.add(self._delivery(event, endpoint, self._clock.wall()))

    def _delivery(self, event: WebhookEvent, endpoint: Endpoint, now: float) -> Delivery:
        return Delivery(event.merchant_id, self._new_id("whd"), endpoint.id, event.id, event.type, event.body(),
                        created_at=now, next_attempt_at=now)

    async def _deliver(self, delivery: Delivery) -> None:
        endpoint = await self._endpoints.get(delivery.merchant_id, delivery.endpoint_id)
        if endpoint is None or not endpoint.active:
            await self._store.save(delivery.after(
                Attempt(delivery.merchant_id, delivery.id, delivery.attempts, self._clock.wall(), 0.0, None,
                        error="endpoint removed or disabled"),
                status=DeliveryStatus.FAILED, next_attempt_at=delivery.next_attempt_at))
            return
        await self._settle(delivery, await self._post(delivery, endpoint))

    async def _settle(self, delivery: Delivery, attempt: Attempt) -> None:
        """Store what ``attempt`` made of ``delivery``: delivered, pending until the next try, or failed."""
        if attempt.ok:
            await self._store.save(delivery.after(attempt, status=DeliveryStatus.DELIVERED,
                                                  next_attempt_at=attempt.at))
            return
        wait = self._schedule.next_delay(attempt.number, attempt.at - delivery.created_at, self._rng)
        if wait is None:
            log.warning("webhook delivery gave up", extra={"merchant": delivery.merchant_id,
                                                           "delivery": delivery.id})
            if self.metrics is not None:
                self.metrics.webhook("given_up")
            await self._store.save(delivery.after(attempt, status=DeliveryStatus.FAILED,
                                                  next_attempt_at=attempt.at))
        else:
            await self._store.save(delivery.after(attempt, status=DeliveryStatus.PENDING,
                                                  next_attempt_at=attempt.at + wait))

    async def _post(self, delivery: Delivery, endpoint: Endpoint) -> Attempt:
        at = self._clock.wall()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(endpoint.secret, int(at), delivery.body),
            "Souk-Event": delivery.event_type.value,
            "Souk-Event-Id": delivery.event_id,
            "Souk-Delivery": delivery.id,
        }
        started = self._clock.now()
        number = delivery.attempts + 1
        try:
            response = await self._client.post(endpoint.url, content=delivery.body, headers=headers,
                                               timeout=self._timeout)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL: e.g. a name IDNA refuses
            attempt = Attempt(delivery.merchant_id, delivery.id, number, at,
                              (self._clock.now() - started) * 1000, None,
                              error=truncate(f"{type(exc).__name__}: {exc}"))
        else:
            attempt = Attempt(delivery.merchant_id, delivery.id, number, at,
                              (self._clock.now() - started) * 1000, response.status_code,
                              truncate(response.text))
        await self._store.record_attempt(attempt)
        if self.metrics is not None:
            self.metrics.webhook("delivered" if attempt.ok else "failed", attempt.duration_ms / 1000)
        return attempt
