"""The desk's side of the voice socket (``souk.api.routes.voice``): a voice conversation is one desk conversation.

* What was said lands on the conversation's timeline (channel ``assistant_voice``): the shopper's turn and the
  AI's reply as the shopper heard it (cut at a barge-in, from the voice session's ``audio_end``), recorded
  once the reply's audio ended.
* A hand-off (the brain's own, or a merchant rule that trips, decided right after the brain's answer as the text
  routes do) goes to the desk with its packet once that reply was heard; the desk's notice is then spoken in
  the shopper's language (``VoiceSession.say``) and sent as a ``desk_status`` event with its ``text``.
* While a person has the conversation the shopper's turns go to them (``{"type":"sent"}``) and the AI says
  nothing; the person's messages are spoken and the desk's shopper frames (``desk``, ``desk_status``,
  ``csat_request``, ``call_offer``, ``call``) go out on the voice socket in the text socket's shapes.

The conversation is the assistant's (:class:`~souk.assistant.service.Conversation`): the voice socket's
``?session=`` joins the shopper's text conversation (the widget switching to voice: one history, one desk
conversation), else the socket opens its own. A ``scripted`` ``agent_text`` spoken for the desk carries
``"desk": "notice"`` or ``"desk": "agent_message"`` (with ``seq`` and ``agent_name``) so a client that also
shows the desk's frames does not show a person's message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from souk.agent.brain import BrainReply
from souk.agent.processors.output import VoiceOutput
from souk.api import shopper_desk
from souk.api.context import AppContext
from souk.assistant.handoff import compose, notice_text
from souk.assistant.service import AssistantService, Conversation
from souk.auth.tokens import AccessClaims
from souk.core.errors import RateLimited, SoukError, Timeout
from souk.desk.feeds import Feed
from souk.desk.service import DeskService
from souk.domain.desk.handoff import HandoffDecision, HandoffReason
from souk.domain.desk.notice import HandoffNotice, NoticeKind
from souk.domain.desk.timeline import Channel, Status

log = logging.getLogger(__name__)

REPLY_TIMEOUT_S = 30.0
JOBS_LIMIT = 200  # desk writes waiting, for one voice session
DRAIN_S = 5.0  # at the end: how long the turns still waiting may take to reach the desk
SAID_LIMIT = 50  # lines said for the desk whose agent_text has not come by yet
QUIET = "desk_quiet"  # metadata of the empty reply while a person has the conversation


class Speaker(Protocol):
    """souk.agent.session.VoiceSession: speak a line as written."""

    async def say(self, text: str, language: str) -> None: ...


@dataclass(eq=False, slots=True)
class _Turn:
    text: str  # what the shopper said (the final transcript, or typed)
    reply: BrainReply
    record: bool  # False once a person closed the conversation: later turns are the AI's alone
    handoff: HandoffReason | None  # decided when the brain answered; done once the reply was heard
    utterance: int = -1  # the voice session's utterance that speaks it (-1: not spoken yet)


class _DeskBrain:
    """The BrainSession the voice session talks to: the assistant conversation, or the person who has it."""

    def __init__(self, link: DeskVoice) -> None:
        self._link = link

    async def reply(self, user_text: str, *, language_hint: str | None = None) -> BrainReply:
        return await self._link.reply(user_text, language_hint)

    def truncate_last_reply(self, heard_text: str) -> None:
        self._link.conv.session.truncate_last_reply(heard_text)

    async def aclose(self) -> None:
        """The voice session ends; the conversation is the route's to close (``DeskVoice.aclose``)."""


class DeskVoice:
    """One voice socket joined to its desk conversation: the voice session's brain (``.brain``) and its output
    (this object: it watches the events on their way to ``out``)."""

    def __init__(self, ctx: AppContext, service: AssistantService, desk: DeskService, claims: AccessClaims,
                 conv: Conversation, out: VoiceOutput, *, language: str | None, owned: bool,
                 on_overflow: Callable[[SoukError], None] | None = None) -> None:
        self.ctx = ctx
        self.service = service
        self.desk = desk
        self.claims = claims
        self.conv = conv
        self.owned = owned  # the socket opened it (or resumed a voice one): it ends it
        self.language = language
        self.brain = _DeskBrain(self)
        self._out = out
        self._on_overflow = on_overflow
        self._speaker: Speaker | None = None
        self._turns: deque[_Turn] = deque()
        self._quiet: set[int] = set()
        self._said: dict[str, dict[str, Any]] = {}  # a line said for the desk -> what its agent_text carries
        self._jobs: asyncio.Queue[Callable[[], Awaitable[None]] | None] = asyncio.Queue(JOBS_LIMIT)
        self._feed: Feed | None = None
        self._pump: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._waiting = False  # the desk said "queued": a person taking it over is announced
        self._closed = False

    def start(self, speaker: Speaker) -> None:
        """Listen to the desk's frames for this shopper and start writing the turns."""
        self._speaker = speaker
        self._feed = self.desk.shopper_feed(self.claims.merchant_id, self.conv.id)
        self._pump = asyncio.create_task(self._pump_feed(self._feed), name=f"voice-desk-feed:{self.conv.id}")
        self._worker = asyncio.create_task(self._work(), name=f"voice-desk-writer:{self.conv.id}")

    # ---- the brain side ----
    async def reply(self, text: str, language_hint: str | None) -> BrainReply:
        conv, claims = self.conv, self.claims
        self.service.get(conv.id, claims.merchant_id, claims.identity)  # touch (NotFound once it idled out)
        try:
            status = await shopper_desk.status_of(self.desk, claims, conv.id)
        except SoukError as exc:  # the shopper still gets an answer; the desk misses this turn
            log.warning("desk: status of %s unknown: %s", conv.id, exc)
            status = None
        if status is Status.ASSIGNED:  # a person has it: they get the words, the AI says nothing
            sent = await shopper_desk.to_person(self.desk, claims, conv, text)
            await self._out.send_event(sent)
            return BrainReply("", language_hint or self.language or "en", metadata={QUIET: True})
        try:
            reply = await asyncio.wait_for(self.service.reply(conv, text, language_hint=language_hint),
                                           REPLY_TIMEOUT_S)
        except TimeoutError as exc:
            raise Timeout("the assistant took too long to answer", code="assistant_timeout") from exc
        reason = None
        if status in (None, Status.AI):
            reason = await self._decide()
        self._turns.append(_Turn(text, reply, status is not Status.CLOSED, reason))
        return reply

    async def _decide(self) -> HandoffReason | None:
        """The brain's hand-off or a merchant rule that trips (the text routes' after_ai_turn)."""
        try:
            settings = await self.desk.settings_for(self.claims.merchant_id)
        except SoukError as exc:
            log.warning("desk: no settings for %s: %s", self.claims.merchant_id, exc)
            return None
        async with self.conv.lock:
            if self.conv.tracker.handed_off:  # a person handed it back: what led to the hand-off is dealt with
                self.conv.tracker.handed_back()
            decision: HandoffDecision = self.conv.tracker.decide(settings.handoff)
        return decision.reason if decision.handoff else None

    # ---- the output side (VoiceOutput) ----
    async def send_audio(self, pcm: bytes) -> None:
        await self._out.send_audio(pcm)

    def flush_audio(self) -> None:
        """Barge-in: the socket drops the agent audio it has not sent yet."""
        flush = getattr(self._out, "flush_audio", None)
        if callable(flush):
            flush()

    async def send_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "agent_text":
            utterance = int(event.get("utterance", -1))
            if event.get("scripted"):
                extra = self._said.pop(str(event.get("text") or ""), None)
                if extra:
                    event = {**event, **extra}
            elif not event.get("text"):  # the quiet reply while a person has the conversation
                self._quiet.add(utterance)
                return
            else:
                self._spoken(str(event["text"]), utterance)
        elif kind == "audio_end":
            utterance = int(event.get("utterance", -1))
            if utterance in self._quiet:
                self._quiet.discard(utterance)
                return
            turn = next((t for t in self._turns if t.utterance == utterance >= 0), None)
            if turn is not None:
                self._turns.remove(turn)
                heard = str(turn.reply.text)
                if event.get("interrupted"):  # barged in on: only what the shopper heard
                    cut = str(event.get("heard_text") or "").strip()
                    heard = f"{cut}…" if cut else ""
                self._job(partial(self._finish, turn, heard, say=True))
        await self._out.send_event(event)

    def _spoken(self, text: str, utterance: int) -> None:
        """The voice session speaks a reply: the turn it answers. Turns before it never were spoken (cut before
        their first word): they land with no reply."""
        for turn in list(self._turns):
            if turn.utterance >= 0:
                continue
            if turn.reply.text == text:
                turn.utterance = utterance
                return
            self._turns.remove(turn)
            self._job(partial(self._finish, turn, "", say=False))

    # ---- desk writes, in order ----
    def _job(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            self._jobs.put_nowait(job)
        except asyncio.QueueFull:
            log.error("desk: %d writes wait for conversation %s; a turn is not recorded", JOBS_LIMIT, self.conv.id)

    async def _work(self) -> None:
        while True:
            job = await self._jobs.get()
            if job is None:
                return
            try:
                await job()
            except SoukError as exc:
                log.warning("desk: voice turn of %s not recorded: %s", self.conv.id, exc)
            except Exception:  # the desk failing must not stop the voice session or the next turns
                log.exception("desk: voice turn of %s failed", self.conv.id)

    async def ensure(self) -> Status:
        language = self.conv.tracker.language or self.language or "en"
        c = await self.desk.ensure(self.claims.merchant_id, self.conv.id, shopper=self.claims.identity,
                                   channel=Channel.ASSISTANT_VOICE, language=language,
                                   customer_id=self.claims.customer_id)
        return c.status

    async def _finish(self, turn: _Turn, heard: str, *, say: bool) -> None:
        """A turn's reply was heard (or cut): the timeline gets it, then the hand-off it decided."""
        if not turn.record:
            return
        status = await self.ensure()
        if status is Status.CLOSED:
            return
        await self.desk.record_turn(self.claims.merchant_id, self.conv.id, shopper=self.claims.identity,
                                    text=turn.text, reply_text=heard, tools=shopper_desk._tools(turn.reply))
        later = bool(self._turns)  # a later reply is on its way: the tracker's last line is that one
        if heard != turn.reply.text and not later:
            async with self.conv.lock:
                self.conv.tracker.revise_last_reply(heard)
        if turn.handoff is None or status is not Status.AI or not say:
            return
        notice = await shopper_desk.hand_off(self.desk, self.service, self.claims, self.conv, turn.handoff,
                                             video=turn.reply.handoff == "video")
        settings = await self.desk.settings_for(self.claims.merchant_id)
        language = turn.reply.language or self.language or "en"
        text = shopper_desk.render(language, notice, settings, _now(self.ctx))
        if not later:
            async with self.conv.lock:
                self.conv.tracker.revise_last_reply(compose(heard, text))
        status_frame = {"type": "desk_status", "status": shopper_desk.notice_status(notice),
                        "notice": notice.to_dict(), "text": text}
        await self._out.send_event(status_frame)
        await self._say(text, language, {"desk": "notice"})

    async def ask_for_person(self) -> dict[str, Any]:
        """The shopper's "talk to a person" on the voice socket: the notice, spoken and as a desk_status."""
        await self.ensure()
        answer = await shopper_desk.ask_for_person(self.ctx, self.service, self.claims, self.conv, self.language)
        async with self.conv.lock:
            language = self.conv.tracker.language or self.language or "en"
        await self._say(str(answer["text"]), language, {"desk": "notice"})
        return {"type": "desk_status", **answer}

    async def _say(self, text: str, language: str, tag: dict[str, Any]) -> None:
        if self._speaker is None or not text.strip() or self._closed:
            return
        if len(self._said) >= SAID_LIMIT:  # lines cut before their first word never come back: forget the oldest
            self._said.pop(next(iter(self._said)))
        self._said[text] = tag
        await self._speaker.say(text, language)

    # ---- the desk's frames for the shopper ----
    async def _pump_feed(self, feed: Feed) -> None:
        async for frame in feed:
            await self._out.send_event(frame)
            await self._heard_from_desk(frame)
        if feed.overflowed and self._on_overflow is not None:
            self._on_overflow(RateLimited("desk frames not read", code="slow_consumer"))

    async def _heard_from_desk(self, frame: dict[str, Any]) -> None:
        """Speak a person's message; and that a person took over a conversation that was waiting (a hand-off
        assigned at once was announced by its notice)."""
        event = frame.get("event") if frame.get("type") == "desk" else None
        kind = event.get("kind") if isinstance(event, dict) else None
        async with self.conv.lock:
            language = self.conv.tracker.language or self.language or "en"
        if isinstance(event, dict) and kind == "agent_message" and event.get("text"):
            await self._say(str(event["text"]), language, {"desk": "agent_message", "seq": event.get("seq"),
                                                            "agent_name": event.get("agent_name")})
            return
        name = None
        if frame.get("type") == "desk_status":
            status, notice = frame.get("status"), frame.get("notice")
            if status == "assigned" and self._waiting:
                name = str(notice.get("agent_name") or "") if isinstance(notice, dict) else ""
            else:
                self._waiting = status == "queued"
        elif isinstance(event, dict) and kind == "assigned" and self._waiting:
            name = str(event.get("agent_name") or "")
        if name is not None:
            self._waiting = False
            text = notice_text(language, HandoffNotice(NoticeKind.ASSIGNED, agent_name=name))
            await self._say(text, language, {"desk": "notice"})

    async def resumed_status(self) -> dict[str, Any] | None:
        """Where the desk stands for a socket that joins a conversation mid hand-off (None: with the AI)."""
        try:
            status = await self.desk.shopper_status(self.claims.merchant_id, self.conv.id, self.claims.identity)
        except SoukError:
            return None
        if status["status"] == "ai":
            return None
        self._waiting = status["status"] == "queued"
        return {"type": "desk_status", "status": status["status"], "notice": status.get("notice")}

    # ---- the end ----
    async def aclose(self, *, bye: bool) -> None:
        """After the voice session closed: the turns still waiting reach the desk (at most DRAIN_S), then the
        conversation ends when this socket owns it, unless it waits for or is with a person and the socket
        only dropped (resume with ``?session=``)."""
        if self._closed:
            return
        self._closed = True
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._feed is not None:
            self.desk.drop_shopper_feed(self.claims.merchant_id, self.conv.id, self._feed)
        while self._turns:  # replies being said when the socket closed: as far as they were generated
            turn = self._turns.popleft()
            self._job(partial(self._finish, turn, turn.reply.text if turn.utterance >= 0 else "", say=False))
        if self._worker is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._jobs.put_nowait(None)
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), DRAIN_S)
            except TimeoutError:
                log.warning("desk: %d voice turns of %s not recorded at the end", self._jobs.qsize(), self.conv.id)
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker
        if not self.owned:
            return
        keep = False
        if not bye:
            with contextlib.suppress(SoukError):
                keep = await shopper_desk.status_of(self.desk, self.claims, self.conv.id) in (
                    Status.QUEUED, Status.ASSIGNED)
        if not keep:
            with contextlib.suppress(SoukError):
                await self.service.close(self.conv.id, self.claims.merchant_id, self.claims.identity)


def _now(ctx: AppContext) -> dt.datetime:
    return dt.datetime.fromtimestamp(ctx.clock.wall(), dt.UTC)
