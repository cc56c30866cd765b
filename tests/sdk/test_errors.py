"""Error answers become SoukError subclasses by kind, carrying the stable code; answers without the envelope
(a proxy's page) still get the class of their status."""

from __future__ import annotations

import pytest
from souk_client import errors as e
from souk_client._http import path

from souk.api.errors import HTTP_STATUS
from souk.core.errors import ErrorKind


def test_every_server_kind_has_a_class_with_the_servers_status() -> None:
    for kind, status in HTTP_STATUS.items():
        cls = e.BY_KIND[kind.value]
        made = e.error_from_response(status, {"error": {"code": "x_code", "kind": kind.value, "message": "m"}})
        assert type(made) is cls and made.code == "x_code" and made.status == status
    assert set(e.BY_KIND) == {k.value for k in ErrorKind}


def test_the_envelope_fields_travel() -> None:
    made = e.error_from_response(429, {"error": {
        "code": "rate_limited", "kind": "rate_limited", "message": "slow down", "retryable": True,
        "details": {"retry_after": 3}}}, retry_after=3.0, method="POST", url="http://x/v1/tokens")
    assert isinstance(made, e.RateLimited) and made.retryable and made.details == {"retry_after": 3}
    assert made.retry_after == 3.0 and str(made) == "rate_limited: slow down (POST http://x/v1/tokens -> 429)"


@pytest.mark.parametrize(("status", "cls", "builtin"), [
    (404, e.NotFound, LookupError), (400, e.BadRequest, ValueError), (403, e.Forbidden, PermissionError),
    (504, e.Timeout, TimeoutError), (502, e.ServerError, Exception), (503, e.Unavailable, Exception)])
def test_a_page_without_the_envelope_gets_its_statuss_class(status: int, cls: type, builtin: type) -> None:
    made = e.error_from_response(status, "<html>bad gateway</html>")
    assert type(made) is cls and isinstance(made, builtin) and made.code == f"http_{status}"
    assert "bad gateway" in made.message


def test_path_parameters_are_quoted_whole() -> None:
    assert path("/v1/rooms/{room_id}", room_id="a/../b c") == "/v1/rooms/a%2F..%2Fb%20c"
    with pytest.raises(ValueError):
        path("/v1/rooms/{room_id}", room_id="")
    with pytest.raises(ValueError):
        path("/v1/rooms/{room_id}/x/{other}", room_id="r")
