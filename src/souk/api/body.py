"""Request bodies are bounded before any route sees them: size, and the nesting depth of JSON.

A pure ASGI middleware: it reads the body of a request that may carry one (up to ``max_bytes``, refusing a
``Content-Length`` over it without reading), checks JSON nesting (``max_depth``), then replays the body to
the app. A refusal is the REST error envelope: ``413 body_too_large`` or ``400 bad_json``. Without it a
2 kB body nested ~970 levels reached ``json.loads`` and came back as FastAPI's bare ``400`` (RecursionError).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from souk.api.errors import error_response
from souk.core.errors import BadRequest, SoukError, TooLarge
from souk.core.jsondepth import too_deep

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class BodyRule:
    """Another size limit (and error code) for the paths ``path`` matches in full: a photo upload takes more
    than a JSON body (``413 image_too_large`` past ``max_bytes``)."""

    path: re.Pattern[str]
    max_bytes: int
    code: str


def _is_json(scope: Scope) -> bool:
    """FastAPI parses a body as JSON when it says so, or says nothing."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


class BodyLimits:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int, rules: Sequence[BodyRule] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.rules = tuple(rules)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET") in _NO_BODY:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
        except SoukError as exc:
            await error_response(exc)(scope, receive, send)
            return
        if body is None:  # the client went away mid-body
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        max_bytes, code, raw = self.max_bytes, "body_too_large", False
        path = scope.get("path", "")
        for rule in self.rules:
            if rule.path.fullmatch(path):  # a raw upload: its own size limit, never read as JSON
                max_bytes, code, raw = rule.max_bytes, rule.code, True
                break
        too_large = TooLarge(f"request bodies are limited to {max_bytes} bytes", code=code,
                             details={"max_bytes": max_bytes})
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and not raw and _is_json(scope) and too_deep(body, self.max_depth):
            raise BadRequest(f"JSON bodies may nest at most {self.max_depth} levels", code="bad_json",
                             details={"max_depth": self.max_depth})
        return body
