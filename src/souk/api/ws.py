"""WebSocket helpers shared by the JSON sockets (agent text, voice): first-message auth, refuse, close."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import WebSocket, WebSocketDisconnect

from souk.api.errors import ws_close_code
from souk.auth.tokens import AccessClaims, TokenService
from souk.core.errors import SoukError, Unauthenticated

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
        msg = json.loads(text) if len(text) <= max_bytes else None
    except ValueError:
        msg = None
    if not isinstance(msg, dict) or msg.get("type") != "auth" or not isinstance(msg.get("token"), str):
        raise Unauthenticated('first message must be {"type":"auth","token":...}', code="token_missing")
    return tokens.verify(msg["token"])


async def refuse(ws: WebSocket, exc: SoukError, frame: str | None = None) -> None:
    """Send an error frame (JSON of the error by default), then close with the error's close code."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.send_text(frame if frame is not None else json.dumps({"type": "error", **exc.to_dict()}))
    await close(ws, ws_close_code(exc), exc.code)


async def close(ws: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close(code=code, reason=reason[:120])
