"""The one place that maps SoukError kinds to HTTP statuses and WebSocket close codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from souk.core.errors import ErrorKind, SoukError

HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.TOKEN_EXPIRED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TIMEOUT: 504,
    ErrorKind.CONFIG: 500,
    ErrorKind.INTERNAL: 500,
}

# WebSocket close codes (4000-4999 are application-defined).
WS_CLOSE: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 4400,
    ErrorKind.UNAUTHENTICATED: 4401,
    ErrorKind.TOKEN_EXPIRED: 4401,
    ErrorKind.FORBIDDEN: 4403,
    ErrorKind.NOT_FOUND: 4404,
    ErrorKind.CONFLICT: 4409,
    ErrorKind.TOO_LARGE: 4413,
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


def install_error_handlers(app: FastAPI) -> None:
    async def souk_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SoukError)
        return JSONResponse({"error": exc.to_dict()}, status_code=http_status(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        body = {"error": {"code": "invalid_request", "kind": "bad_request",
                          "message": "request failed validation", "details": {"errors": errors}}}
        return JSONResponse(body, status_code=422)

    app.add_exception_handler(SoukError, souk_error)
    app.add_exception_handler(RequestValidationError, validation_error)
