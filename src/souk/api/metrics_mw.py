"""HTTP and WebSocket metrics by route template (souk.core.metrics; docs/operate.md).

A plain ASGI middleware (no BaseHTTPMiddleware: no extra task or body copy per request). The label is the
matched route's template (``/v1/rooms/{room}``), read after routing from ``scope["route"]``; a request no
route matched is labelled ``unmatched``, so raw paths (ids, probes, scanners) never become series.
It is separate from the request-id/logging middleware (souk.api's logging part) and knows nothing of it.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from souk.core.metrics import Metrics

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class HttpMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500  # an exception before the response started is answered 500 by the outer handler
        start = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.http(scope["method"], route_template(scope), status, time.perf_counter() - start)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        opened: list[str] = []

        async def sending(message: Message) -> None:
            if message["type"] == "websocket.accept" and not opened:
                opened.append(route_template(scope))
                self.metrics.ws_opened(opened[0])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if opened:
                self.metrics.ws_closed(opened[0])

