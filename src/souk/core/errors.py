"""One root error with a kind and a retryable flag.

Kinds map to HTTP statuses and WebSocket error codes in exactly one place (souk.api.errors).
Library errors also inherit the matching built-in so callers can catch either.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorKind(str, Enum):
    BAD_REQUEST = "bad_request"
    UNPROCESSABLE = "unprocessable"  # well-formed input whose content fails validation (e.g. a store file)
    UNAUTHENTICATED = "unauthenticated"
    TOKEN_EXPIRED = "token_expired"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA = "unsupported_media"  # a body of a type the operation does not take (e.g. a GIF photo)
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    CONFIG = "config"
    INTERNAL = "internal"


class SoukError(Exception):
    kind: ErrorKind = ErrorKind.INTERNAL
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        kind: ErrorKind | None = None,
        retryable: bool | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        if retryable is not None:
            self.retryable = retryable
        self.code = code or self.kind.value
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "kind": self.kind.value, "message": self.message}
        if self.retryable:
            out["retryable"] = True
        if self.details:
            out["details"] = self.details
        return out


class BadRequest(SoukError, ValueError):
    kind = ErrorKind.BAD_REQUEST


class Unprocessable(SoukError, ValueError):
    kind = ErrorKind.UNPROCESSABLE


class Unauthenticated(SoukError):
    kind = ErrorKind.UNAUTHENTICATED


class TokenExpired(Unauthenticated):
    kind = ErrorKind.TOKEN_EXPIRED


class Forbidden(SoukError, PermissionError):
    kind = ErrorKind.FORBIDDEN


class NotFound(SoukError, LookupError):
    kind = ErrorKind.NOT_FOUND


class Conflict(SoukError):
    kind = ErrorKind.CONFLICT


class TooLarge(SoukError, ValueError):
    kind = ErrorKind.TOO_LARGE


class UnsupportedMedia(SoukError, ValueError):
    kind = ErrorKind.UNSUPPORTED_MEDIA


class RateLimited(SoukError):
    kind = ErrorKind.RATE_LIMITED
    retryable = True


class Unavailable(SoukError, ConnectionError):
    kind = ErrorKind.UNAVAILABLE
    retryable = True


class Timeout(SoukError, TimeoutError):
    kind = ErrorKind.TIMEOUT
    retryable = True


class ConfigError(SoukError):
    kind = ErrorKind.CONFIG
