"""Text transports of the shopping assistant: REST and a WebSocket.

REST (``Authorization: Bearer <access token>``):
  POST   /v1/agent/sessions                      {"language"?}          -> {"session_id", ...}
  POST   /v1/agent/sessions/{id}/messages        {"text", "language"?}  -> a reply (text, language, handoff,
                                                                            handoff_reason, tool_calls, cards)
  DELETE /v1/agent/sessions/{id}
WebSocket ``/v1/agent/ws`` (``?token=`` or a first message ``{"type":"auth","token":...}``):
  client: {"type":"message","text":...,"language"?}  {"type":"ping"}  {"type":"bye"}
  server: {"type":"ready","session_id"}  {"type":"reply",...}  {"type":"pong"}  {"type":"error",...}

A shopper token's identity is the customer id (or ``metadata.customer_id``); guests and audience tokens
are anonymous and must prove ownership of an order (order id + e-mail) before seeing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from souk.agent.brain import BrainReply
from souk.api import ws as ws_helpers
from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.api.openapi import errors
from souk.api.params import SessionId
from souk.assistant.service import AssistantService
from souk.auth.tokens import AccessClaims, Role
from souk.core.errors import BadRequest, SoukError, Timeout, TooLarge, Unavailable

log = logging.getLogger(__name__)
router = APIRouter()

MAX_TEXT_CHARS = 20_000  # a 10 kB message still gets an answer; the brain reads its first 2,000 characters
MAX_BAD_IN_A_ROW = 20
REPLY_TIMEOUT_S = 30.0
# a session that is gone (closed, idled out) or another shopper's
SESSION = {403: ["not_your_conversation"], 404: ["unknown_conversation"], 503: ["assistant_unavailable"]}


def _service(ctx: AppContext) -> AssistantService:
    service = ctx.assistant
    if not isinstance(service, AssistantService):
        raise Unavailable("the text assistant is not configured on this server", code="assistant_unavailable")
    return service


def customer_of(claims: AccessClaims) -> str | None:
    if claims.role in (Role.GUEST, Role.AUDIENCE):
        return None
    cid = claims.metadata.get("customer_id")
    return str(cid) if cid else claims.identity


def reply_body(reply: BrainReply) -> dict[str, Any]:
    return {
        "text": reply.text, "language": reply.language, "handoff": reply.handoff,
        "handoff_reason": reply.handoff_reason,
        "tool_calls": [{"name": c.name, "arguments": c.arguments, "result": c.result, "error": c.error}
                       for c in reply.tool_calls],
        "cards": list(reply.cards),
        "metadata": {k: v for k, v in reply.metadata.items() if isinstance(v, (str, int, float, bool))},
    }


class OpenBody(BaseModel):
    language: str | None = Field(default=None, max_length=8)


class MessageBody(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)
    language: str | None = Field(default=None, max_length=8)


@router.post("/v1/agent/sessions", responses=errors(
    {404: ["unknown_merchant"], 503: ["assistant_unavailable"]}))
async def open_session(claims: Claims, ctx: Ctx, body: OpenBody | None = None) -> dict[str, Any]:
    service = _service(ctx)
    conv = await service.open(claims.merchant_id, claims.identity, customer_of(claims),
                              language=body.language if body else None)
    return {"session_id": conv.id, "merchant_id": conv.merchant_id, "signed_in": customer_of(claims) is not None}


@router.post("/v1/agent/sessions/{session_id}/messages", responses=errors(
    SESSION, {504: ["assistant_timeout"]}))
async def send_message(session_id: SessionId, body: MessageBody, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    conv = _service(ctx).get(session_id, claims.merchant_id, claims.identity)
    return reply_body(await _reply(conv, body.text, body.language))


async def _reply(conv: Any, text: str, language: str | None) -> BrainReply:
    async with conv.lock:
        try:
            reply: BrainReply = await asyncio.wait_for(conv.session.reply(text, language_hint=language),
                                                       REPLY_TIMEOUT_S)
        except TimeoutError as exc:
            raise Timeout("the assistant took too long to answer", code="assistant_timeout") from exc
    return reply


@router.delete("/v1/agent/sessions/{session_id}", responses=errors(SESSION))
async def close_session(session_id: SessionId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    await _service(ctx).close(session_id, claims.merchant_id, claims.identity)
    return {"closed": True}


@router.websocket("/v1/agent/ws")
async def agent_ws(ws: WebSocket) -> None:
    ctx: AppContext = ws.app.state.ctx
    await ws.accept()
    try:
        claims = await ws_helpers.authenticate(ws, ctx.tokens, max_bytes=8192)
        service = _service(ctx)
        conv = await service.open(claims.merchant_id, claims.identity, customer_of(claims),
                                  language=ws.query_params.get("language"))
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    await ws.send_text(json.dumps({"type": "ready", "session_id": conv.id}))
    bad = 0
    try:
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            try:
                if frame.get("text") is None:
                    raise BadRequest("send text frames with JSON messages", code="binary_not_supported")
                msg = _parse(frame["text"])
                if msg["type"] == "ping":
                    await ws.send_text('{"type":"pong"}')
                    continue
                if msg["type"] == "bye":
                    break
                reply = await _reply(conv, msg["text"], msg.get("language"))
                service.get(conv.id, claims.merchant_id, claims.identity)  # touch: keeps it from idling out
                await ws.send_text(json.dumps({"type": "reply", **reply_body(reply)}, ensure_ascii=False,
                                              default=str))
                bad = 0
            except SoukError as exc:
                bad += 1
                await ws.send_text(json.dumps({"type": "error", **exc.to_dict()}))
                if bad >= MAX_BAD_IN_A_ROW:
                    await ws_helpers.close(ws, ws_close_code(exc), "too many bad messages")
                    return
    except WebSocketDisconnect:
        pass
    finally:
        with contextlib.suppress(SoukError):
            await service.close(conv.id, claims.merchant_id, claims.identity)
    await ws_helpers.close(ws, 1000, "bye")


def _parse(raw: str) -> dict[str, Any]:
    if len(raw) > MAX_TEXT_CHARS * 4 + 1024:
        raise TooLarge(f"messages are limited to {MAX_TEXT_CHARS} characters of text", code="message_too_large")
    try:
        msg = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("messages must be JSON objects", code="bad_json") from exc
    if not isinstance(msg, dict) or msg.get("type") not in ("message", "ping", "bye"):
        raise BadRequest('expected {"type":"message","text":...}', code="bad_message")
    if msg["type"] == "message":
        text = msg.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be a string", code="bad_message")
        if len(text) > MAX_TEXT_CHARS:
            raise TooLarge(f"messages are limited to {MAX_TEXT_CHARS} characters", code="message_too_large")
        lang = msg.get("language")
        if lang is not None and (not isinstance(lang, str) or len(lang) > 8):
            raise BadRequest("language must be a short code such as 'es'", code="bad_language")
    return msg
