"""Webhook signatures: HMAC-SHA256 over ``f"{timestamp}.{body}"``, sent as ``Souk-Signature: t=<ts>,v1=<hex>``.

``verify()`` is what a receiver runs: constant-time comparison and a replay window (default 300 s).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from souk.core.errors import Unauthenticated

SIGNATURE_HEADER = "Souk-Signature"
DEFAULT_TOLERANCE_S = 300


class InvalidSignature(Unauthenticated, ValueError):
    """The signature header is missing, malformed, wrong, or outside the replay window."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` with the endpoint's secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Souk-Signature`` header value."""
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    """(timestamp, every v1 signature); several v1 values let a merchant rotate secrets."""
    ts: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                ts = int(value)
            except ValueError as exc:
                raise InvalidSignature("bad timestamp in signature header", code="signature_malformed") from exc
        elif key == "v1" and value:
            sigs.append(value)
    if ts is None or not sigs:
        raise InvalidSignature("signature header needs t= and v1=", code="signature_malformed")
    return ts, sigs


def verify(secret: str, header: str | None, body: bytes, *, now: float | None = None,
           tolerance_s: float = DEFAULT_TOLERANCE_S) -> int:
    """Check a received webhook; returns its timestamp or raises InvalidSignature.

    ``body`` must be the raw request bytes (not re-serialized JSON). ``now`` defaults to the system clock.
    """
    if not header:
        raise InvalidSignature("missing Souk-Signature header", code="signature_missing")
    ts, sigs = parse(header)
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise InvalidSignature("signature timestamp outside the replay window", code="signature_expired")
    expected = compute(secret, ts, body)
    if not any(hmac.compare_digest(expected, s) for s in sigs):
        raise InvalidSignature("signature does not match", code="signature_mismatch")
    return ts
