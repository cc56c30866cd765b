"""Error answers become SoukError subclasses by kind, carrying the stable code; answers without the envelope
(a proxy's page) still get the class of their status."""

from __future__ import annotations

import pytest
from souk_client import codes
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


def test_a_documented_code_gets_its_own_class_under_its_kind() -> None:
    envelope = {"error": {"code": "unknown_room", "kind": "not_found", "message": "no room 'x'"}}
    made = e.error_from_response(404, envelope, by_code=codes.BY_CODE)
    assert type(made) is codes.UnknownRoom and isinstance(made, e.NotFound) and made.code == "unknown_room"
    invalid = e.error_from_response(422, {"error": {"code": "invalid_request", "kind": "bad_request",
                                                    "message": "m"}}, by_code=codes.BY_CODE)
    assert isinstance(invalid, codes.InvalidRequest) and isinstance(invalid, e.BadRequest)
    expired = e.error_from_response(401, {"error": {"code": "token_expired", "kind": "token_expired",
                                                    "message": "m"}}, by_code=codes.BY_CODE)
    assert type(expired) is e.TokenExpired  # a code named like its kind is the kind's class


def test_a_code_under_a_status_it_is_not_documented_for_gets_its_kinds_class() -> None:
    made = e.error_from_response(409, {"error": {"code": "unknown_room", "kind": "conflict", "message": "m"}},
                                 by_code=codes.BY_CODE)
    assert type(made) is e.Conflict and made.code == "unknown_room"
    unknown = e.error_from_response(404, {"error": {"code": "a_code_from_a_newer_server", "kind": "not_found",
                                                    "message": "m"}}, by_code=codes.BY_CODE)
    assert type(unknown) is e.NotFound and unknown.code == "a_code_from_a_newer_server"
