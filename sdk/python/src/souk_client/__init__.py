"""Python clients for the Souk REST API: ``Souk`` (sync) and ``AsyncSouk`` (async), the errors with their
stable codes, the retry policy, and webhook signature verification. docs/sdk.md has the guide."""

from souk_client._async.client import AsyncSouk
from souk_client._sync.client import Souk
from souk_client.errors import (
    BadRequest,
    ConfigError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidSignature,
    NotFound,
    RateLimited,
    ServerError,
    SoukError,
    Timeout,
    TokenExpired,
    TooLarge,
    Unauthenticated,
    Unavailable,
    Unprocessable,
    UnsupportedMedia,
)
from souk_client.retry import NO_RETRY, RetryPolicy
from souk_client.webhooks import WebhookEvent, construct_event, sign, verify_signature

__version__ = "0.1.0"

__all__ = [
    "NO_RETRY", "AsyncSouk", "BadRequest", "ConfigError", "Conflict", "ConnectionFailed", "Forbidden",
    "InvalidSignature", "NotFound", "RateLimited", "RetryPolicy", "ServerError", "Souk", "SoukError", "Timeout",
    "TokenExpired", "TooLarge", "Unauthenticated", "Unavailable", "Unprocessable", "UnsupportedMedia",
    "WebhookEvent", "__version__", "construct_event", "sign", "verify_signature",
]
