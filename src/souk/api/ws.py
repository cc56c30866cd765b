"""WebSocket helpers shared by the sockets: first-message auth, refuse, close, and the token watch that
ends a socket when its token expires (4401 ``token_expired``) or is revoked (4403 ``token_revoked``)."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import WebSocket, WebSocketDisconnect

from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.auth.guard import OnEnd, Watch
from souk.auth.tokens import AccessClaims, TokenService
from souk.core.errors import SoukError, Unauthenticated, Unavailable
from souk.core.jsondepth import too_deep

AUTH_TIMEOUT_S = 10.0


async def authenticate(ws: WebSocket, tokens: TokenService, *, max_bytes: int = 8192) -> AccessClaims:
    """The token from ``?token=``, or from a first ``{"type":"auth","token":...}`` message within 10 s."""
    token = ws.query_params.get("token")
    if token:
        return tokens.verify(token)
    try:
        message = await asyncio.wait_for(ws.receive(), AUTH_TIMEOUT_S)
    except TimeoutError as exc:
        raise Unauthenticated(f"no auth message within {AUTH_TIMEOUT_S:g} s", code="token_missing") from exc
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(1000)
    text = message.get("text") or ""
    try:
        msg = json.loads(text) if len(text) <= max_bytes and not too_deep(text) else None
    except ValueError:
        msg = None
    if not isinstance(msg, dict) or msg.get("type") != "auth" or not isinstance(msg.get("token"), str):
        raise Unauthenticated('first message must be {"type":"auth","token":...}', code="token_missing")
    return tokens.verify(msg["token"])


def watch_token(ctx: AppContext, claims: AccessClaims, on_end: OnEnd) -> Watch:
    """``on_end(error)`` once when the socket's token expires or is revoked; cancel the watch on close."""
    if ctx.guard is None:
        raise Unavailable("the token guard is not running", code="guard_unavailable")
    return ctx.guard.watch(claims, on_end)


async def refuse(ws: WebSocket, exc: SoukError, frame: str | None = None) -> None:
    """Send an error frame (JSON of the error by default), then close with the error's close code."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.send_text(frame if frame is not None else json.dumps({"type": "error", **exc.to_dict()}))
    await close(ws, ws_close_code(exc), exc.code)


CLOSE_TIMEOUT_S = 2.0


async def close(ws: WebSocket, code: int, reason: str) -> None:
    """Close with a code; a client that does not read may never take the close frame: do not wait on it."""
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, TimeoutError, OSError):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await ws.close(code=code, reason=reason.encode()[:120].decode(errors="ignore"))


class Ending:
    """Ends a socket from the server side (its token expired or was revoked, it stopped reading): one owned
    task sends the error frame and closes with the error's code; the read loop's pending ``receive()`` then
    returns the disconnect, and ``error`` says why."""

    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws
        self.error: SoukError | None = None
        self._closer: asyncio.Task[None] | None = None

    def end(self, error: SoukError, *, say: bool = True) -> None:
        if self.error is None:
            self.error = error
            self._closer = asyncio.get_running_loop().create_task(self._close(error, say), name="ws-ending")

    async def _close(self, error: SoukError, say: bool) -> None:
        if say:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect, TimeoutError, OSError):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await self._ws.send_text(json.dumps({"type": "error", **error.to_dict()}))
        reason = json.dumps({"code": error.code, **error.details}) if error.details else error.code
        await close(self._ws, ws_close_code(error), reason)

    async def aclose(self) -> None:
        if self._closer is not None:
            await asyncio.gather(self._closer, return_exceptions=True)
