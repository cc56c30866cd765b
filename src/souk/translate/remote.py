"""Shared HTTP plumbing of the remote providers: one client, status codes mapped to the error kinds."""

from __future__ import annotations

from typing import Any

import httpx

from souk.core.errors import ConfigError, RateLimited
from souk.translate.types import ProviderMalformed, ProviderUnavailable, TranslateError


def check_url(base_url: str, what: str) -> str:
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{what} must be an http(s) URL, got {base_url!r}", code="bad_translate_url")
    return base_url.rstrip("/")


def http_error(provider: str, status: int, body: str) -> Exception:
    if status == 429:
        return RateLimited(f"{provider} rate limited: {body[:200]}", code="translate_rate_limited")
    if status in (401, 403):
        return ConfigError(f"{provider} refused the API key ({status})", code="translate_auth")
    if status >= 500:
        return ProviderUnavailable(f"{provider} server error {status}: {body[:200]}", code="translate_failed")
    return TranslateError(f"{provider} refused the request ({status}): {body[:200]}", code="translate_refused")


async def post_json(client: httpx.AsyncClient, provider: str, url: str, body: dict[str, Any]) -> Any:
    return await _json(client, provider, "POST", url, body)


async def get_json(client: httpx.AsyncClient, provider: str, url: str) -> Any:
    return await _json(client, provider, "GET", url, None)


async def _json(client: httpx.AsyncClient, provider: str, method: str, url: str, body: dict[str, Any] | None) -> Any:
    try:
        resp = await client.request(method, url, json=body)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{provider} timed out: {exc}", code="translate_timeout") from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{provider} unreachable: {exc}", code="translate_unreachable") from exc
    if resp.status_code != 200:
        raise http_error(provider, resp.status_code, resp.text)
    try:
        return resp.json()
    except ValueError as exc:
        raise ProviderMalformed(f"{provider} answered no JSON", code="translate_malformed") from exc


def texts_of(out: Any, n: int, what: str) -> list[str]:
    """The provider's batch answer: exactly ``n`` strings, else ProviderMalformed naming what came (``what``)."""
    if not isinstance(out, list) or len(out) != n or not all(isinstance(t, str) for t in out):
        raise ProviderMalformed(f"{what} instead of {n} strings", code="translate_malformed")
    return out
