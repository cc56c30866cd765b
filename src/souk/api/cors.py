"""CORS for the storefront embed (docs/embed.md): a shop page on another origin loads /embed.js and the
static SDK modules (public code: ``Access-Control-Allow-Origin: *``) and calls the REST API with a shopper's
bearer token (consults, ICE servers, quality reports). API requests and their preflights from an origin that
some merchant lists in ``[embed] origins`` get that origin back; other origins get no CORS headers, so the
browser refuses the response. A preflight carries no credential, so the union of the merchants' lists is
used; the API takes bearer tokens minted by each merchant's own backend, never cookies, so no credentials are
allowed and an origin cannot borrow a signed-in shopper's session. WebSockets are not subject to CORS (their
tokens are checked as always)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from souk.core.embedsettings import EmbedSettings

ALLOW_HEADERS = "authorization, content-type, x-request-id"
EXPOSE_HEADERS = "x-request-id, retry-after"


def _public(path: str) -> bool:
    """Public code, fetched in CORS mode by <script type="module">."""
    return path == "/embed.js" or path.startswith("/static/")


class Cors:
    def __init__(self, app: ASGIApp, *, embed: EmbedSettings) -> None:
        self.app = app
        self.allowed = embed.allowed()

    def _ok(self, origin: str) -> bool:
        return "*" in self.allowed or origin.lower() in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        path = scope.get("path", "")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if _public(path):
            await self.app(scope, receive, self._with({"access-control-allow-origin": "*"}, send))
            return
        if not self._ok(origin):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in Headers(scope=scope):
            await self._preflight(origin, send)
            return
        await self.app(scope, receive, self._with(
            {"access-control-allow-origin": origin, "access-control-expose-headers": EXPOSE_HEADERS,
             "vary": "Origin"}, send))

    @staticmethod
    def _with(extra: dict[str, str], send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.decode("latin-1") not in extra]
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
                message = {**message, "headers": headers}
            await send(message)
        return wrapped

    @staticmethod
    async def _preflight(origin: str, send: Send) -> None:
        headers = {"access-control-allow-origin": origin, "access-control-allow-methods": "GET, POST, PATCH, DELETE",
                   "access-control-allow-headers": ALLOW_HEADERS, "access-control-max-age": "600",
                   "vary": "Origin", "content-length": "0"}
        await send({"type": "http.response.start", "status": 204,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": b""})

