"""The AI in a consult call while it rings: it joins the call's media room and talks with the shopper.

A :class:`~souk.consult.ports.CallListener`. A call of this node that rings for ``join_after_s`` (0: at
once) gets the AI as a participant of its Janus room (:class:`~souk.agent.transports.rtc.JanusVoiceParticipant`):
it publishes its voice, greets the shopper in the call's language, listens to whoever publishes under the
shopper's identity, and answers through the merchant's assistant brain, with barge-in. When a person
accepts the call it says "<name> is joining now" (templates: :mod:`souk.consult.templates`), waits for the
line to be played (at most ``handover_wait_s``) and leaves; when the call ends any other way it leaves at
once. Everything said (the shopper's transcripts, the AI's lines as far as they were heard) goes to
``on_line(merchant_id, call_id, speaker, text)`` in order, so the desk can put it on the conversation.

It does not join when no voice engine is configured, when the engine is at its session limit (logged), or
when the models fail to load. Optionally it is announced to the room's signaling members (a
:class:`RoomRoster`, see :mod:`souk.consult.roster`) so the shopper's client subscribes to its voice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from souk.agent.brain import Brain, BrainSession
from souk.agent.session import VoiceEngine
from souk.agent.transports.rtc import JanusVoiceParticipant, RoomPlane
from souk.consult.models import Call, CallState
from souk.consult.templates import line
from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.domain.desk.handoff import Speaker
from souk.domain.desk.staff import StaffProfile

log = logging.getLogger(__name__)

IDENTITY = "souk-assistant"  # the AI's identity (and Janus display) in a call's room
NAME = "Assistant"
HANDOVER_WAIT_S = 3.0
LINES_LIMIT = 1000  # lines waiting for on_line, all calls together
DRAIN_S = 5.0

OnLine = Callable[[str, str, Speaker, str], Awaitable[None]]


class AttendantMedia(RoomPlane, Protocol):
    """What the attendant needs of souk.media.plane.MediaPlane."""

    def room_spec(self, room: RoomKey) -> Any: ...

    async def ensure_room(self, room: RoomKey, *, kind: Any = "consult", max_publishers: int = 2) -> Any: ...


class VoicePool(Protocol):
    """souk.agent.service.VoiceService: the engine, and how many voice sessions it holds of how many."""

    max_sessions: int
    sessions: int

    async def engine(self) -> VoiceEngine: ...


class Brains(Protocol):
    """souk.assistant.service.AssistantService: one assistant per merchant."""

    def brain_for(self, merchant_id: str) -> Brain: ...


class StaffNames(Protocol):
    """souk.desk.ports.StaffStore: the name of the person who answered."""

    async def agent(self, merchant_id: str, agent_id: str) -> StaffProfile | None: ...


class RoomRoster(Protocol):
    """The room's signaling members (souk.consult.roster.HubRoster over the signaling hub)."""

    def enter(self, room: RoomKey, identity: str, name: str, leave: Callable[[str], Awaitable[None]]) -> bool:
        """Add the AI as a member; False when someone else holds ``identity`` there. ``leave`` is called
        when the room closes."""

    def published(self, room: RoomKey, identity: str, feed_id: int) -> None: ...

    def exit(self, room: RoomKey, identity: str) -> None: ...

    def red(self, room: RoomKey, identity: str) -> bool:
        """Whether ``identity`` publishes its audio as RFC 2198 RED there (souk.signal.red)."""
        ...


def voice_language(language: str) -> str | None:
    """The call's language as the voice session takes it (ISO 639-1: ``pt-BR`` -> ``pt``); None: detect it."""
    base = (language or "").split("-")[0].split("_")[0].strip().lower()
    return base if 2 <= len(base) <= 3 and base.isalpha() else None


@dataclass(eq=False)
class _Visit:
    call: Call
    room: RoomKey
    task: asyncio.Task[None] | None = None
    participant: JanusVoiceParticipant | None = None
    brain: BrainSession | None = None
    joined: bool = False
    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    handover_said: asyncio.Event = field(default_factory=asyncio.Event)
    handover: bool = False  # the hand-over line was asked for
    handover_utterance: int = -1
    pending: dict[int, str] = field(default_factory=dict)  # utterance -> the AI's text, until it is played
    leaving: bool = False  # past the point where a cancel may cut in (leaving must finish)
    left: bool = False


class AiAttendant:
    def __init__(self, *, media: AttendantMedia, voice: VoicePool | None, brains: Brains, on_line: OnLine,
                 clock: Clock, join_after_s: float = 2.0, enabled: bool = True, node_id: str = "",
                 staff: StaffNames | None = None, roster: RoomRoster | None = None,
                 handover_wait_s: float = HANDOVER_WAIT_S, listen_wait_s: float = 10.0) -> None:
        self._media = media
        self._voice = voice
        self._brains = brains
        self._on_line = on_line
        self._clock = clock
        self.join_after_s = max(0.0, join_after_s)
        self.enabled = enabled and voice is not None  # no voice engine: never joins
        self.node_id = node_id
        self._staff = staff
        self._roster = roster
        self._handover_wait_s = handover_wait_s
        self._listen_wait_s = listen_wait_s
        self._visits: dict[str, _Visit] = {}
        self._lines: asyncio.Queue[tuple[str, str, Speaker, str]] = asyncio.Queue(LINES_LIMIT)
        self._writer: asyncio.Task[None] | None = None
        self._tasks = TaskOwner("ai-attendant")
        self._closed = False
        self.joined = 0  # calls it joined (stats, tests)
        self.skipped_busy = 0  # calls it did not join: the voice engine was at its session limit

    def in_call(self, call_id: str) -> bool:
        """Whether the AI is in (or joining) the call's room now."""
        return call_id in self._visits

    # ---- CallListener ----
    def call_changed(self, call: Call) -> None:
        visit = self._visits.get(call.id)
        if call.state is CallState.RINGING:
            if visit is None and self.enabled and not self._closed and call.node == self.node_id:
                visit = _Visit(call, RoomKey(call.merchant_id, call.room_id))
                self._visits[call.id] = visit
                visit.task = self._tasks.spawn(self._attend(visit), f"attend-{call.id}")
        elif visit is None:
            return
        elif call.state is CallState.ACCEPTED and visit.joined:
            visit.call = call
            visit.accepted.set()  # say the hand-over line, then leave
        else:  # ended, or answered before the AI was in the room (the shopper never heard it): leave now
            visit.call = call
            self._cancel(visit)

    def _cancel(self, visit: _Visit) -> None:
        if visit.task is not None and not visit.task.done() and not visit.leaving:
            visit.task.cancel()

    # ---- one call ----
    async def _attend(self, visit: _Visit) -> None:
        call = visit.call
        voice = self._voice
        counted = False
        try:
            if self.join_after_s > 0:
                await self._clock.sleep(self.join_after_s)
            engine = await self._engine(call) if voice is not None else None
            if voice is None or engine is None:
                return
            voice.sessions += 1
            counted = True
            language = voice_language(call.language)
            visit.brain = self._brains.brain_for(call.merchant_id).new_session(
                customer_id=None, language=language, channel="voice")
            if self._media.room_spec(visit.room) is None:  # the shopper has not joined yet: make the room
                await self._media.ensure_room(visit.room, kind="consult", max_publishers=3)
            p = JanusVoiceParticipant(self._media, engine, visit.brain, visit.room, display=IDENTITY,
                                      language=language, on_event=lambda ev: self._heard(visit, ev))
            visit.participant = p
            await p.join()
            visit.joined = True
            self.joined += 1
            self._announce(visit)
            text, lang = line("greeting", call.language)
            await p.say(text, lang)
            p.follow(call.shopper, wait_s=self._listen_wait_s, red=lambda: self._red(visit.room, call.shopper))
            log.info("call %s: the AI joined room %s (merchant=%s)", call.id, visit.room.room_id, call.merchant_id)
            await visit.accepted.wait()
            await self._hand_over(visit, p)
        except SoukError as exc:
            log.warning("call %s: the AI could not join or stay: %s", call.id, exc.message)
        finally:
            visit.leaving = True  # a cancel from now on would cut the leaving short: none is sent
            try:
                await self._leave(visit)
            finally:
                if counted and voice is not None:
                    voice.sessions -= 1

    async def _engine(self, call: Call) -> VoiceEngine | None:
        voice = self._voice
        if voice is None:
            return None
        if voice.sessions >= voice.max_sessions:
            self.skipped_busy += 1
            log.warning("call %s: the voice engine is busy (%d of %d sessions); the AI does not join", call.id,
                        voice.sessions, voice.max_sessions)
            return None
        try:
            engine = await voice.engine()
        except SoukError as exc:
            log.warning("call %s: no voice engine (%s); the AI does not join", call.id, exc.message)
            return None
        if voice.sessions >= voice.max_sessions:  # taken while the models loaded
            self.skipped_busy += 1
            log.warning("call %s: the voice engine is busy; the AI does not join", call.id)
            return None
        return engine

    def _red(self, room: RoomKey, identity: str) -> bool:
        """The shopper's browser publishes RED in a consult room: the AI unwraps it (souk.agent.transports.red)."""
        return self._roster is not None and self._roster.red(room, identity)

    def _announce(self, visit: _Visit) -> None:
        p = visit.participant
        if self._roster is None or p is None or p.feed_id is None:
            return
        if self._roster.enter(visit.room, IDENTITY, NAME, lambda reason: self._room_closed(visit, reason)):
            self._roster.published(visit.room, IDENTITY, p.feed_id)
        else:
            log.warning("call %s: %r is taken in room %s; the AI is not announced", visit.call.id, IDENTITY,
                        visit.room.room_id)

    async def _room_closed(self, visit: _Visit, reason: str) -> None:
        """The room closes (the call ended, seen by the hub first): leave now."""
        self._cancel(visit)
        if visit.task is not None:
            await asyncio.gather(visit.task, return_exceptions=True)

    async def _hand_over(self, visit: _Visit, p: JanusVoiceParticipant) -> None:
        call = visit.call
        name = await self._name(call)
        text, lang = line("joining", call.language, name=name) if name else line("joining_unnamed", call.language)
        visit.handover = True
        await p.say(text, lang)
        try:
            await asyncio.wait_for(visit.handover_said.wait(), self._handover_wait_s)
        except TimeoutError:
            log.info("call %s: the hand-over line was not played within %.1f s; leaving", call.id,
                     self._handover_wait_s)

    async def _name(self, call: Call) -> str:
        if self._staff is None or not call.seller:
            return ""
        try:
            profile = await self._staff.agent(call.merchant_id, call.seller)
        except SoukError as exc:
            log.info("call %s: no name for %s (%s)", call.id, call.seller, exc.message)
            return ""
        return profile.name.strip() if profile is not None else ""

    async def _leave(self, visit: _Visit) -> None:
        if visit.left:
            return
        visit.left = True
        if self._visits.get(visit.call.id) is visit:
            del self._visits[visit.call.id]
        if self._roster is not None and visit.joined:
            self._roster.exit(visit.room, IDENTITY)
        try:
            if visit.participant is not None:
                await visit.participant.aclose()  # closes the voice session and its brain
            elif visit.brain is not None:
                await visit.brain.aclose()
        except Exception:  # the call goes on without the AI whatever happened here
            log.exception("call %s: the AI's leaving failed", visit.call.id)
        for text in visit.pending.values():  # generated, maybe partly played: the person should see it
            self._line(visit, Speaker.AI, text)
        visit.pending.clear()
        if visit.joined:
            log.info("call %s: the AI left room %s (%s)", visit.call.id, visit.room.room_id,
                     visit.call.state.value)

    # ---- what was said ----
    def _heard(self, visit: _Visit, ev: dict[str, Any]) -> None:
        kind = ev.get("type")
        if kind == "transcript" and ev.get("final") and str(ev.get("text") or "").strip():
            self._line(visit, Speaker.SHOPPER, str(ev["text"]).strip())
        elif kind == "agent_text":
            utterance = int(ev.get("utterance", -1))
            visit.pending[utterance] = str(ev.get("text") or "")
            if ev.get("scripted") and visit.handover and visit.handover_utterance < 0:
                visit.handover_utterance = utterance
        elif kind == "audio_end":
            utterance = int(ev.get("utterance", -1))
            text = visit.pending.pop(utterance, "")
            if ev.get("interrupted"):  # barged in on: the person sees what the shopper heard
                heard = str(ev.get("heard_text") or "").strip()
                text = f"{heard}…" if heard else ""
            if text.strip():
                self._line(visit, Speaker.AI, text.strip())
            if utterance == visit.handover_utterance:
                visit.handover_said.set()

    def _line(self, visit: _Visit, speaker: Speaker, text: str) -> None:
        call = visit.call
        try:
            self._lines.put_nowait((call.merchant_id, call.id, speaker, text))
        except asyncio.QueueFull:
            log.error("call %s: %d lines wait for the desk; dropping a %s line", call.id, LINES_LIMIT,
                      speaker.value)
            return
        if self._writer is None:
            try:
                self._writer = self._tasks.spawn(self._write(), "lines")
            except RuntimeError:  # stopped: nobody hands lines over any more
                log.error("call %s: a %s line after the attendant stopped", call.id, speaker.value)

    async def _write(self) -> None:
        while True:
            merchant_id, call_id, speaker, text = await self._lines.get()
            try:
                await self._on_line(merchant_id, call_id, speaker, text)
            except Exception:  # the desk failing must not stop the call or the next lines
                log.exception("call %s: on_line failed for a %s line", call_id, speaker.value)
            finally:
                self._lines.task_done()

    # ---- life cycle ----
    async def aclose(self) -> None:
        """Leave every call, hand the lines still waiting to ``on_line`` (at most DRAIN_S), stop."""
        if self._closed:
            return
        self._closed = True
        visits = list(self._visits.values())
        for visit in visits:
            self._cancel(visit)
        await asyncio.gather(*(v.task for v in visits if v.task is not None), return_exceptions=True)
        if self._writer is not None:
            try:
                await asyncio.wait_for(self._lines.join(), DRAIN_S)
            except TimeoutError:
                log.warning("%d AI call lines not handed to the desk at shutdown", self._lines.qsize())
        await self._tasks.aclose()
