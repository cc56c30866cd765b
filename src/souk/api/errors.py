"""The one place that maps SoukError kinds to HTTP statuses and WebSocket close codes.

Every REST error answers with one envelope, ``{"error": {"code", "kind", "message", "details"?,
"retryable"?}}``: SoukErrors raised by services, request validation (``422 invalid_request``), malformed
JSON (``400 bad_json``), a body FastAPI cannot parse (``400 bad_body``), and the framework's own answers
(``404 not_found`` for an unknown path, ``405 method_not_allowed``). Size and depth limits on bodies answer
in the same envelope from souk.api.body.
"""

from __future__ import annotations

import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from souk.core.errors import ErrorKind, SoukError

HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.UNPROCESSABLE: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.TOKEN_EXPIRED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNSUPPORTED_MEDIA: 415,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TIMEOUT: 504,
    ErrorKind.CONFIG: 500,
    ErrorKind.INTERNAL: 500,
}

# WebSocket close codes (4000-4999 are application-defined).
WS_CLOSE: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 4400,
    ErrorKind.UNPROCESSABLE: 4422,
    ErrorKind.UNAUTHENTICATED: 4401,
    ErrorKind.TOKEN_EXPIRED: 4401,
    ErrorKind.FORBIDDEN: 4403,
    ErrorKind.NOT_FOUND: 4404,
    ErrorKind.CONFLICT: 4409,
    ErrorKind.TOO_LARGE: 4413,
    ErrorKind.UNSUPPORTED_MEDIA: 4415,
    ErrorKind.RATE_LIMITED: 4429,
    ErrorKind.UNAVAILABLE: 4503,
    ErrorKind.TIMEOUT: 4504,
    ErrorKind.CONFIG: 4500,
    ErrorKind.INTERNAL: 4500,
}


def http_status(exc: SoukError) -> int:
    return HTTP_STATUS.get(exc.kind, 500)


def ws_close_code(exc: SoukError) -> int:
    return WS_CLOSE.get(exc.kind, 4500)


# The framework's own HTTPExceptions (routing, body parsing), by status: (kind, code).
_HTTP_EXCEPTION_CODES: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.BAD_REQUEST, "bad_body"),
    404: (ErrorKind.NOT_FOUND, "not_found"),
    405: (ErrorKind.BAD_REQUEST, "method_not_allowed"),
    413: (ErrorKind.TOO_LARGE, "body_too_large"),
}


def retry_after_header(exc: SoukError) -> dict[str, str] | None:
    """``Retry-After`` (whole seconds) for a refusal that says when to come back (429 rate_limited, locked_out)."""
    wait = exc.details.get("retry_after") if exc.kind is ErrorKind.RATE_LIMITED else None
    if not isinstance(wait, (int, float)) or isinstance(wait, bool):
        return None
    return {"Retry-After": str(max(1, math.ceil(wait)))}


def error_response(exc: SoukError, status: int | None = None, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    """The envelope for one error (also used by middleware that answers before routing)."""
    return JSONResponse({"error": exc.to_dict()}, status_code=status or http_status(exc), headers=headers)


def validation_envelope(exc: RequestValidationError) -> JSONResponse:
    """422 invalid_request with where each problem is; a body that is not JSON at all is 400 bad_json."""
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        first = raw[0]
        where = first.get("loc", ("body", 0))
        return error_response(SoukError(
            "the request body is not valid JSON", code="bad_json", kind=ErrorKind.BAD_REQUEST,
            details={"position": where[-1] if where else 0, "error": str(first.get("ctx", {}).get("error", ""))}))
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in raw]
    return error_response(SoukError("request failed validation", code="invalid_request",
                                    kind=ErrorKind.BAD_REQUEST, details={"errors": errors}), status=422)


def install_error_handlers(app: FastAPI) -> None:
    async def souk_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SoukError)
        return error_response(exc, headers=retry_after_header(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_envelope(exc)

    async def http_exception(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        kind, code = _HTTP_EXCEPTION_CODES.get(exc.status_code, (ErrorKind.BAD_REQUEST, f"http_{exc.status_code}"))
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return error_response(SoukError(message, code=code, kind=kind), status=exc.status_code,
                              headers=dict(exc.headers) if exc.headers else None)

    app.add_exception_handler(SoukError, souk_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_exception)
