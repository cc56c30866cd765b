"""Request ids and the access log: a pure ASGI middleware, outermost, one log scope (souk.core.logctx) per
HTTP request or socket with its ``request_id`` (the caller's ``X-Request-ID`` when it is a sane one, else a
new one; echoed in the response), and one ``souk.access`` line when the request ends or the socket closes:
method, path (never the query string: it may carry a token), status, duration, and the merchant/room/call/
conversation the handlers bound. Separate from the metrics middleware (souk.api metrics, part F)."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from souk.core.logctx import log_scope

log = logging.getLogger("souk.access")

HEADER = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


def incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == HEADER and _SANE.fullmatch(value):
            return str(value.decode("ascii"))
    return None


class RequestIds:
    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = incoming_id(scope) or new_request_id()
        header = (HEADER, rid.encode("ascii"))
        state: dict[str, Any] = {"status": 0}

        async def send_with_id(message: Message) -> None:
            mtype = message["type"]
            if mtype in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", ()), header]}
                state["status"] = message.get("status", 101)
            elif mtype == "websocket.close" and not state["status"]:
                state["status"] = 403  # refused before the accept (the handshake answers 403)
            elif mtype == "websocket.close":
                state["close"] = message.get("code", 1000)
            await send(message)

        start = time.perf_counter()
        with log_scope(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                state["status"] = state["status"] or 500
                raise
            finally:
                if self.access_log:
                    self._line(scope, state, (time.perf_counter() - start) * 1000.0)

    @staticmethod
    def _line(scope: Scope, state: dict[str, Any], ms: float) -> None:
        method = scope.get("method", "WS") if scope["type"] == "http" else "WS"
        path = scope.get("path", "")
        status = int(state["status"] or 500)
        close = state.get("close")
        tail = f" close={close}" if close is not None else ""
        log.info("%s %s %d %.1fms%s", method, path, status, ms, tail,
                 extra={"method": method, "path": path, "status": status, "duration_ms": round(ms, 1)})
