"""The customer-service desk: one persisted conversation per shopper, AI -> human -> video, queues and routing.

The stored timeline is the truth (``ConversationStore``: every change is an event appended under the
conversation's row lock). Routing is ``souk.domain.desk.routing`` over a ``DeskState`` this service owns;
it is rebuilt from the stored open conversations at start, so a restart loses no conversation or message.
Staff agents restored as holding a conversation come back *away*: when they do not reconnect within
``agent_grace_s`` their conversations go back to the front of their queue.

Node-local: a merchant's desk runs on one node (docs/desk.md says how its clients are routed there).
Lock order: the routing lock, then a conversation's lock; never the other way round.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound
from souk.desk.core import DeskCore, Key, WebhookSink, _missing
from souk.desk.feeds import Feed
from souk.desk.views import metrics_dict, shopper_events, summary, warning_dict
from souk.domain.calls import CallOutcome
from souk.domain.desk import routing as r
from souk.domain.desk.handoff import HandoffPacket, HandoffReason, Speaker
from souk.domain.desk.metrics import compute, sla_warnings
from souk.domain.desk.notice import HandoffNotice
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import (
    MAX_EVENTS,
    MAX_TEXT,
    MAX_TOOLS,
    AgentMessage,
    AiMessage,
    CallEnded,
    CallStarted,
    Channel,
    Closed,
    Conversation,
    Csat,
    Event,
    HandedBack,
    Handoff,
    InternalNote,
    Resolution,
    ShopperMessage,
    Status,
    Timeline,
    ToolCall,
    Transferred,
    open_conversation,
)
from souk.domain.desk.webhooks import EventType

log = logging.getLogger(__name__)


class DeskService(DeskCore):
    # ---------------------------------------------------------------- shopper side
    async def ensure(self, merchant_id: str, conversation_id: str, *, shopper: str, channel: Channel,
                     language: str, customer_id: str | None = None) -> Conversation:
        """The shopper's conversation, created on first use (another shopper's id is 404)."""
        await self.require_here(merchant_id)
        try:
            conv = await self._get(merchant_id, conversation_id)
        except NotFound:
            conv = open_conversation(merchant_id, conversation_id, channel, shopper, language or "en",
                                     self._now(), customer_id=customer_id)
            try:
                await self._store.create(conv)
                self._remember(conv)
            except Conflict:
                conv = await self._get(merchant_id, conversation_id)
            else:
                self._last_at[conv.key] = conv.updated_at
                await self._webhook(merchant_id, EventType.CONVERSATION_CREATED,
                                    {"conversation": summary(conv)})
                return conv
        if conv.shopper_identity != shopper:
            raise _missing(conversation_id)
        return conv

    async def owned(self, merchant_id: str, conversation_id: str, shopper: str) -> Conversation:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        if conv.shopper_identity != shopper:
            raise _missing(conversation_id)
        return conv

    async def record_turn(self, merchant_id: str, conversation_id: str, *, shopper: str, text: str,
                          reply_text: str, tools: Sequence[ToolCall] = ()) -> Conversation:
        """One AI turn: what the shopper said and what the AI answered, with the tools it called."""
        await self.owned(merchant_id, conversation_id, shopper)
        tools = tuple(tools)[:MAX_TOOLS]
        conv, _ = await self._append(merchant_id, conversation_id, lambda at: [
            ShopperMessage(at, text[:MAX_TEXT]), AiMessage(at, reply_text[:MAX_TEXT] or "…", tools)])
        return conv

    async def request_human(self, merchant_id: str, conversation_id: str, *, shopper: str,
                            reason: HandoffReason, packet: HandoffPacket | None, category: str | None = None,
                            vip: bool = False, video: bool = False) -> HandoffNotice:
        """Hand the conversation to the humans. Asking again while it waits or is assigned changes nothing and
        answers the current notice (no escalation floods)."""
        conv = await self.owned(merchant_id, conversation_id, shopper)
        settings = await self.settings_for(merchant_id)
        if conv.status in (Status.QUEUED, Status.ASSIGNED):
            return self._notice(conv, settings)
        if conv.status is Status.CLOSED:
            raise Conflict("this conversation is closed; start a new one", code="conversation_closed")
        route = r.Route(conv.language, category, vip, video)
        self._packets[conv.key] = packet
        conv, _ = await self._append(merchant_id, conversation_id, lambda at: [
            Handoff(at, reason, route.queue, packet)])
        conv = await self._route(lambda: r.enqueue(self._state, merchant_id, conversation_id, route, self._now()),
                                 merchant_id, notify_key=conv.key) or conv
        self._staff_all(merchant_id, {"type": "conversation", "conversation": self._summary(conv)})
        self._staff_all(merchant_id, {"type": "queues", **self.queues(merchant_id)})
        await self._webhook(merchant_id, EventType.HANDOFF, {"conversation": summary(conv), "reason": reason.value})
        notice = self._notice(conv, settings)
        self._to_shopper(conv.key, {"type": "desk_status", "status": conv.status.value, "notice": notice.to_dict()})
        return notice

    async def shopper_message(self, merchant_id: str, conversation_id: str, *, shopper: str, text: str) -> int:
        """A message for the humans (while queued or assigned; the AI answers the others)."""
        await self.owned(merchant_id, conversation_id, shopper)
        _, seq = await self._append(merchant_id, conversation_id, lambda at: [ShopperMessage(at, text)])
        await self._webhook(merchant_id, EventType.MESSAGE, {"conversation_id": conversation_id, "from": "shopper",
                                                             "text": text})
        return seq

    async def leave_email(self, merchant_id: str, conversation_id: str, *, shopper: str, email: str) -> None:
        """The shopper asks to be contacted by e-mail: a note the staff sees on the conversation."""
        email = email.strip()
        if not (3 <= len(email) <= 254 and "@" in email and " " not in email):
            raise BadRequest("that does not look like an e-mail address", code="bad_email")
        await self.owned(merchant_id, conversation_id, shopper)
        await self._append(merchant_id, conversation_id, lambda at: [
            InternalNote(at, "shopper", f"Please contact me by e-mail: {email}")])

    async def csat(self, merchant_id: str, conversation_id: str, *, shopper: str, score: int,
                   comment: str = "") -> None:
        await self.owned(merchant_id, conversation_id, shopper)
        conv, _ = await self._append(merchant_id, conversation_id, lambda at: [Csat(at, score, comment)])
        self._staff_all(merchant_id, {"type": "conversation", "conversation": self._summary(conv)})
        await self._webhook(merchant_id, EventType.CSAT, {"conversation_id": conversation_id, "score": score,
                                                          "comment": comment})

    async def end_ai(self, merchant_id: str, conversation_id: str, *, shopper: str) -> None:
        """The shopper left: an AI-only conversation closes as resolved (contained); one waiting as abandoned."""
        try:
            conv = await self.owned(merchant_id, conversation_id, shopper)
        except NotFound:
            return
        if conv.status is Status.AI:
            await self._close(conv, Resolution.RESOLVED, None)
        elif conv.status is Status.QUEUED:
            await self._close(conv, Resolution.ABANDONED, None)

    def shopper_feed(self, merchant_id: str, conversation_id: str) -> Feed:
        feed = Feed()
        self._listeners.add(("shopper", merchant_id, conversation_id), feed)
        return feed

    def drop_shopper_feed(self, merchant_id: str, conversation_id: str, feed: Feed) -> None:
        self._listeners.remove(("shopper", merchant_id, conversation_id), feed)
        feed.close()

    async def shopper_events(self, merchant_id: str, conversation_id: str, shopper: str, *,
                             after: int = 0) -> list[dict[str, Any]]:
        await self.owned(merchant_id, conversation_id, shopper)
        return shopper_events(await self._store.events(merchant_id, conversation_id, after=after))

    async def shopper_status(self, merchant_id: str, conversation_id: str, shopper: str) -> dict[str, Any]:
        conv = await self.owned(merchant_id, conversation_id, shopper)
        out: dict[str, Any] = {"status": conv.status.value, "csat": conv.csat}
        if conv.status in (Status.QUEUED, Status.ASSIGNED):
            out["notice"] = self._notice(conv, await self.settings_for(merchant_id)).to_dict()
        return out

    # ---------------------------------------------------------------- staff side
    async def connect_agent(self, merchant_id: str, agent_id: str) -> Feed:
        """A staff socket: the agent is known to routing from now on (registered with no skills if new)."""
        await self.require_here(merchant_id)
        key = (merchant_id, agent_id)
        task = self._grace.pop(key, None)
        if task is not None:
            task.cancel()
        if key not in self._profiles:
            stored = await self._staff.agent(merchant_id, agent_id)
            await self.put_agent(stored or StaffProfile(merchant_id, agent_id))
        feed = Feed()
        self._listeners.add(("staff", merchant_id, agent_id), feed)
        agent = self._state.agents[key]
        feed.put({"type": "hello", "agent": self._profiles[key].to_dict(), "presence": agent.presence.value,
                  "holds": list(agent.open)})
        feed.put({"type": "queues", **self.queues(merchant_id)})
        return feed

    async def disconnect_agent(self, merchant_id: str, agent_id: str, feed: Feed) -> None:
        self._listeners.remove(("staff", merchant_id, agent_id), feed)
        feed.close()
        if not self._listeners.count(("staff", merchant_id, agent_id)):
            self._arm_grace(merchant_id, agent_id)

    async def claim(self, merchant_id: str, conversation_id: str, agent_id: str) -> Conversation:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        if conv.status is not Status.QUEUED:
            raise Conflict(f"conversation is {conv.status.value}, not waiting", code="not_queued")
        return await self._route(
            lambda: r.transfer_to_agent(self._state, merchant_id, conversation_id, agent_id, self._now()),
            merchant_id, notify_key=conv.key) or conv

    async def agent_message(self, merchant_id: str, conversation_id: str, agent_id: str, *, text: str | None = None,
                            canned_id: str | None = None) -> int:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        if canned_id is not None:
            canned = (await self.settings_for(merchant_id)).canned_reply(canned_id)
            if canned is None:
                raise NotFound(f"no canned reply {canned_id!r}", code="unknown_canned_reply")
            text = canned.text(conv.language)
        if text is None:
            raise BadRequest("a reply needs text or a canned reply", code="empty_text")
        body = text
        conv, seq = await self._append(merchant_id, conversation_id, lambda at: [AgentMessage(at, agent_id, body)])
        await self._webhook(merchant_id, EventType.MESSAGE, {"conversation_id": conversation_id, "from": "agent",
                                                             "agent_id": agent_id, "text": body})
        return seq

    async def note(self, merchant_id: str, conversation_id: str, agent_id: str, text: str) -> int:
        await self.require_here(merchant_id)
        await self._get(merchant_id, conversation_id)
        _, seq = await self._append(merchant_id, conversation_id, lambda at: [InternalNote(at, agent_id, text)])
        return seq

    def _check_holder(self, conv: Conversation, agent_id: str) -> None:
        if conv.status is Status.ASSIGNED and conv.agent_id != agent_id:
            raise Forbidden("only the assigned agent does this", code="not_your_conversation")
        if conv.status not in (Status.QUEUED, Status.ASSIGNED):
            raise Conflict(f"conversation is {conv.status.value}", code="not_with_humans")

    async def transfer(self, merchant_id: str, conversation_id: str, agent_id: str, *, to_agent: str | None = None,
                       to_queue: r.Route | None = None, reason: str = "") -> Conversation:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        self._check_holder(conv, agent_id)
        if (to_agent is None) == (to_queue is None):
            raise BadRequest("transfer to one agent or one queue", code="bad_transfer")
        async with self._route_lock:
            now = self._now()
            if to_agent is not None:
                step = r.transfer_to_agent(self._state, merchant_id, conversation_id, to_agent, now)
                return await self._apply(step, notify_key=conv.key, moved_by=reason or f"by {agent_id}") or conv
            assert to_queue is not None
            step = r.transfer_to_queue(self._state, merchant_id, conversation_id, to_queue, now)
            conv, _ = await self._append(merchant_id, conversation_id, lambda at: [
                Transferred(at, to_queue=to_queue.queue, reason=reason or f"by {agent_id}")])
            self._assigned_at.pop(conv.key, None)
            return await self._apply(step, notify_key=conv.key) or conv

    async def hand_back(self, merchant_id: str, conversation_id: str, agent_id: str) -> Conversation:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        self._check_holder(conv, agent_id)
        async with self._route_lock:
            step = r.hand_back(self._state, merchant_id, conversation_id, self._now())
            conv, _ = await self._append(merchant_id, conversation_id, lambda at: [HandedBack(at)])
            await self._apply(step)
        self._to_shopper(conv.key, {"type": "desk_status", "status": "ai", "notice": None})
        self._staff_all(merchant_id, {"type": "conversation", "conversation": self._summary(conv)})
        return conv

    async def close(self, merchant_id: str, conversation_id: str, agent_id: str,
                    resolution: Resolution) -> Conversation:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        self._check_holder(conv, agent_id)
        call = conv.active_call
        if call is not None and call not in self._calls:  # its process went away mid-call (a restart)
            conv, _ = await self._append(merchant_id, conversation_id, lambda at: [
                CallEnded(at, call, CallOutcome.INTERRUPTED, 0.0)])
        return await self._close(conv, resolution, agent_id)

    async def _close(self, conv: Conversation, resolution: Resolution, by: str | None) -> Conversation:
        key = conv.key
        async with self._route_lock:
            closed, _ = await self._append(conv.merchant_id, conv.id, lambda at: [Closed(at, resolution, by)])
            if key in self._state.conversations:
                await self._apply(r.finish(self._state, conv.merchant_id, conv.id, self._now()))
        started = self._assigned_at.pop(key, None)
        if started is not None and closed.closed_at is not None:
            self._handling[conv.merchant_id].append((closed.closed_at - started).total_seconds())
        self._video_offers.pop(key, None)
        self._packets.pop(key, None)
        self._last_at.pop(key, None)
        self._conv_locks.pop(key, None)
        self._to_shopper(key, {"type": "desk_status", "status": "closed", "notice": None})
        if by is not None:  # a person closed it: ask the shopper how it went
            self._to_shopper(key, {"type": "csat_request", "conversation_id": conv.id})
        self._staff_all(conv.merchant_id, {"type": "conversation", "conversation": self._summary(closed)})
        self._staff_all(conv.merchant_id, {"type": "queues", **self.queues(conv.merchant_id)})
        await self._webhook(conv.merchant_id, EventType.CLOSED, {"conversation": summary(closed)})
        return closed

    async def conversation(self, merchant_id: str, conversation_id: str) -> tuple[Conversation, list[tuple[int, Event]]]:
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        return conv, await self._store.events(merchant_id, conversation_id, limit=MAX_EVENTS)

    async def inbox(self, merchant_id: str, *, status: Status | None = None, agent_id: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
        await self.require_here(merchant_id)
        rows = await self._store.find(merchant_id, status=status, agent_id=agent_id, limit=limit)
        return [self._summary(c) for c in rows]

    async def metrics(self, merchant_id: str, *, since: dt.datetime) -> dict[str, Any]:
        """The metrics page's numbers, computed from the stored timelines since ``since``."""
        await self.require_here(merchant_id)
        settings = await self.settings_for(merchant_id)
        timelines = await self._store.timelines(merchant_id, since=since)
        now = self._now()
        out = metrics_dict(compute(merchant_id, timelines, settings.sla, now))
        out["since"] = since.isoformat()
        out["sla_warnings"] = [warning_dict(w) for w in sla_warnings(timelines, settings.sla, now)]
        return out

    async def warnings(self, merchant_id: str) -> list[dict[str, Any]]:
        """SLA timers of the open hand-offs about to breach or breached (the desk page polls this)."""
        await self.require_here(merchant_id)
        settings = await self.settings_for(merchant_id)
        open_ids = [cid for (m, cid) in self._state.conversations if m == merchant_id]  # queued or assigned
        timelines = [Timeline(await self._get(merchant_id, cid),
                              tuple(e for _, e in await self._store.events(merchant_id, cid, limit=MAX_EVENTS)))
                     for cid in open_ids]
        return [warning_dict(w) for w in sla_warnings(timelines, settings.sla, self._now())]

    # ---------------------------------------------------------------- calls (video escalation)
    async def offer_video(self, merchant_id: str, conversation_id: str, agent_id: str) -> None:
        """Ring the shopper's widget; on accept the widget starts a consult call linked with ``link_call``."""
        await self.require_here(merchant_id)
        conv = await self._get(merchant_id, conversation_id)
        if conv.status is not Status.ASSIGNED or conv.agent_id != agent_id:
            raise Conflict("video needs the conversation assigned to you", code="not_assigned")
        if conv.active_call is not None:
            raise Conflict("a call is already running", code="call_active")
        self._video_offers[conv.key] = agent_id
        sent = self._to_shopper(conv.key, {"type": "call_offer", "conversation_id": conversation_id,
                                           "agent_name": self.agent_name(merchant_id, agent_id)})
        if not sent:
            self._video_offers.pop(conv.key, None)
            raise Conflict("the shopper is not connected", code="shopper_offline")

    def video_offered_by(self, merchant_id: str, conversation_id: str) -> str | None:
        return self._video_offers.get((merchant_id, conversation_id))

    async def link_call(self, merchant_id: str, conversation_id: str, call_id: str, room_id: str) -> None:
        """The consult call the shopper started from a video offer: it lands on the timeline and the agent who
        offered it is told so the desk page joins (accept) it."""
        await self.require_here(merchant_id)
        key = (merchant_id, conversation_id)
        agent = self._video_offers.pop(key, None)
        self._calls[call_id] = key
        await self._append(merchant_id, conversation_id, lambda at: [CallStarted(at, call_id)])
        if agent is not None:
            self._listeners.send(("staff", merchant_id, agent), {
                "type": "call", "conversation_id": conversation_id, "call_id": call_id, "room_id": room_id})
        await self._webhook(merchant_id, EventType.CALL_STARTED, {"conversation_id": conversation_id,
                                                                  "call_id": call_id})

    def call_changed(self, call: Any) -> None:
        """CallListener. A consult call rung straight from a product page or a live show gets a conversation of
        its own (channel ``consult``); a linked call that ends lands on the timeline with its outcome and length."""
        if self._closing:  # shutting down: the calls end as interrupted and are reconciled at the next start
            return
        key = self._calls.get(call.id)
        outcome = getattr(call, "outcome", None)
        if key is None:
            if getattr(call, "state", None) == "ringing" and not getattr(call, "conversation_id", ""):
                self._tasks.spawn(self._consult_call(call), f"desk-consult-{call.id}")
            return
        if not isinstance(outcome, CallOutcome):
            return
        self._calls.pop(call.id, None)
        self._tasks.spawn(self._call_ended(key, call.id, outcome, float(call.duration_s)), f"desk-call-{call.id}")

    async def _consult_call(self, call: Any) -> None:
        await asyncio.sleep(0)  # a desk video call is linked right after it rings: leave it to link_call
        if call.id in self._calls:
            return
        merchant, cid = call.merchant_id, f"conv_{call.id}"
        try:
            await self.ensure(merchant, cid, shopper=call.shopper, channel=Channel.CONSULT, language=call.language)
            self._calls[call.id] = (merchant, cid)
            await self._append(merchant, cid, lambda at: [CallStarted(at, call.id)])
        except Exception:  # e.g. this node does not serve the merchant's desk: the call itself goes on
            self._calls.pop(call.id, None)
            log.warning("consult call %s has no desk conversation", call.id, exc_info=True)
            return
        await self._webhook(merchant, EventType.CALL_STARTED, {"conversation_id": cid, "call_id": call.id})
        latest = getattr(call, "latest", None)
        if callable(latest):  # it may have ended while we recorded its start
            self.call_changed(latest())

    def conversation_of_call(self, call_id: str) -> Key | None:
        return self._calls.get(call_id)

    async def call_line(self, merchant_id: str, call_id: str, speaker: Speaker, text: str) -> None:
        """What was said in a call while the AI attended it: lands on the call's conversation (for the person
        who answers). Unlinked calls are ignored."""
        key = self._calls.get(call_id)
        if key is None or key[0] != merchant_id or not text.strip():
            return
        if speaker is Speaker.SHOPPER:
            await self._append(merchant_id, key[1], lambda at: [ShopperMessage(at, text[:MAX_TEXT])])
        else:
            await self._append(merchant_id, key[1], lambda at: [AiMessage(at, text[:MAX_TEXT])])

    async def _call_ended(self, key: Key, call_id: str, outcome: CallOutcome, duration_s: float) -> None:
        try:
            await self._append(key[0], key[1], lambda at: [CallEnded(at, call_id, outcome, duration_s)])
        except Exception:
            log.exception("could not record the end of call %s on %s", call_id, key)
            return
        await self._webhook(key[0], EventType.CALL_ENDED, {"conversation_id": key[1], "call_id": call_id,
                                                           "outcome": outcome.value, "duration_s": duration_s})


__all__ = ["DeskService", "WebhookSink"]
