"""Verify the webhooks Souk sends: the same scheme as the server (souk.desk.webhook_signing).

Each delivery carries ``Souk-Signature: t=<unix seconds>,v1=<hex>`` where the hex is
HMAC-SHA256(secret, ``b"<t>." + raw_body``). Several ``v1`` values may appear (a secret being rotated);
one match is enough. The timestamp must be within ``tolerance_s`` of now, so a captured delivery cannot be
replayed later. Pass the raw request bytes, never re-serialized JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from souk_client.errors import InvalidSignature

SIGNATURE_HEADER = "Souk-Signature"
EVENT_HEADER = "Souk-Event"
EVENT_ID_HEADER = "Souk-Event-Id"
DELIVERY_HEADER = "Souk-Delivery"
DEFAULT_TOLERANCE_S = 300.0


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified event: ``id`` is the same on every retry (ignore ids already processed)."""

    id: str
    type: str
    merchant_id: str
    created: int
    data: dict[str, Any]
    timestamp: int  # the signature's t=


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """A ``Souk-Signature`` value (for tests of a receiver)."""
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError as exc:
                raise InvalidSignature("bad timestamp in the signature header", code="signature_malformed") from exc
        elif key == "v1" and value:
            sigs.append(value)
    if stamp is None or not sigs:
        raise InvalidSignature("the signature header needs t= and v1=", code="signature_malformed")
    return stamp, sigs


def verify_signature(secret: str | list[str], header: str | None, body: bytes, *,
                     tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> int:
    """Check one delivery; returns the signature's timestamp or raises :class:`InvalidSignature`.

    ``secret`` may be a list (the old and the new one while you rotate)."""
    if not header:
        raise InvalidSignature("missing Souk-Signature header", code="signature_missing")
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("body must be the raw request bytes")
    stamp, sigs = _parse(header)
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_s:
        raise InvalidSignature("signature timestamp outside the replay window", code="signature_expired")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    for one in secrets:
        expected = compute_signature(one, stamp, bytes(body))
        if any(hmac.compare_digest(expected, s) for s in sigs):
            return stamp
    raise InvalidSignature("signature does not match", code="signature_mismatch")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def construct_event(secret: str | list[str], headers: Mapping[str, str], body: bytes, *,
                    tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> WebhookEvent:
    """Verify a delivery from its headers and raw body, then parse it into a :class:`WebhookEvent`."""
    stamp = verify_signature(secret, _header(headers, SIGNATURE_HEADER), body, tolerance_s=tolerance_s, now=now)
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise InvalidSignature("the signed body is not JSON", code="signature_malformed") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise InvalidSignature("the signed body is not a Souk event", code="signature_malformed")
    data = payload.get("data")
    return WebhookEvent(id=str(payload.get("id", "")), type=payload["type"],
                        merchant_id=str(payload.get("merchant_id", "")), created=int(payload.get("created", 0)),
                        data=data if isinstance(data, dict) else {}, timestamp=stamp)
