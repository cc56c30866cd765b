"""What a merchant does with its webhooks: endpoints (create, change, rotate the secret, remove), the test
button, the delivery log and "retry now". The API routes parse and authorize; every rule lives here.

Secrets are generated here (or given by the merchant) and shown once, in the answer that set them; after that
only their last four characters are shown (``secret_hint``). Every call takes the merchant first: another
merchant's endpoint or delivery is "not found".
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_store import DeliveryStore, EndpointStore
from souk.desk.webhooks import LOCAL_HOSTS, Attempt, Delivery, Endpoint, EventType, InvalidEndpoint, split_url

SECRET_PREFIX = "whsec_"
HINT_CHARS = 4
SECRET_PATTERN = r"^[!-~]{16,256}$"  # a merchant's own secret: 16-256 visible ASCII characters, no blanks
_SECRET = re.compile(SECRET_PATTERN)


def generate_secret() -> str:
    """``whsec_`` and 43 URL-safe characters (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """What is shown of a secret after the answer that set it: its last four characters."""
    return "…" + secret[-HINT_CHARS:]


def check_public_host(url: str, *, allow_local_http: bool) -> None:
    """Refuse receivers that are this machine or a private network, given as an address (``https://10.0.0.5``,
    ``https://127.1``, ``https://[::ffff:10.0.0.5]``) or as ``localhost``: Souk must not be made to POST into
    its own network. Names that resolve to such addresses are not caught here."""
    _, host, _ = split_url(url)
    if allow_local_http and host in LOCAL_HOSTS:
        return
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        raise InvalidEndpoint("webhook url must not point at this machine", code="webhook_url_private",
                              details={"host": host})
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the short and numeric IPv4 forms resolvers accept: 127.1, 2130706433, 0x7f000001
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return  # a name
    if not address.is_global:
        raise InvalidEndpoint("webhook url must not point at a private, loopback or reserved address",
                              code="webhook_url_private", details={"host": host})


@dataclass(frozen=True, slots=True)
class WithSecret:
    """An endpoint and its secret, the one time the secret is shown (create, rotate)."""

    endpoint: Endpoint
    secret: str


class WebhookAdmin:
    def __init__(self, endpoints: EndpointStore, deliveries: DeliveryStore, dispatcher: Dispatcher, *,
                 allow_local_http: bool = False, max_endpoints: int = 20,
                 new_id: Callable[[str], str] = new_id, new_secret: Callable[[], str] = generate_secret) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self.dispatcher = dispatcher  # the desk's WebhookSink: ``await dispatcher.enqueue(event)``
        self._allow_local = allow_local_http
        self._max = max_endpoints
        self._new_id = new_id
        self._new_secret = new_secret
        self._creating: dict[str, asyncio.Lock] = {}  # per merchant: the endpoint limit holds under concurrency

    # endpoints

    async def create(self, merchant_id: str, *, url: str, events: Iterable[str],
                     secret: str | None = None) -> WithSecret:
        """A new endpoint (400 ``webhook_url`` / ``webhook_url_private`` / ``webhook_event`` /
        ``webhook_secret``; 409 ``webhook_limit`` past the merchant's maximum)."""
        if secret is not None and not _SECRET.match(secret):
            raise InvalidEndpoint("webhook secret must be 16-256 visible ASCII characters (no blanks)",
                                  code="webhook_secret")
        chosen = secret if secret is not None else self._new_secret()
        endpoint = self._build(merchant_id, self._new_id("we"), url, events, chosen, True)
        lock = self._creating.setdefault(merchant_id, asyncio.Lock())
        async with lock:
            held = len(await self._endpoints.list(merchant_id))
            if held >= self._max:
                raise Conflict(f"a merchant may have at most {self._max} webhook endpoints",
                               code="webhook_limit", details={"max": self._max})
            await self._endpoints.put(endpoint)
        self.dispatcher.forget(merchant_id)
        return WithSecret(endpoint, chosen)

    async def endpoints(self, merchant_id: str) -> list[Endpoint]:
        """The merchant's endpoints, oldest first."""
        return await self._endpoints.list(merchant_id)

    async def get(self, merchant_id: str, endpoint_id: str) -> Endpoint:
        """404 ``webhook_endpoint_not_found`` (also for another merchant's endpoint)."""
        endpoint = await self._endpoints.get(merchant_id, endpoint_id)
        if endpoint is None:
            raise NotFound("no such webhook endpoint", code="webhook_endpoint_not_found")
        return endpoint

    async def update(self, merchant_id: str, endpoint_id: str, *, url: str | None = None,
                     events: Iterable[str] | None = None, active: bool | None = None) -> Endpoint:
        """Change what is given; the rest (and the secret) stays. Checked like ``create``."""
        old = await self.get(merchant_id, endpoint_id)
        new = self._build(merchant_id, endpoint_id, old.url if url is None else url,
                          old.events if events is None else events, old.secret,
                          old.active if active is None else active)
        await self._endpoints.put(new)
        self.dispatcher.forget(merchant_id)
        return new

    async def rotate_secret(self, merchant_id: str, endpoint_id: str) -> WithSecret:
        """A fresh generated secret, used from the next attempt on; the old one stops at once."""
        old = await self.get(merchant_id, endpoint_id)
        secret = self._new_secret()
        new = replace(old, secret=secret)
        await self._endpoints.put(new)
        self.dispatcher.forget(merchant_id)
        return WithSecret(new, secret)

    async def delete(self, merchant_id: str, endpoint_id: str) -> None:
        """Pending deliveries to it are marked failed at their next attempt; the log stays in storage."""
        removed = await self._endpoints.remove(merchant_id, endpoint_id)
        self.dispatcher.forget(merchant_id)
        if not removed:
            raise NotFound("no such webhook endpoint", code="webhook_endpoint_not_found")

    # the test button, the delivery log, retry now

    async def send_test(self, merchant_id: str, endpoint_id: str) -> Attempt:
        await self.get(merchant_id, endpoint_id)
        return await self.dispatcher.send_test(merchant_id, endpoint_id)

    async def deliveries(self, merchant_id: str, endpoint_id: str, *, limit: int = 50) -> list[Delivery]:
        """The endpoint's deliveries, newest first."""
        await self.get(merchant_id, endpoint_id)
        return await self._deliveries.list(merchant_id, endpoint_id=endpoint_id, limit=limit)

    async def delivery(self, merchant_id: str, endpoint_id: str, delivery_id: str) -> tuple[Delivery, list[Attempt]]:
        """One delivery with its attempts, oldest first; 404 ``webhook_delivery_not_found``."""
        await self.get(merchant_id, endpoint_id)
        delivery = await self._deliveries.get(merchant_id, delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint_id:
            raise NotFound("no such webhook delivery", code="webhook_delivery_not_found")
        return delivery, await self._deliveries.attempts(merchant_id, delivery_id)

    async def retry(self, merchant_id: str, endpoint_id: str, delivery_id: str) -> Attempt:
        await self.delivery(merchant_id, endpoint_id, delivery_id)
        return await self.dispatcher.retry(merchant_id, delivery_id)

    def _build(self, merchant_id: str, endpoint_id: str, url: str, events: Iterable[EventType | str],
               secret: str, active: bool) -> Endpoint:
        endpoint = Endpoint.build(merchant_id=merchant_id, id=endpoint_id, url=url, events=events, secret=secret,
                                  active=active, allow_local_http=self._allow_local)
        check_public_host(endpoint.url, allow_local_http=self._allow_local)
        return endpoint
