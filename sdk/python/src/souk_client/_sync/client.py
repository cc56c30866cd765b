# Generated from the _async package by sdk/python/tools/generate.py: do not edit by hand.
"""The synchronous Souk client: one connection pool, one credential, a retry policy, the resources.

    with Souk("https://souk.example", api_key="sk_...") as souk:
        token = souk.tokens.mint(identity="u1", room="lobby", role="member")
        shopper = souk.with_credential(token["token"])      # same pool, the shopper's token
        call = shopper.consults.request(product_sku="LMN-BAG-01")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import httpx

from souk_client import _http
from souk_client._sync.resources import (
    Consults,
    Merchants,
    Rooms,
    Tokens,
    Webhooks,
)
from souk_client._sync.resources_live import Desk, Live
from souk_client.errors import ConfigError, ConnectionFailed
from souk_client.retry import RetryPolicy

DEFAULT_TIMEOUT_S = 30.0


class Souk:
    """A client of one Souk server. ``api_key`` (``sk_...``) or ``token`` (an access token) is the bearer of
    every call; ``operator_token`` is used by :attr:`merchants` only (the operator API)."""

    def __init__(self, base_url: str, *, api_key: str | None = None, token: str | None = None,
                 operator_token: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
                 retry: RetryPolicy | None = None, http: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep
                 ) -> None:
        if api_key is not None and token is not None:
            raise ValueError("give api_key or token, not both")
        self.base_url = base_url.rstrip("/")
        self.credential = api_key or token
        self.operator_token = operator_token
        self.retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self.tokens = Tokens(self)
        self.merchants = Merchants(self)
        self.rooms = Rooms(self)
        self.consults = Consults(self)
        self.webhooks = Webhooks(self)
        self.live = Live(self)
        self.desk = Desk(self)

    def with_credential(self, credential: str) -> Souk:
        """A client acting as ``credential`` (an access token or another key) over this client's connections;
        closing it leaves them open."""
        return Souk(self.base_url, token=credential, operator_token=self.operator_token, retry=self.retry,
                         http=self._http, sleep=self._sleep)

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                      credential: str | None = None, request_id: str | None = None) -> Any:
        """One call: the answer's JSON, or a :class:`SoukError` subclass carrying the server's error code.
        429 and 503 are retried per :attr:`retry` (honouring ``Retry-After``), and so is a request that was
        never sent (no connection opened in time). A timeout after sending is raised, never repeated. Every
        attempt carries the same ``X-Request-ID`` (``request_id``, or a new one); an error carries the
        server's (``request_id``), which names the call in the server's logs."""
        bearer = credential if credential is not None else self.credential
        call_id = request_id or _http.new_request_id()
        sent_headers = _http.headers(bearer, call_id)
        retry = 0
        while True:
            try:
                response = self._http.request(method, path, json=json, params=params,
                                                    headers=sent_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:  # nothing was sent
                wait = self.retry.delay(retry, None, None)
                if wait is None:
                    raise ConnectionFailed(f"cannot connect to {self.base_url}: {exc}", code="connect_failed",
                                           method=method, url=self.base_url + path, request_id=call_id) from exc
            except httpx.TimeoutException as exc:
                raise ConnectionFailed(f"no answer in time: {exc}", code="transport_timeout", method=method,
                                       url=self.base_url + path, request_id=call_id) from exc
            except httpx.TransportError as exc:
                raise ConnectionFailed(f"the connection failed: {exc}", code="transport_error", method=method,
                                       url=self.base_url + path, request_id=call_id) from exc
            else:
                if response.is_success:
                    return _http.decode(response)
                error = _http.error_of(response)
                wait = self.retry.delay(retry, response.status_code, error.retry_after)
                if wait is None:
                    raise error
            self._sleep(wait)
            retry += 1

    def operator_request(self, method: str, path: str, *, json: Any = None) -> Any:
        if not self.operator_token:
            raise ConfigError("the operator API needs the client's operator_token", code="operator_token_missing")
        return self.request(method, path, json=json, credential=self.operator_token)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.close()
