"""What the sync and async clients share and that does no I/O: paths, bodies, answers, errors."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from souk_client.codes import BY_CODE
from souk_client.errors import ServerError, SoukError, error_from_response
from souk_client.retry import parse_retry_after

USER_AGENT = "souk-client-python/0.1.0"
REQUEST_ID_HEADER = "X-Request-ID"


def path(template: str, **params: str) -> str:
    """``path("/v1/rooms/{room_id}", room_id="r 1")`` -> ``/v1/rooms/r%201``: every value quoted whole, so an
    id cannot reach another route (``../``, ``/``)."""
    for key, value in params.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} must be a non-empty string")
        template = template.replace("{" + key + "}", quote(value, safe=""))
    if "{" in template:
        raise ValueError(f"missing path parameters in {template}")
    return template


def body(**fields: Any) -> dict[str, Any]:
    """A JSON body without the arguments the caller left out (None): the server's defaults apply."""
    return {k: jsonable(v) for k, v in fields.items() if v is not None}


def jsonable(value: Any) -> Any:
    """Amounts given as Decimal travel as their exact string (the API takes "12.50" or a whole number of currency units)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def query(**fields: Any) -> dict[str, Any] | None:
    out = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in fields.items() if v is not None}
    return out or None


def decode(response: httpx.Response) -> Any:
    """The answer's JSON (None for 204 or an empty body), or the error it carries, raised."""
    if response.is_success:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:  # a proxy's page answered 200: not Souk's answer
            raise ServerError(f"the answer is not JSON: {response.text[:200]}", code="bad_answer",
                              status=response.status_code, method=response.request.method,
                              url=str(response.request.url),
                              request_id=response.headers.get(REQUEST_ID_HEADER)) from exc
    raise error_of(response)


def error_of(response: httpx.Response) -> SoukError:
    try:
        payload: Any = response.json()
    except ValueError:
        payload = response.text
    return error_from_response(response.status_code, payload,
                               retry_after=parse_retry_after(response.headers.get("Retry-After")),
                               method=response.request.method, url=str(response.request.url),
                               request_id=response.headers.get(REQUEST_ID_HEADER), by_code=BY_CODE)


def new_request_id() -> str:
    """One id per call, sent on every attempt, so the server's logs tie a call's retries together."""
    return "req_sdk_" + secrets.token_hex(8)


def headers(credential: str | None, request_id: str) -> dict[str, str]:
    out = {"User-Agent": USER_AGENT, "Accept": "application/json", REQUEST_ID_HEADER: request_id}
    if credential:
        out["Authorization"] = f"Bearer {credential}"
    return out
