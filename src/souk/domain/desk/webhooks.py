"""Merchant webhooks: event types, endpoints (with URL validation), events and delivery records.

Pure data, no I/O (storage builds these from its rows). Signing lives in ``souk.desk.webhook_signing``, the
retry schedule in ``souk.desk.webhook_schedule``, the store port in ``souk.desk.webhook_store`` and the
dispatcher (the one place that does I/O) in ``souk.desk.webhook_dispatch``.
Every record carries its merchant: two merchants may use the same endpoint or event ids and never meet.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from souk.core.errors import BadRequest

RESPONSE_KEEP_CHARS = 1024  # how much of a receiver's answer the delivery log keeps
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class EventType(str, Enum):
    CONVERSATION_CREATED = "conversation.created"
    HANDOFF = "handoff"
    ASSIGNED = "assigned"
    MESSAGE = "message"
    CLOSED = "closed"
    CSAT = "csat"
    CALL_STARTED = "call.started"
    CALL_ENDED = "call.ended"
    ORDER_CREATED = "order.created"
    # actions on orders taken for a shopper (souk.assistant.actions)
    ORDER_CANCELLED = "order.cancelled"
    ORDER_UPDATED = "order.updated"  # the shipping address changed before dispatch
    RETURN_CREATED = "return.created"
    EXCHANGE_REQUESTED = "exchange.requested"
    TRACKING_RESENT = "tracking.resent"
    QUALITY_ALERT = "quality.alert"  # call quality: slow joins or failed joins (souk.ops.alerts, docs/quality.md)
    TEST = "webhook.test"  # the "send test event" button; goes to the chosen endpoint whatever it subscribes


SUBSCRIBABLE = frozenset(e for e in EventType if e is not EventType.TEST)


class InvalidEndpoint(BadRequest):
    """An endpoint's URL, events or secret are not acceptable."""


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST = re.compile(r"^[^/\\?#@\[\]:%]+$")  # a name or an IPv4 address: no separators, no escapes


def _refuse(message: str, **details: str) -> InvalidEndpoint:
    return InvalidEndpoint(message, code="webhook_url", details=details or None)


def split_url(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL, host lower-cased and IPv6 without brackets.

    A small parser of RFC 3986's authority (the domain does no I/O and imports no urllib): stricter than
    ``urllib.parse.urlsplit``, it refuses blanks and control characters anywhere, any user info ("@"),
    and hosts holding separators; where both accept a URL they agree (tests/unit/domain/desk).
    """
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _refuse("webhook url must not contain blanks or control characters")
    m = _SCHEME.match(url)
    if m is None or not url[m.end():].startswith("//"):
        raise _refuse("webhook url must be absolute: scheme://host/path")
    scheme, rest = m[1].lower(), url[m.end() + 2:]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc:
        raise _refuse("webhook url must not carry credentials")
    if netloc.startswith("["):
        close = netloc.find("]")
        host, after = (netloc[1:close], netloc[close + 1:]) if close > 0 else ("", "x")
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise _refuse(f"webhook url has a bad IPv6 host: {exc}") from exc
        if after and not after.startswith(":"):
            raise _refuse("webhook url has text after its IPv6 host")
        port_text = after[1:]
    else:
        host, _, port_text = netloc.partition(":")
        if not host:
            raise _refuse("webhook url has no host")
        if not _HOST.match(host):
            raise _refuse("webhook url has a bad host")
    port: int | None = None
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
            raise _refuse("webhook url has a bad port", port=port_text[:10])
        port = int(port_text)
    return scheme, host.lower(), port


def validate_url(url: str, *, allow_local_http: bool = False) -> str:
    """HTTPS only; ``http://127.0.0.1`` / ``localhost`` only when ``allow_local_http`` (tests, dev)."""
    scheme, host, _ = split_url(url)
    if scheme == "https":
        return url
    if scheme == "http" and allow_local_http and host in LOCAL_HOSTS:
        return url
    raise InvalidEndpoint("webhook url must use https", code="webhook_url", details={"scheme": scheme})


@dataclass(frozen=True, slots=True)
class Endpoint:
    merchant_id: str
    id: str
    url: str
    events: frozenset[EventType]
    secret: str
    active: bool = True

    @classmethod
    def build(cls, *, merchant_id: str, id: str, url: str, events: Iterable[EventType | str], secret: str,
              active: bool = True, allow_local_http: bool = False) -> Endpoint:
        """A checked endpoint: valid URL, known subscribable events, a secret of at least 16 characters."""
        try:
            kinds = frozenset(EventType(e) for e in events)
        except ValueError as exc:
            raise InvalidEndpoint(f"unknown webhook event: {exc}", code="webhook_event") from exc
        if not kinds or not kinds <= SUBSCRIBABLE:
            raise InvalidEndpoint("subscribe to at least one event (webhook.test is implicit)",
                                  code="webhook_event")
        if len(secret) < 16:
            raise InvalidEndpoint("webhook secret must have at least 16 characters", code="webhook_secret")
        if not merchant_id or not id:
            raise InvalidEndpoint("endpoint needs a merchant and an id", code="webhook_endpoint")
        return cls(merchant_id, id, validate_url(url, allow_local_http=allow_local_http), kinds, secret, active)

    def wants(self, event_type: EventType) -> bool:
        return self.active and event_type in self.events


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    merchant_id: str
    id: str
    type: EventType
    created_at: float  # unix seconds
    data: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> bytes:
        """The exact bytes that are signed and sent."""
        doc = {"id": self.id, "type": self.type.value, "created": int(self.created_at),
               "merchant_id": self.merchant_id, "data": dict(self.data)}
        return json.dumps(doc, separators=(",", ":"), sort_keys=True, default=str).encode()


class DeliveryStatus(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the schedule's limit, or the endpoint is gone


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event to one endpoint: its body is frozen at creation so every retry sends the same bytes."""

    merchant_id: str
    id: str
    endpoint_id: str
    event_id: str
    event_type: EventType
    body: bytes
    created_at: float
    next_attempt_at: float
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_response: str = ""

    def after(self, attempt: Attempt, *, status: DeliveryStatus, next_attempt_at: float) -> Delivery:
        return replace(self, status=status, attempts=attempt.number, next_attempt_at=next_attempt_at,
                       last_status_code=attempt.status_code,
                       last_response=attempt.response if attempt.error is None else attempt.error)


@dataclass(frozen=True, slots=True)
class Attempt:
    merchant_id: str
    delivery_id: str
    number: int  # 1-based
    at: float  # unix seconds
    duration_ms: float
    status_code: int | None  # None: no HTTP answer (connection refused, timeout)
    response: str = ""  # the first RESPONSE_KEEP_CHARS characters of the answer
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def truncate(text: str, limit: int = RESPONSE_KEEP_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
