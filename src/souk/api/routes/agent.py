"""Text transports of the shopping assistant: REST and a WebSocket.

REST (``Authorization: Bearer <access token>``):
  POST   /v1/agent/sessions                      {"language"?}          -> {"session_id", ...}
  POST   /v1/agent/sessions/{id}/messages        {"text", "language"?}  -> a reply (text, language, handoff,
                                                                            handoff_reason, tool_calls, cards)
  DELETE /v1/agent/sessions/{id}
  the desk (docs/desk.md; the desk conversation's id is the session's):
  POST   /v1/agent/sessions/{id}/human           {"language"?}          -> {"status", "notice", "text"}
  POST   /v1/agent/sessions/{id}/csat            {"score", "comment"?}  -> {"saved": true}
  POST   /v1/agent/sessions/{id}/email           {"email"}              -> {"saved": true}
  GET    /v1/agent/sessions/{id}/events?after=   -> {"status", "notice"?, "csat", "events": [{seq, kind, ...}]}
  While a person has the conversation, POST .../messages answers {"type":"sent","seq","status":"assigned"}
  (the message went to them; the AI does not answer).
WebSocket ``/v1/agent/ws`` (``?token=`` or a first message ``{"type":"auth","token":...}``; ``?session=<id>``
resumes, ``&after=<seq>`` then also sends the desk events after that seq; several nodes: a node that does not serve
the merchant's desk refuses the socket with an error frame ``room_elsewhere`` (details.url: the node to use) and
close code 4409, as POST /v1/agent/sessions answers 409):
  client: {"type":"message","text":...,"language"?}  {"type":"ping"}  {"type":"bye"}
          {"type":"human"}  {"type":"csat","score","comment"?}  {"type":"email","email"}
  server: {"type":"ready","session_id"}  {"type":"reply",...}  {"type":"pong"}  {"type":"error",...}
          {"type":"sent","seq"} (a message for the person who has the conversation)
          {"type":"desk_status","status","notice","text"?} (also the answer to "human")
          {"type":"csat_saved"}  {"type":"email_saved"}
          and the desk's frames: {"type":"desk","event"}, {"type":"desk_status"}, {"type":"csat_request"},
          {"type":"call_offer","conversation_id","agent_name"}
A socket closed while the conversation waits for or is with a person keeps the session to resume
(``?session=``); ``bye``, DELETE or idling out ends it (the desk closes an AI-only conversation as resolved,
one still waiting as abandoned).

A shopper token's identity is the customer id (or ``metadata.customer_id``); guests and audience tokens
are anonymous and must prove ownership of an order (order id + e-mail) before seeing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection

from souk.agent.brain import BrainReply
from souk.api import consent, shopper_desk
from souk.api import ws as ws_helpers
from souk.api.agent_bodies import CsatBody, EmailBody, HumanBody, MessageBody, OpenBody
from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.api.limits import Limits, Who, client_address
from souk.api.log_ids import bind_request
from souk.api.openapi import errors
from souk.api.params import ID_PATTERN, SessionId
from souk.assistant.service import AssistantService, Conversation
from souk.auth.tokens import AccessClaims
from souk.core.errors import BadRequest, NotFound, RateLimited, SoukError, Timeout, TooLarge, Unavailable
from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep
from souk.core.logctx import bind
from souk.desk.feeds import Feed
from souk.domain.desk.timeline import Status

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


def reply_body(reply: BrainReply) -> dict[str, Any]:
    return {
        "text": reply.text, "language": reply.language, "handoff": reply.handoff,
        "handoff_reason": reply.handoff_reason,
        "tool_calls": [{"name": c.name, "arguments": c.arguments, "result": c.result, "error": c.error}
                       for c in reply.tool_calls],
        "cards": list(reply.cards),
        "metadata": {k: v for k, v in reply.metadata.items() if isinstance(v, (str, int, float, bool))},
    }


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
    return await service.open(claims.merchant_id, claims.identity, claims.customer_id, language=language)


async def _answer(ctx: AppContext, who: Who, claims: AccessClaims, conv: Conversation, text: str,
                  language: str | None) -> BrainReply:
    """One message within the limits. Anonymous shoppers prove orders with order id + e-mail: while they
    are locked out for wrong guesses, a message carrying an e-mail is refused ``locked_out``."""
    limits = _limits(ctx)
    await limits.assistant_message(who, text)
    anonymous = claims.customer_id is None
    if anonymous and _EMAIL.search(text):
        await limits.verify_allowed(who)
    start = time.perf_counter()
    try:
        reply = await _reply(_service(ctx), conv, text, language)
    except SoukError as exc:
        if ctx.metrics is not None:
            ctx.metrics.assistant_turn("text", exc.code, time.perf_counter() - start)
        raise
    if ctx.metrics is not None:  # souk.core.metrics: turns by outcome, and their time
        ctx.metrics.assistant_turn("text", "handoff" if reply.handoff else "answered", time.perf_counter() - start)
    if anonymous:
        failed = sum(1 for c in reply.tool_calls if c.name == "get_order" and c.arguments.get("email")
                     and isinstance(c.result, dict) and c.result.get("found") is False)
        if failed:
            await limits.verify_failed(who, failed)
    return reply


@router.post("/v1/agent/sessions", responses=errors(
    {404: ["unknown_merchant"], 409: ["room_elsewhere"], 429: ["rate_limited", "too_many_sessions"],
     503: ["assistant_unavailable", "assistant_busy"]}))
async def open_session(claims: Claims, ctx: Ctx, request: Request, body: OpenBody | None = None) -> dict[str, Any]:
    """A new conversation, on the node that serves the merchant's desk (several nodes: 409 ``room_elsewhere``
    with details.url elsewhere; the session then lives on that node)."""
    service = _service(ctx)
    if ctx.desk is not None:
        await ctx.desk.require_here(claims.merchant_id)
    conv = await _open(ctx, service, _who(ctx, claims, request), claims, body.language if body else None)
    return {"session_id": conv.id, "merchant_id": conv.merchant_id, "signed_in": claims.customer_id is not None}


@router.post("/v1/agent/sessions/{session_id}/messages", responses=errors(
    SESSION, {400: ["empty_text"], 403: ["ai_declined"], 409: ["conversation_closed"],
              413: ["message_too_large", "text_too_long", "timeline_full"], 429: ["rate_limited", "locked_out"],
              504: ["assistant_timeout"]}))
async def send_message(session_id: SessionId, body: MessageBody, claims: Claims, ctx: Ctx,
                       request: Request) -> dict[str, Any]:
    service = _service(ctx)
    conv = service.get(session_id, claims.merchant_id, claims.identity)
    return await _turn(ctx, service, _who(ctx, claims, request), claims, conv, body.text, body.language)


async def _turn(ctx: AppContext, service: AssistantService, who: Who, claims: AccessClaims, conv: Conversation,
                text: str, language: str | None) -> dict[str, Any]:
    """One shopper message: to the person who has the conversation, else the AI (its turn lands on the desk)."""
    desk = ctx.desk
    if desk is not None and await shopper_desk.status_of(desk, claims, conv.id) is Status.ASSIGNED:
        await _limits(ctx).assistant_message(who, text)
        return await shopper_desk.to_person(desk, claims, conv, text)
    if not await consent.may_use_ai(ctx, claims):  # the shopper said no to AI processing: a person, or refused
        return await consent.without_ai(ctx, service, claims, conv, text, language)
    reply = await _answer(ctx, who, claims, conv, text, language)
    body = reply_body(reply)
    await shopper_desk.after_ai_turn(ctx, service, claims, conv, text, reply, body)
    return body


async def _reply(service: AssistantService, conv: Conversation, text: str, language: str | None) -> BrainReply:
    """The brain's answer; the conversation's hand-off tracker observes the turn (AssistantService.reply)."""
    try:
        return await asyncio.wait_for(service.reply(conv, text, language_hint=language), REPLY_TIMEOUT_S)
    except TimeoutError as exc:
        raise Timeout("the assistant took too long to answer", code="assistant_timeout") from exc


@router.delete("/v1/agent/sessions/{session_id}", responses=errors(SESSION))
async def close_session(session_id: SessionId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    await _service(ctx).close(session_id, claims.merchant_id, claims.identity)
    return {"closed": True}


DESK = {503: ["desk_unavailable"]}
DESK_CONVERSATION = {404: ["conversation_not_found"], 503: ["desk_unavailable"]}


@router.post("/v1/agent/sessions/{session_id}/human", responses=errors(
    SESSION, DESK, {409: ["conversation_closed"], 429: ["rate_limited"]}))
async def ask_for_person(session_id: SessionId, claims: Claims, ctx: Ctx, request: Request,
                         body: HumanBody | None = None) -> dict[str, Any]:
    """Hand the conversation to a person: the truthful notice (assigned, queued with the place and wait,
    after hours with when, nobody online) and its text in the shopper's language. Asking again while it
    waits changes nothing."""
    service = _service(ctx)
    conv = service.get(session_id, claims.merchant_id, claims.identity)
    await _limits(ctx).assistant_message(_who(ctx, claims, request), "")
    return await shopper_desk.ask_for_person(ctx, service, claims, conv, body.language if body else None)


@router.post("/v1/agent/sessions/{session_id}/csat", responses=errors(
    DESK_CONVERSATION, {409: ["csat_before_close", "csat_given"], 429: ["rate_limited"]}))
async def give_csat(session_id: SessionId, body: CsatBody, claims: Claims, ctx: Ctx,
                    request: Request) -> dict[str, Any]:
    """How it went (1-5 and a comment), once, after a person closed the conversation."""
    desk = shopper_desk.need_desk(ctx)
    await _limits(ctx).assistant_message(_who(ctx, claims, request), body.comment)
    await desk.csat(claims.merchant_id, session_id, shopper=claims.identity, score=body.score, comment=body.comment)
    return {"saved": True}


@router.post("/v1/agent/sessions/{session_id}/email", responses=errors(
    DESK_CONVERSATION, {429: ["rate_limited"]}))
async def leave_email(session_id: SessionId, body: EmailBody, claims: Claims, ctx: Ctx,
                      request: Request) -> dict[str, Any]:
    """Be contacted by e-mail (the offer made when nobody can answer now): the staff sees it on the
    conversation."""
    desk = shopper_desk.need_desk(ctx)
    await _limits(ctx).assistant_message(_who(ctx, claims, request), body.email)
    await desk.leave_email(claims.merchant_id, session_id, shopper=claims.identity, email=body.email)
    return {"saved": True}


@router.get("/v1/agent/sessions/{session_id}/events", responses=errors(DESK_CONVERSATION))
async def desk_events(session_id: SessionId, claims: Claims, ctx: Ctx,
                      after: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    """What the shopper may see of the conversation's timeline after ``after`` (a widget catching up after
    a reconnect): people's messages, assignment, close, calls; never internal notes or the packet."""
    desk = shopper_desk.need_desk(ctx)
    try:
        status = await desk.shopper_status(claims.merchant_id, session_id, claims.identity)
    except NotFound:
        if isinstance(ctx.assistant, AssistantService):  # an open session with no message yet: nothing so far
            with contextlib.suppress(NotFound):
                ctx.assistant.get(session_id, claims.merchant_id, claims.identity)
                return {"status": "ai", "csat": None, "events": []}
        raise
    events = await desk.shopper_events(claims.merchant_id, session_id, claims.identity, after=after)
    return {**status, "events": events}


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
        if ctx.desk is not None:  # several nodes: refused room_elsewhere (details.url) off the desk's node
            await ctx.desk.require_here(claims.merchant_id)
        resume = ws.query_params.get("session")
        if resume:
            conv = await _resume(ctx, service, who, claims, resume, ws.query_params.get("language"))
        else:
            conv = await _open(ctx, service, who, claims, ws.query_params.get("language"))
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    bind_request(ws, claims.merchant_id, claims.room)  # the ids of the socket's log lines
    bind(conversation=conv.id)
    ending = ws_helpers.Ending(ws)  # the token expired or was revoked: error frame, close 4401 / 4403
    watch = ws_helpers.watch_token(ctx, claims, ending.end)
    keep = False  # a slow reader's conversation stays open for it to resume
    out = _Out(ws)
    feed = ctx.desk.shopper_feed(claims.merchant_id, conv.id) if ctx.desk is not None else None
    pump: asyncio.Task[None] | None = None
    bye = False
    try:
        await out.send({"type": "ready", "session_id": conv.id, "resumed": bool(resume)})
        if ctx.desk is not None and resume:  # where the desk stands (a widget reloaded mid hand-off)
            with contextlib.suppress(NotFound):
                status = await ctx.desk.shopper_status(claims.merchant_id, conv.id, claims.identity)
                if status["status"] != "ai":
                    await out.send({"type": "desk_status", "status": status["status"],
                                    "notice": status.get("notice")})
                # ?after=<seq>: what the widget missed while it was away, before the live frames (the feed
                # holds those meanwhile; the widget drops a seq it has already shown)
                after = _after(ws.query_params.get("after"))
                if after is not None:
                    for event in await ctx.desk.shopper_events(claims.merchant_id, conv.id, claims.identity,
                                                               after=after):
                        await out.send({"type": "desk", "event": event})
        if feed is not None:
            pump = asyncio.create_task(_pump(out, feed, ending, conv.id), name=f"agent-ws-desk-{conv.id}")
        bye = await _serve(ctx, out, ending, service, who, claims, conv)
    except WebSocketDisconnect:
        pass
    except TimeoutError:  # the client stopped reading: cut it off, keep the conversation to resume
        keep = True
        log.info("agent socket of %s does not read; cut off, conversation %s kept to resume", claims.identity,
                 conv.id)
        ending.end(_slow(conv.id), say=False)
    finally:
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if feed is not None and ctx.desk is not None:
            ctx.desk.drop_shopper_feed(claims.merchant_id, conv.id, feed)
        watch.cancel()
        await ending.aclose()
        if ending.error is not None and ending.error.code == "slow_consumer":
            keep = True
        if not keep and not bye and ctx.desk is not None:  # with a person or waiting for one: resumable
            with contextlib.suppress(SoukError):
                keep = await shopper_desk.status_of(ctx.desk, claims, conv.id) in (Status.QUEUED, Status.ASSIGNED)
        if not keep:
            with contextlib.suppress(SoukError):
                await service.close(conv.id, claims.merchant_id, claims.identity)
    if ending.error is None:
        await ws_helpers.close(ws, 1000, "bye")


async def _resume(ctx: AppContext, service: AssistantService, who: Who, claims: AccessClaims, session_id: str,
                  language: str | None) -> Conversation:
    """This identity's open session ``?session=``. One this node does not hold (the node that held it died, or
    this one restarted) whose desk conversation waits for or is with a person is continued here under its id:
    the shopper keeps talking to the person (the AI's memory of the earlier turns stays with the dead node)."""
    try:
        return service.get(session_id, claims.merchant_id, claims.identity)
    except NotFound as gone:
        if ctx.desk is None or not re.fullmatch(ID_PATTERN, session_id):
            raise
        try:
            held = await ctx.desk.owned(claims.merchant_id, session_id, claims.identity)
        except NotFound:
            raise gone from None
        if held.status not in (Status.QUEUED, Status.ASSIGNED):
            raise
    await _limits(ctx).assistant_open(who, service.open_count(claims.merchant_id, claims.identity))
    conv = await service.open(claims.merchant_id, claims.identity, claims.customer_id,
                              language=held.language or language, conversation_id=session_id)
    async with conv.lock:
        conv.tracker.language = held.language
        conv.tracker.mark_handed_off()
    log.info("agent socket: %s continues desk conversation %s on this node", claims.identity, session_id)
    return conv


def _after(raw: str | None) -> int | None:
    """``?after=`` of a resuming widget: the last desk event it has shown (None: it asks for nothing)."""
    if raw is None or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


def _slow(session_id: str) -> RateLimited:
    return RateLimited("the client does not read its replies; reconnect with ?session=", code="slow_consumer",
                       details={"session_id": session_id})


class _Out:
    """The socket's sending side, shared by the reply loop and the desk's frames (one frame at a time)."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self._lock = asyncio.Lock()

    async def send(self, body: dict[str, Any]) -> None:
        """One frame; a client that has not taken it within SEND_TIMEOUT_S is not reading (TimeoutError)."""
        text = json.dumps(body, ensure_ascii=False, default=str)
        async with self._lock, asyncio.timeout(SEND_TIMEOUT_S):
            await self.ws.send_text(text)


async def _pump(out: _Out, feed: Feed, ending: ws_helpers.Ending, session_id: str) -> None:
    """The desk's frames for this shopper (a person's messages, status, CSAT request, a video offer); a feed
    that overflowed or a send that stalls cuts the socket off (4429, resume with ?session=)."""
    try:
        async for frame in feed:
            await out.send(frame)
    except TimeoutError:
        ending.end(_slow(session_id), say=False)
        return
    except (WebSocketDisconnect, RuntimeError, OSError):
        return
    if feed.overflowed:
        ending.end(_slow(session_id), say=False)


async def _serve(ctx: AppContext, out: _Out, ending: ws_helpers.Ending, service: AssistantService, who: Who,
                 claims: AccessClaims, conv: Conversation) -> bool:
    """Serve the client's frames; True when it said bye."""
    ws = out.ws
    bad = 0
    max_chars = _limits(ctx).settings.assistant_message_chars
    while True:
        frame = await ws.receive()
        if frame["type"] == "websocket.disconnect" or ending.error is not None:
            return False
        try:
            if frame.get("text") is None:
                raise BadRequest("send text frames with JSON messages", code="binary_not_supported")
            msg = _parse(frame["text"], max_chars)
            kind = msg["type"]
            if kind == "ping":
                await out.send({"type": "pong"})
                continue
            if kind == "bye":
                return True
            if kind == "message":
                answer = await _turn(ctx, service, who, claims, conv, msg["text"], msg.get("language"))
                service.get(conv.id, claims.merchant_id, claims.identity)  # touch: keeps it from idling out
                await out.send(answer if answer.get("type") == "sent" else {"type": "reply", **answer})
            else:
                await out.send(await _desk_frame(ctx, service, who, claims, conv, msg,
                                                 ws.query_params.get("language")))
            bad = 0
        except SoukError as exc:
            bad += 1
            await out.send({"type": "error", **exc.to_dict()})
            if bad >= MAX_BAD_IN_A_ROW:
                await ws_helpers.close(ws, ws_close_code(exc), "too many bad messages")
                return False


async def _desk_frame(ctx: AppContext, service: AssistantService, who: Who, claims: AccessClaims,
                      conv: Conversation, msg: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The shopper's desk frames: ask for a person, CSAT, leave an e-mail (within the message rate limit)."""
    kind = msg["type"]
    desk = shopper_desk.need_desk(ctx)
    if kind == "human":
        await _limits(ctx).assistant_message(who, "")
        return {"type": "desk_status", **await shopper_desk.ask_for_person(ctx, service, claims, conv, language)}
    if kind == "csat":
        comment = msg.get("comment", "")
        await _limits(ctx).assistant_message(who, comment)
        await desk.csat(claims.merchant_id, conv.id, shopper=claims.identity, score=msg["score"], comment=comment)
        return {"type": "csat_saved"}
    await _limits(ctx).assistant_message(who, msg["email"])
    await desk.leave_email(claims.merchant_id, conv.id, shopper=claims.identity, email=msg["email"])
    return {"type": "email_saved"}


def _parse(raw: str, max_chars: int) -> dict[str, Any]:
    if len(raw) > max_chars * 4 + 1024:
        raise TooLarge(f"messages are limited to {max_chars} characters of text", code="message_too_large")
    if too_deep(raw):
        raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", code="bad_json")
    try:
        msg = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("messages must be JSON objects", code="bad_json") from exc
    if not isinstance(msg, dict) or msg.get("type") not in ("message", "ping", "bye", "human", "csat", "email"):
        raise BadRequest('expected {"type":"message","text":...}', code="bad_message")
    if msg["type"] == "csat":
        score, comment = msg.get("score"), msg.get("comment", "")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise BadRequest("score is a whole number from 1 to 5", code="bad_csat")
        if not isinstance(comment, str) or len(comment) > 1000:
            raise BadRequest("comment is text of at most 1000 characters", code="bad_csat")
    if msg["type"] == "email" and (not isinstance(msg.get("email"), str) or len(msg["email"]) > 254):
        raise BadRequest("email is an e-mail address", code="bad_email")
    if msg["type"] == "message":
        text = msg.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be a string", code="bad_message")
        lang = msg.get("language")
        if lang is not None and (not isinstance(lang, str) or len(lang) > 8):
            raise BadRequest("language must be a short code such as 'es'", code="bad_language")
    return msg
