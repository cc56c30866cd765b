"""Errors of the Souk API, one class per error kind, each carrying the server's stable error code.

Every REST error answers ``{"error": {"code", "kind", "message", "details"?, "retryable"?}}``. The class
is chosen by ``kind`` (which maps to the HTTP status in one place on the server); ``code`` is the stable,
documented reason (``unknown_room``, ``rate_limited``, ...: :data:`souk_client.types.ERROR_CODES` lists
every code the OpenAPI document declares, with its statuses). Like the server's errors, each class also
inherits the matching built-in, so ``except LookupError`` catches a 404 and ``except TimeoutError`` a 504.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SoukError(Exception):
    """A refusal or failure answered by the server (or the transport, for :class:`ConnectionFailed`)."""

    kind: str = "internal"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: dict[str, Any] | None = None, retryable: bool = False,
                 retry_after: float | None = None, method: str = "", url: str = "",
                 request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.kind
        self.status = status
        self.details: dict[str, Any] = details or {}
        self.retryable = retryable
        self.retry_after = retry_after
        self.method = method
        self.url = url
        self.request_id = request_id  # the server's X-Request-ID: quote it to whoever reads the server's logs

    def __str__(self) -> str:
        where = f" ({self.method} {self.url} -> {self.status})" if self.status is not None else ""
        return f"{self.code}: {self.message}{where}"


class BadRequest(SoukError, ValueError):
    kind = "bad_request"


class Unprocessable(BadRequest):
    """422: well-formed input the server cannot take (also ``invalid_request``'s status)."""

    kind = "unprocessable"


class Unauthenticated(SoukError, PermissionError):
    kind = "unauthenticated"


class TokenExpired(Unauthenticated):
    kind = "token_expired"


class Forbidden(SoukError, PermissionError):
    kind = "forbidden"


class NotFound(SoukError, LookupError):
    kind = "not_found"


class Conflict(SoukError):
    kind = "conflict"


class TooLarge(SoukError, ValueError):
    kind = "too_large"


class UnsupportedMedia(SoukError, ValueError):
    kind = "unsupported_media"


class RateLimited(SoukError):
    """429: ``retry_after`` holds the server's ``Retry-After`` in seconds (when it sent one)."""

    kind = "rate_limited"


class Unavailable(SoukError):
    kind = "unavailable"


class Timeout(SoukError, TimeoutError):
    kind = "timeout"


class ConfigError(SoukError):
    kind = "config"


class ServerError(SoukError):
    """A 5xx without the envelope, or kind ``internal``."""

    kind = "internal"


class ConnectionFailed(SoukError, ConnectionError):
    """No answer: the connection was refused, reset or timed out (``status`` is None)."""

    kind = "connection"


class InvalidSignature(SoukError, ValueError):
    """A webhook whose ``Souk-Signature`` is missing, malformed, wrong or outside the replay window (codes
    ``signature_missing``, ``signature_malformed``, ``signature_mismatch``, ``signature_expired``)."""

    kind = "unauthenticated"


BY_KIND: dict[str, type[SoukError]] = {cls.kind: cls for cls in (
    BadRequest, Unprocessable, Unauthenticated, TokenExpired, Forbidden, NotFound, Conflict, TooLarge,
    UnsupportedMedia, RateLimited, Unavailable, Timeout, ConfigError, ServerError)}

# statuses whose answer has no usable kind (a proxy's page, a crash): the class by status
_BY_STATUS: dict[int, type[SoukError]] = {
    400: BadRequest, 401: Unauthenticated, 403: Forbidden, 404: NotFound, 409: Conflict, 413: TooLarge,
    415: UnsupportedMedia, 422: Unprocessable, 429: RateLimited, 503: Unavailable, 504: Timeout}


def error_from_response(status: int, body: Any, *, retry_after: float | None = None, method: str = "",
                        url: str = "", request_id: str | None = None,
                        by_code: Mapping[str, type[SoukError]] | None = None) -> SoukError:
    """The error for a non-2xx answer: from the envelope when there is one, else from the status alone. The
    class is the code's own (``by_code``: souk_client.codes.BY_CODE) when it is documented for that status,
    else the kind's."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict) and isinstance(envelope.get("code"), str):
        kind = str(envelope.get("kind", ""))
        cls = BY_KIND.get(kind) or _BY_STATUS.get(status, ServerError)
        own = (by_code or {}).get(envelope["code"])
        if own is not None and issubclass(own, _BY_STATUS.get(status, ServerError)):
            cls = own
        details = envelope.get("details")
        return cls(str(envelope.get("message", "")), code=envelope["code"], status=status,
                   details=details if isinstance(details, dict) else {},
                   retryable=bool(envelope.get("retryable", False)), retry_after=retry_after,
                   method=method, url=url, request_id=request_id)
    cls = _BY_STATUS.get(status, ServerError)
    text = body if isinstance(body, str) else ""
    return cls(f"HTTP {status}" + (f": {text[:200]}" if text else ""), code=f"http_{status}", status=status,
               retry_after=retry_after, method=method, url=url, request_id=request_id)
