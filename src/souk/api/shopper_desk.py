"""The desk's side of the assistant's text routes (``souk.api.routes.agent``): every AI turn lands on the
conversation's timeline, a hand-off goes to the desk with its packet and the shopper is told the truth, and while
a person has the conversation the shopper's messages go to that person instead of the AI.

The desk conversation's id is the assistant session's id; its shopper is the token identity that opened the
session. A server without a desk (``ctx.desk`` None) answers as the assistant alone did.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from souk.agent.brain import BrainReply
from souk.api.context import AppContext
from souk.assistant.handoff import compose, notice_text
from souk.assistant.service import AssistantService, Conversation
from souk.auth.tokens import AccessClaims
from souk.core.errors import NotFound, SoukError, Unavailable
from souk.desk.service import DeskService
from souk.domain.desk.handoff import HandoffReason, Speaker
from souk.domain.desk.notice import HandoffNotice, NoticeKind
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.timeline import Channel, Status, ToolCall

log = logging.getLogger(__name__)

MAX_TOOL_DETAIL = 300


def need_desk(ctx: AppContext) -> DeskService:
    if ctx.desk is None:
        raise Unavailable("this server runs no customer-service desk", code="desk_unavailable")
    return ctx.desk


async def status_of(desk: DeskService, claims: AccessClaims, conversation_id: str) -> Status | None:
    """The desk conversation's status; None while it has no timeline yet (no message so far)."""
    try:
        return (await desk.owned(claims.merchant_id, conversation_id, claims.identity)).status
    except NotFound:
        return None


def notice_status(notice: HandoffNotice) -> str:
    return "assigned" if notice.kind is NoticeKind.ASSIGNED else "queued"


def render(language: str, notice: HandoffNotice, settings: DeskSettings, now: dt.datetime) -> str:
    """The notice in the shopper's language: who has it, the place and wait, or when people answer."""
    return notice_text(language or "en", notice, hours=settings.hours, now=now)


def _tools(reply: BrainReply) -> tuple[ToolCall, ...]:
    out = []
    for call in reply.tool_calls[:20]:
        args = ", ".join(f"{k}={v}" for k, v in list(call.arguments.items())[:6])
        detail = f"{call.name}({args})" + (f" -> {call.error}" if call.error else "")
        out.append(ToolCall(call.name[:80], call.error is None, detail[:MAX_TOOL_DETAIL]))
    return tuple(out)


async def ensure(desk: DeskService, claims: AccessClaims, conv: Conversation, language: str) -> Status:
    c = await desk.ensure(claims.merchant_id, conv.id, shopper=claims.identity, channel=Channel.ASSISTANT_TEXT,
                          language=language or "en", customer_id=claims.customer_id)
    return c.status


async def to_person(desk: DeskService, claims: AccessClaims, conv: Conversation, text: str) -> dict[str, Any]:
    """A shopper message while a person has the conversation: it goes to them, the AI does not answer."""
    seq = await desk.shopper_message(claims.merchant_id, conv.id, shopper=claims.identity, text=text)
    async with conv.lock:
        conv.tracker.add_line(Speaker.SHOPPER, text)
    return {"type": "sent", "seq": seq, "status": "assigned"}


async def hand_off(desk: DeskService, service: AssistantService, claims: AccessClaims, conv: Conversation,
                   reason: HandoffReason, *, video: bool = False, language: str | None = None) -> HandoffNotice:
    """Hand the conversation to the humans with its packet; asking again while it waits or is with a person
    changes nothing and answers the current notice (no escalation floods)."""
    async with conv.lock:
        language = conv.tracker.language or language or ""
    status = await ensure(desk, claims, conv, language)
    packet = await service.handoff_packet(conv, reason) if status is Status.AI else None
    async with conv.lock:
        vip = conv.tracker.vip
    notice = await desk.request_human(claims.merchant_id, conv.id, shopper=claims.identity, reason=reason,
                                      packet=packet, vip=vip, video=video)
    async with conv.lock:
        conv.tracker.mark_handed_off()
    return notice


async def ask_for_person(ctx: AppContext, service: AssistantService, claims: AccessClaims,
                         conv: Conversation, language: str | None = None) -> dict[str, Any]:
    """The shopper's "Talk to a person": the notice, and what it says in their language (``language``: the
    client's, until a turn showed it)."""
    desk = need_desk(ctx)
    notice = await hand_off(desk, service, claims, conv, HandoffReason.EXPLICIT_REQUEST, language=language)
    settings = await desk.settings_for(claims.merchant_id)
    async with conv.lock:
        language = conv.tracker.language or language or "en"
    return {"status": notice_status(notice), "notice": notice.to_dict(),
            "text": render(language, notice, settings, _now(ctx))}


async def after_ai_turn(ctx: AppContext, service: AssistantService, claims: AccessClaims, conv: Conversation,
                        text: str, reply: BrainReply, body: dict[str, Any]) -> None:
    """Record the AI's turn on the timeline; hand off when the brain did or the merchant's rules trip, and
    then tell the shopper the truth in ``body["text"]`` (the brain's why, then the desk's notice)."""
    desk = ctx.desk
    if desk is None:
        return
    try:
        status = await ensure(desk, claims, conv, reply.language)
        if status is Status.CLOSED:  # a person closed it: this session's later turns are the AI's alone
            body["desk"] = {"status": status.value}
            return
        await desk.record_turn(claims.merchant_id, conv.id, shopper=claims.identity, text=text,
                               reply_text=reply.text, tools=_tools(reply))
    except SoukError as exc:  # the shopper still gets the answer; the timeline misses this turn
        log.warning("desk: turn of %s not recorded: %s", conv.id, exc)
        return
    if status is not Status.AI:
        body["desk"] = {"status": status.value}
        return
    settings = await desk.settings_for(claims.merchant_id)
    async with conv.lock:
        if conv.tracker.handed_off:  # a person handed it back: what led to the hand-off is dealt with
            conv.tracker.handed_back()
        decision = conv.tracker.decide(settings.handoff)
    if not decision.handoff or decision.reason is None:
        return
    notice = await hand_off(desk, service, claims, conv, decision.reason, video=reply.handoff == "video")
    told = compose(reply.text, render(reply.language, notice, settings, _now(ctx)))
    async with conv.lock:
        conv.tracker.revise_last_reply(told)
    body["text"] = told
    body["handoff"] = reply.handoff or "human"
    body["handoff_reason"] = reply.handoff_reason or decision.reason.value
    body["desk"] = {"status": notice_status(notice), "notice": notice.to_dict()}


async def session_gone(desk: DeskService, conv: Conversation) -> None:
    """The assistant session was closed or idled out: an AI-only conversation ends as contained, one still
    waiting for a person as abandoned (one with a person stays theirs to close)."""
    try:
        await desk.end_ai(conv.merchant_id, conv.id, shopper=conv.owner)
    except SoukError as exc:
        log.warning("desk: could not end conversation %s: %s", conv.id, exc)


def _now(ctx: AppContext) -> dt.datetime:
    return dt.datetime.fromtimestamp(ctx.clock.wall(), dt.UTC)
