"""The cross-node bus: one Protocol, a memory backend and a Redis (pub/sub) backend.

A message is published on a topic (``calls``, ``stage``) for one merchant: the channel is
``<prefix>:<topic>:<merchant>``, so every message carries its merchant. Every node subscribed to the topic gets
it, the sender included (receivers drop their own by the origin they put in the payload). Delivery is at most
once and in order per channel; a node that was cut off from Redis misses what was said meanwhile, so
consumers keep the truth elsewhere (the database, :mod:`souk.cluster.state`) and use the bus to hear of
changes early.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.errors import BadRequest, Unavailable
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]  # (merchant_id, payload); must not block
MAX_PAYLOAD = 256 * 1024


class Bus(Protocol):
    def subscribe(self, topic: str, handler: Handler) -> None:
        """Deliver this topic's messages (of every merchant) to ``handler`` (before or after :meth:`start`)."""

    async def start(self) -> None: ...

    async def publish(self, topic: str, merchant_id: str, payload: bytes) -> None: ...

    async def aclose(self) -> None: ...


def _check(topic: str, merchant_id: str, payload: bytes) -> None:
    if not topic or ":" in topic:
        raise BadRequest(f"bad bus topic {topic!r}", code="bad_topic")
    if not merchant_id:
        raise BadRequest("a bus message needs its merchant", code="bad_merchant")
    if len(payload) > MAX_PAYLOAD:
        raise BadRequest(f"bus message of {len(payload)} bytes exceeds {MAX_PAYLOAD}", code="too_large")


def _deliver(handlers: list[Handler], merchant_id: str, payload: bytes) -> None:
    for handler in handlers:
        try:
            handler(merchant_id, payload)
        except Exception:  # one consumer's bug must not stop the others
            log.exception("bus handler %r failed", handler)


# ------------------------------------------------------------------ memory


class MemoryBusHub:
    """What memory buses share: one process, or several simulated nodes in a test."""

    def __init__(self) -> None:
        self.buses: list[MemoryBus] = []


class MemoryBus:
    def __init__(self, hub: MemoryBusHub | None = None) -> None:
        self._hub = hub or MemoryBusHub()
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._queue: asyncio.Queue[tuple[str, str, bytes]] = asyncio.Queue(maxsize=10_000)
        self._tasks = TaskOwner("bus-memory")
        self._started = False

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._hub.buses.append(self)
        self._tasks.spawn(self._pump(), "pump")

    async def publish(self, topic: str, merchant_id: str, payload: bytes) -> None:
        _check(topic, merchant_id, payload)
        for bus in list(self._hub.buses):
            if topic in bus._handlers:
                try:
                    bus._queue.put_nowait((topic, merchant_id, payload))
                except asyncio.QueueFull:
                    log.error("memory bus: a consumer is 10000 messages behind; dropping a %s message", topic)

    async def _pump(self) -> None:  # delivers outside the publisher's call, like a real bus
        while True:
            topic, merchant_id, payload = await self._queue.get()
            _deliver(self._handlers.get(topic, []), merchant_id, payload)

    async def aclose(self) -> None:
        if self in self._hub.buses:
            self._hub.buses.remove(self)
        await self._tasks.aclose()


# ------------------------------------------------------------------ redis


class RedisBus:
    """PUBLISH on ``<prefix>:<topic>:<merchant>``; one PSUBSCRIBE ``<prefix>:*``, dispatched by topic. A lost
    connection is re-established with back-off (messages said meanwhile are missed; see the module doc)."""

    def __init__(self, url: str, *, prefix: str = "souk:bus") -> None:
        self._url = url
        self._prefix = prefix
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._r: Any = None
        self._tasks = TaskOwner("bus-redis")
        self._ready = asyncio.Event()
        self._closed = False

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    async def start(self) -> None:
        if self._r is not None:
            return
        self._r = aioredis.Redis.from_url(self._url)
        try:
            await self._r.ping()
        except RedisError as exc:
            raise Unavailable(f"the cluster bus cannot reach Redis: {exc}", code="bus_unavailable") from exc
        self._tasks.spawn(self._listen(), "listen")
        try:
            await asyncio.wait_for(self._ready.wait(), 10)
        except TimeoutError as exc:
            raise Unavailable("the cluster bus could not subscribe", code="bus_unavailable") from exc

    async def publish(self, topic: str, merchant_id: str, payload: bytes) -> None:
        _check(topic, merchant_id, payload)
        if self._r is None:
            raise Unavailable("the cluster bus is not started", code="bus_unavailable")
        try:
            await self._r.publish(f"{self._prefix}:{topic}:{merchant_id}", payload)
        except RedisError as exc:
            raise Unavailable(f"cluster bus publish failed: {exc}", code="bus_unavailable",
                              retryable=True) from exc

    async def _listen(self) -> None:
        backoff = 0.1
        while not self._closed:
            pubsub = self._r.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{self._prefix}:*")  # every topic: a handler may subscribe later
                self._ready.set()
                backoff = 0.1
                while True:
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg is not None and msg.get("type") == "pmessage":
                        self._dispatch(msg["channel"], msg["data"])
            except (RedisError, OSError) as exc:
                log.warning("cluster bus: lost Redis (%s); resubscribing in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()
                except (RedisError, OSError):
                    pass

    def _dispatch(self, channel: bytes | str, data: bytes) -> None:
        name = channel.decode() if isinstance(channel, bytes) else channel
        rest = name[len(self._prefix) + 1:]
        topic, _, merchant_id = rest.partition(":")
        if merchant_id:
            _deliver(self._handlers.get(topic, []), merchant_id, data)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        if self._r is not None:
            await self._r.aclose()
