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
import re
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from souk.agent.brain import BrainReply
from souk.api import ws as ws_helpers
from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.api.limits import Limits, Who, client_address
from souk.api.openapi import errors
from souk.api.params import SessionId
from souk.assistant.service import AssistantService, Conversation
from souk.auth.tokens import AccessClaims, Role
from souk.core.errors import BadRequest, RateLimited, SoukError, Timeout, TooLarge, Unavailable
from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep

log = logging.getLogger(__name__)
router = APIRouter()

SEND_TIMEOUT_S = 10.0  # a client that takes no frame for this long is cut off (4429, resume with ?session=)
MAX_BAD_IN_A_ROW = 20
REPLY_TIMEOUT_S = 30.0
# a session that is gone (closed, idled out) or another shopper's
SESSION = {404: ["unknown_conversation"], 503: ["assistant_unavailable"]}


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
    text: str  # its size limit (Settings.limits.assistant_message_chars) answers 413 message_too_large
    language: str | None = Field(default=None, max_length=8)


_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def _who(ctx: AppContext, claims: AccessClaims, conn: HTTPConnection) -> Who:
    return Who(claims.merchant_id, claims.identity, client_address(conn))


def _limits(ctx: AppContext) -> Limits:
    if ctx.limits is None:
        raise Unavailable("abuse limits are not configured", code="limits_unavailable")
    return ctx.limits


async def _open(ctx: AppContext, service: AssistantService, who: Who, claims: AccessClaims,
                language: str | None) -> Conversation:
    """Open a conversation within the limits: a few open a shopper, never by evicting someone else's."""
    await _limits(ctx).assistant_open(who, service.open_count(claims.merchant_id, claims.identity))
    return await service.open(claims.merchant_id, claims.identity, customer_of(claims), language=language)


async def _answer(ctx: AppContext, who: Who, claims: AccessClaims, conv: Conversation, text: str,
                  language: str | None) -> BrainReply:
    """One message within the limits. Anonymous shoppers prove orders with order id + e-mail: while they
    are locked out for wrong guesses, a message carrying an e-mail is refused ``locked_out``."""
    limits = _limits(ctx)
    await limits.assistant_message(who, text)
    anonymous = customer_of(claims) is None
    if anonymous and _EMAIL.search(text):
        await limits.verify_allowed(who)
    reply = await _reply(conv, text, language)
    if anonymous:
        failed = sum(1 for c in reply.tool_calls if c.name == "get_order" and c.arguments.get("email")
                     and isinstance(c.result, dict) and c.result.get("found") is False)
        if failed:
            await limits.verify_failed(who, failed)
    return reply


@router.post("/v1/agent/sessions", responses=errors(
    {404: ["unknown_merchant"], 429: ["rate_limited", "too_many_sessions"],
     503: ["assistant_unavailable", "assistant_busy"]}))
async def open_session(claims: Claims, ctx: Ctx, request: Request, body: OpenBody | None = None) -> dict[str, Any]:
    service = _service(ctx)
    conv = await _open(ctx, service, _who(ctx, claims, request), claims, body.language if body else None)
    return {"session_id": conv.id, "merchant_id": conv.merchant_id, "signed_in": customer_of(claims) is not None}


@router.post("/v1/agent/sessions/{session_id}/messages", responses=errors(
    SESSION, {413: ["message_too_large"], 429: ["rate_limited", "locked_out"], 504: ["assistant_timeout"]}))
async def send_message(session_id: SessionId, body: MessageBody, claims: Claims, ctx: Ctx,
                       request: Request) -> dict[str, Any]:
    conv = _service(ctx).get(session_id, claims.merchant_id, claims.identity)
    return reply_body(await _answer(ctx, _who(ctx, claims, request), claims, conv, body.text, body.language))


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
    """``?session=<id>`` continues one of this identity's open conversations (the resume point a socket
    cut off for not reading is given); otherwise a new one is opened within the limits."""
    ctx: AppContext = ws.app.state.ctx
    await ws.accept()
    try:
        claims = await ws_helpers.authenticate(ws, ctx.tokens, max_bytes=8192)
        service = _service(ctx)
        who = _who(ctx, claims, ws)
        resume = ws.query_params.get("session")
        if resume:
            conv = service.get(resume, claims.merchant_id, claims.identity)
        else:
            conv = await _open(ctx, service, who, claims, ws.query_params.get("language"))
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    ending = ws_helpers.Ending(ws)  # the token expired or was revoked: error frame, close 4401 / 4403
    watch = ws_helpers.watch_token(ctx, claims, ending.end)
    keep = False  # a slow reader's conversation stays open for it to resume
    try:
        await _send(ws, {"type": "ready", "session_id": conv.id, "resumed": bool(resume)})
        await _serve(ctx, ws, ending, service, who, claims, conv)
    except WebSocketDisconnect:
        pass
    except TimeoutError:  # the client stopped reading: cut it off, keep the conversation to resume
        keep = True
        log.info("agent socket of %s does not read; cut off, conversation %s kept to resume", claims.identity,
                 conv.id)
        ending.end(RateLimited("the client does not read its replies; reconnect with ?session=",
                               code="slow_consumer", details={"session_id": conv.id}), say=False)
    finally:
        watch.cancel()
        await ending.aclose()
        if not keep:
            with contextlib.suppress(SoukError):
                await service.close(conv.id, claims.merchant_id, claims.identity)
    if ending.error is None:
        await ws_helpers.close(ws, 1000, "bye")


async def _send(ws: WebSocket, body: dict[str, Any]) -> None:
    """One frame; a client that has not taken it within SEND_TIMEOUT_S is not reading (TimeoutError)."""
    async with asyncio.timeout(SEND_TIMEOUT_S):
        await ws.send_text(json.dumps(body, ensure_ascii=False, default=str))


async def _serve(ctx: AppContext, ws: WebSocket, ending: ws_helpers.Ending, service: AssistantService, who: Who,
                 claims: AccessClaims, conv: Conversation) -> None:
    bad = 0
    max_chars = _limits(ctx).settings.assistant_message_chars
    while True:
        frame = await ws.receive()
        if frame["type"] == "websocket.disconnect" or ending.error is not None:
            return
        try:
            if frame.get("text") is None:
                raise BadRequest("send text frames with JSON messages", code="binary_not_supported")
            msg = _parse(frame["text"], max_chars)
            if msg["type"] == "ping":
                await _send(ws, {"type": "pong"})
                continue
            if msg["type"] == "bye":
                return
            reply = await _answer(ctx, who, claims, conv, msg["text"], msg.get("language"))
            service.get(conv.id, claims.merchant_id, claims.identity)  # touch: keeps it from idling out
            await _send(ws, {"type": "reply", **reply_body(reply)})
            bad = 0
        except SoukError as exc:
            bad += 1
            await _send(ws, {"type": "error", **exc.to_dict()})
            if bad >= MAX_BAD_IN_A_ROW:
                await ws_helpers.close(ws, ws_close_code(exc), "too many bad messages")
                return


def _parse(raw: str, max_chars: int) -> dict[str, Any]:
    if len(raw) > max_chars * 4 + 1024:
        raise TooLarge(f"messages are limited to {max_chars} characters of text", code="message_too_large")
    if too_deep(raw):
        raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", code="bad_json")
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
        lang = msg.get("language")
        if lang is not None and (not isinstance(lang, str) or len(lang) > 8):
            raise BadRequest("language must be a short code such as 'es'", code="bad_language")
    return msg
