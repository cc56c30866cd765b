"""The desk's engine room: its state, locks, stored appends and pushes (``DeskService`` adds the operations).

See ``souk.desk.service`` for what the desk does; this module holds how it records and tells.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.core.metrics import Metrics
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.desk.feeds import Frame, Listeners
from souk.desk.ports import ConversationStore, DeskSettingsStore, StaffStore
from souk.desk.rebuild import places, rebuild, without
from souk.desk.views import last_packet, packet_dict, route_of, shopper_events, staff_event, summary
from souk.domain.desk import routing as r
from souk.domain.desk.handoff import HandoffPacket
from souk.domain.desk.notice import HandoffNotice, NoticeKind
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import (
    MAX_EVENTS,
    AgentMessage,
    Assigned,
    Conversation,
    Event,
    Status,
    Transferred,
)
from souk.domain.desk.webhooks import EventType, WebhookEvent

log = logging.getLogger(__name__)

Key = tuple[str, str]
DEFAULT_HANDLING_S = 300.0  # the expected handling time until the merchant has history
HANDLING_SAMPLES = 50
OWNERSHIP_EVERY_TICKS = 5  # several nodes: how often a node checks it still serves the desks it loaded
CACHE_MAX = 20_000  # conversations kept in memory by the node serving their desk


DESK_ROOM = "~desk"  # the pin that says which node serves a merchant's desk


class DeskRouter(Protocol):
    """souk.cluster.nodes.RoomRouter as the desk uses it: one node serves a merchant's desk."""

    async def require_here(self, room: RoomKey) -> None: ...


class WebhookSink(Protocol):
    async def enqueue(self, event: WebhookEvent) -> None: ...


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")


class DeskCore:
    def __init__(self, conversations: ConversationStore, staff: StaffStore, settings: DeskSettingsStore, *,
                 clock: Clock, webhooks: WebhookSink | None = None, agent_grace_s: float = 15.0,
                 tick_s: float = 1.0, router: DeskRouter | None = None) -> None:
        self._router = router
        self._adopted: set[str] = set()
        self._store = conversations
        self._staff = staff
        self._settings_store = settings
        self._clock = clock
        self._webhooks = webhooks
        self._grace_s = agent_grace_s
        self._tick_s = tick_s
        self._state = r.DeskState()
        self._route_lock = asyncio.Lock()
        self._conv_locks: defaultdict[Key, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_at: dict[Key, dt.datetime] = {}
        self._listeners = Listeners()
        self._settings: dict[str, DeskSettings] = {}
        self._profiles: dict[Key, StaffProfile] = {}
        self._grace: dict[Key, asyncio.Task[Any]] = {}
        self._assigned_at: dict[Key, dt.datetime] = {}
        # waits in the queue (souk.core.metrics), set when metrics are on (``metrics()`` is the desk's own report)
        self.meter: Metrics | None = None
        self._handling: defaultdict[str, deque[float]] = defaultdict(lambda: deque(maxlen=HANDLING_SAMPLES))
        self._cache: OrderedDict[Key, Conversation] = OrderedDict()  # see _get
        self._packets: dict[Key, HandoffPacket | None] = {}  # the last hand-off's packet of open conversations
        self._calls: dict[str, Key] = {}  # call id -> conversation
        self._video_offers: dict[Key, str] = {}  # conversation -> the agent who offered a video call
        self._tasks = TaskOwner("desk")
        self._closing = False

    # ---------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Rebuild the queues from the stored open conversations (agents come back away, see the module doc).
        With a router (several nodes) nothing is loaded here: a merchant's desk is loaded by the node that
        serves it, when it first serves it."""
        if self._router is None:
            self._settings = dict(await self._settings_store.all_desk_settings())
            profiles = await self._staff.all_agents()
            await self._load(None, profiles, await self._store.unfinished())
        self._tasks.spawn(self._ticking(), "desk-tick")

    async def require_here(self, merchant_id: str) -> None:
        """Conflict ``room_elsewhere`` (details: node, url) when another live node serves this merchant's desk;
        the first time this node serves it, its queues are loaded from storage."""
        if self._router is None:
            return
        await self._router.require_here(RoomKey(merchant_id, DESK_ROOM))
        if merchant_id not in self._adopted:
            self._settings[merchant_id] = await self._settings_store.desk_settings(merchant_id)
            profiles = await self._staff.agents(merchant_id)
            unfinished = [c for c in await self._store.unfinished() if c.merchant_id == merchant_id]
            if merchant_id not in self._adopted:
                await self._load(merchant_id, profiles, unfinished)

    async def _load(self, merchant_id: str | None, profiles: Sequence[StaffProfile],
                    unfinished: Sequence[Conversation]) -> None:
        """Put stored agents and open conversations into the routing state (one merchant, or all of them)."""
        where = await places(self._store, unfinished)
        async with self._route_lock:
            self._drop_cached(merchant_id)  # what another node may have written since this one last served it
            built = rebuild(self._state, merchant_id, profiles, unfinished, where, self._settings, self._now())
            self._profiles.update({(p.merchant_id, p.id): p for p in profiles})
            self._assigned_at.update(built.assigned_at)
            self._last_at.update({c.key: c.updated_at for c in unfinished})
            self._state = built.state
            if merchant_id is not None:
                self._adopted.add(merchant_id)
        broken = r.violations(self._state)
        if broken:
            log.warning("desk state rebuilt with %d inconsistencies: %s", len(broken), broken[:5])
        for akey in built.away:  # restored holding work: back within the grace, or requeued
            self._arm_grace(*akey)
        log.info("desk loaded %s: %d open conversations, %d staff", merchant_id or "every merchant",
                 len(unfinished), len(profiles))

    async def aclose(self) -> None:
        self._closing = True
        for task in self._grace.values():
            task.cancel()
        self._grace.clear()
        await self._tasks.aclose()
        self._listeners.close_all()

    async def _ticking(self) -> None:
        ticks = 0
        while True:
            await self._clock.sleep(self._tick_s)
            ticks += 1
            try:
                if self._router is not None and ticks % OWNERSHIP_EVERY_TICKS == 0:
                    await self._check_ownership()
                await self._route(lambda: r.tick(self._state, self._now()), None)
            except Exception:  # one bad tick must not stop overflow for good
                log.exception("desk tick failed")

    async def _check_ownership(self) -> None:
        """A node cut off from the others (not dead) may find another node took a merchant's desk over: it
        drops what it held of that desk (routing state, timers, sockets) instead of acting on it, and loads it
        afresh from the database if the desk comes back to it."""
        assert self._router is not None
        for merchant_id in list(self._adopted):
            try:
                await self._router.require_here(RoomKey(merchant_id, DESK_ROOM))
            except Conflict:
                await self._forget(merchant_id)

    async def _forget(self, merchant_id: str) -> None:
        log.warning("desk of %s is served by another node now: dropping this node's copy", merchant_id)
        async with self._route_lock:
            self._adopted.discard(merchant_id)
            self._state = without(self._state, merchant_id)
            for key in [k for k in self._grace if k[0] == merchant_id]:
                self._grace.pop(key).cancel()
            self._drop_cached(merchant_id)
        for prefix in (("staff", merchant_id), ("shopper", merchant_id)):  # they reconnect, and are sent on
            for feed_key in self._listeners.keys_with_prefix(prefix):
                self._listeners.close_key(feed_key)

    # ---------------------------------------------------------------- settings and staff
    async def settings_for(self, merchant_id: str) -> DeskSettings:
        await self.require_here(merchant_id)
        found = self._settings.get(merchant_id)
        if found is None:
            found = await self._settings_store.desk_settings(merchant_id)
            self._settings[merchant_id] = found
        return found

    async def put_settings(self, merchant_id: str, settings: DeskSettings) -> None:
        await self.require_here(merchant_id)
        await self._settings_store.put_desk_settings(merchant_id, settings)
        self._settings[merchant_id] = settings
        wait = dt.timedelta(seconds=settings.max_wait_s) if settings.max_wait_s else None
        await self._route(lambda: r.set_max_wait(self._state, merchant_id, wait, self._now()), merchant_id)

    async def put_agent(self, profile: StaffProfile) -> None:
        await self.require_here(profile.merchant_id)
        key = (profile.merchant_id, profile.id)
        async with self._route_lock:  # checked against what it holds before it is stored
            step = r.upsert_agent(self._state, profile.merchant_id, profile.id, profile.skills, profile.capacity,
                                  self._now())
            await self._staff.put_agent(profile)
            self._profiles[key] = profile
            await self._apply(step)
        self._staff_all(profile.merchant_id, {"type": "queues", **self.queues(profile.merchant_id)})

    async def remove_agent(self, merchant_id: str, agent_id: str) -> bool:
        await self.require_here(merchant_id)
        if (merchant_id, agent_id) in self._state.agents:
            await self.set_presence(merchant_id, agent_id, r.Presence.OFFLINE)
        async with self._route_lock:
            agents = {k: v for k, v in self._state.agents.items() if k != (merchant_id, agent_id)}
            self._state = dataclasses.replace(self._state, agents=agents)
            self._profiles.pop((merchant_id, agent_id), None)
        return await self._staff.remove_agent(merchant_id, agent_id)

    async def agents(self, merchant_id: str) -> list[StaffProfile]:
        return await self._staff.agents(merchant_id)

    def agent_name(self, merchant_id: str, agent_id: str) -> str:
        p = self._profiles.get((merchant_id, agent_id))
        return (p.name if p and p.name else agent_id)

    def _notice(self, conv: Conversation, settings: DeskSettings) -> HandoffNotice:
        if conv.status is Status.ASSIGNED and conv.agent_id:
            return HandoffNotice(NoticeKind.ASSIGNED, agent_name=self.agent_name(conv.merchant_id, conv.agent_id))
        now = self._now()
        if settings.hours is not None and not settings.hours.open_at(now):
            return HandoffNotice(NoticeKind.AFTER_HOURS, opens_at=settings.hours.next_open(now),
                                 email_offer=settings.email_offer)
        mine = self._state.conversations.get(conv.key)
        route = mine.route if mine else route_of(conv.queue, conv.language)
        est = r.estimate_wait(self._state, conv.merchant_id, route, self._average_handling(conv.merchant_id))
        position = est.position
        if mine is not None:  # its own place: the ones ahead of it
            position = sum(1 for c in self._state.waiting(conv.merchant_id, route.queue)
                           if c.order() < mine.order())
        if est.available:
            return HandoffNotice(NoticeKind.QUEUED, position=position,
                                 wait_s=None if est.wait is None else est.wait.total_seconds())
        return HandoffNotice(NoticeKind.NOBODY_ONLINE, position=position, email_offer=settings.email_offer)

    def _average_handling(self, merchant_id: str) -> dt.timedelta:
        xs = self._handling.get(merchant_id)
        return dt.timedelta(seconds=sum(xs) / len(xs) if xs else DEFAULT_HANDLING_S)

    def _arm_grace(self, merchant_id: str, agent_id: str) -> None:
        key = (merchant_id, agent_id)
        old = self._grace.pop(key, None)
        if old is not None:
            old.cancel()
        self._grace[key] = self._tasks.spawn(self._gone_after_grace(merchant_id, agent_id), f"desk-grace-{agent_id}")

    async def _gone_after_grace(self, merchant_id: str, agent_id: str) -> None:
        await self._clock.sleep(self._grace_s)
        self._grace.pop((merchant_id, agent_id), None)
        if self._router is not None and merchant_id not in self._adopted:
            return  # another node serves this desk now (see _forget)
        if not self._listeners.count(("staff", merchant_id, agent_id)):
            log.info("desk agent %s/%s gone: its conversations go back to their queues", merchant_id, agent_id)
            await self.set_presence(merchant_id, agent_id, r.Presence.OFFLINE)

    async def set_presence(self, merchant_id: str, agent_id: str, presence: r.Presence) -> None:
        await self.require_here(merchant_id)
        await self._route(lambda: r.set_presence(self._state, merchant_id, agent_id, presence, self._now()),
                          merchant_id)
        self._staff_all(merchant_id, {"type": "queues", **self.queues(merchant_id)})
        self._listeners.send(("staff", merchant_id, agent_id), {"type": "presence", "presence": presence.value})

    def queues(self, merchant_id: str) -> dict[str, Any]:
        now = self._now()
        by_queue: dict[str, list[r.Conversation]] = defaultdict(list)
        for c in self._state.waiting(merchant_id):
            by_queue[c.route.queue].append(c)
        agents = []
        for a in sorted((a for a in self._state.agents.values() if a.merchant_id == merchant_id), key=lambda a: a.id):
            agents.append({"id": a.id, "name": self.agent_name(merchant_id, a.id), "presence": a.presence.value,
                           "load": self._state.load(a), "capacity": a.capacity, "holds": list(a.open)})
        return {"queues": [{"queue": q, "waiting": len(cs), "oldest_wait_s":
                            round((now - min(c.enqueued_at for c in cs)).total_seconds(), 1)}
                           for q, cs in sorted(by_queue.items())],
                "agents": agents}

    def _waited(self, step: r.Step) -> None:
        """Before ``step`` is adopted: how long each conversation it takes from the queue waited there."""
        if self.meter is None or not step.assignments:
            return
        now = self._now()
        for a in step.assignments:
            c = self._state.conversations.get((a.merchant_id, a.conversation_id))
            if c is not None and c.waiting:
                self.meter.desk_wait((now - c.enqueued_at).total_seconds())

    def waiting_now(self) -> dict[str, tuple[int, float]]:
        """Every merchant's waiting conversations on this node: (how many, the oldest one's wait in s), for
        the metrics (souk.api.metrics_boot)."""
        now = self._now()
        out: dict[str, tuple[int, float]] = {}
        for c in self._state.conversations.values():
            if c.waiting:
                n, oldest = out.get(c.merchant_id, (0, 0.0))
                out[c.merchant_id] = (n + 1, max(oldest, (now - c.enqueued_at).total_seconds()))
        return out

    # ---------------------------------------------------------------- internals
    async def _get(self, merchant_id: str, conversation_id: str) -> Conversation:
        """The conversation's current state: this node writes every change of the merchants whose desk it
        serves, so it keeps the rows it wrote (bounded) instead of reading them back each time."""
        key = (merchant_id, conversation_id)
        conv = self._cache.get(key)
        if conv is None:
            conv = await self._store.get(merchant_id, conversation_id)
            self._remember(conv)
        else:
            self._cache.move_to_end(key)
        return conv

    def _drop_cached(self, merchant_id: str | None) -> None:
        """Forget the kept rows (and last event times) of one merchant, or of every merchant."""
        for key in [k for k in self._cache if merchant_id is None or k[0] == merchant_id]:
            del self._cache[key]
            self._last_at.pop(key, None)

    def _remember(self, conv: Conversation) -> None:
        self._cache[conv.key] = conv
        self._cache.move_to_end(conv.key)
        while len(self._cache) > CACHE_MAX:
            self._cache.popitem(last=False)

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    async def _append(self, merchant_id: str, conversation_id: str, make: Callable[[dt.datetime], list[Event]],
                      *, held: frozenset[Key] = frozenset()) -> tuple[Conversation, int]:
        """Append under the conversation's lock (already ``held`` by the caller, or taken here), at a time never
        before its last event; push the new events."""
        key = (merchant_id, conversation_id)
        async with contextlib.nullcontext() if key in held else self._conv_locks[key]:
            last = self._last_at.get(key)
            if last is None:
                last = (await self._get(merchant_id, conversation_id)).updated_at
            at = max(self._now(), last)
            events = make(at)
            try:
                conv, seq = await self._store.append(merchant_id, conversation_id, events)
            except BaseException:
                self._cache.pop(key, None)  # the stored row is the truth: read it again next time
                raise
            self._remember(conv)
            self._last_at[key] = conv.updated_at
        first = seq - len(events) + 1
        for i, event in enumerate(events):
            self._push_event(conv, first + i, event)
        return conv, seq

    def _push_event(self, conv: Conversation, seq: int, event: Event) -> None:
        frame = {"type": "event", "conversation_id": conv.id, "event": staff_event(seq, event)}
        self._staff_all(conv.merchant_id, frame)
        seen = shopper_events([(seq, event)])
        if seen:
            body = seen[0]
            if isinstance(event, (AgentMessage, Assigned)):
                body["agent_name"] = self.agent_name(conv.merchant_id, event.agent_id)
            self._to_shopper(conv.key, {"type": "desk", "event": body})

    async def _route(self, compute: Callable[[], r.Step], merchant_id: str | None, *, notify_key: Key | None = None,
                     moved_by: str = "") -> Conversation | None:
        """Take a routing step under the routing lock, then record what it decided after releasing it, holding
        the locks of the conversations it moved (taken under the routing lock: their events keep the routing
        order, and other hand-offs need not wait for these database writes)."""
        async with self._route_lock:
            step = compute()
            self._waited(step)
            self._state = step.state
            keys: list[Key] = sorted({(a.merchant_id, a.conversation_id) for a in step.assignments}
                                     | {(merchant_id, cid) for cid in step.requeued if merchant_id is not None})
            taken: list[asyncio.Lock] = []
            try:
                for key in keys:
                    lock = self._conv_locks[key]
                    await lock.acquire()
                    taken.append(lock)
            except BaseException:
                for lock in taken:
                    lock.release()
                raise
        try:
            return await self._apply(step, notify_key=notify_key, moved_by=moved_by, held=frozenset(keys),
                                     adopt=False, merchant_id=merchant_id)
        finally:
            for lock in taken:
                lock.release()

    async def _apply(self, step: r.Step, *, notify_key: Key | None = None, moved_by: str = "",
                     held: frozenset[Key] = frozenset(), adopt: bool = True,
                     merchant_id: str | None = None) -> Conversation | None:
        """Adopt a routing step (caller holds the routing lock; ``adopt=False``: ``_route`` did) and record
        what it decided: assignments, conversations taken back from an agent who left. Returns
        ``notify_key``'s conversation when it moved."""
        if adopt:
            self._waited(step)
            self._state = step.state
        out: Conversation | None = None
        assigned = {a.conversation_id: a for a in step.assignments}
        for cid in step.requeued:
            if cid in assigned:
                continue
            assert merchant_id is not None  # only set_presence takes conversations back: one merchant's step
            merchant = merchant_id
            conv, _ = await self._append(merchant, cid, _requeue(_queue_of(step.state, merchant, cid)), held=held)
            self._assigned_at.pop(conv.key, None)
            self._staff_all(merchant, {"type": "conversation", "conversation": self._summary(conv)})
            self._to_shopper(conv.key, {"type": "desk_status", "status": "queued",
                                        "notice": self._notice(conv, await self.settings_for(merchant)).to_dict()})
        for a in step.assignments:
            moved = a.conversation_id in step.requeued or (bool(moved_by) and notify_key == (a.merchant_id,
                                                                                              a.conversation_id))
            conv = await self._record_assignment(a, moved, "agent_offline" if a.conversation_id in step.requeued
                                                 else moved_by, held)
            if notify_key == conv.key:
                out = conv
        return out

    async def _record_assignment(self, a: r.Assignment, moved: bool, reason: str,
                                 held: frozenset[Key] = frozenset()) -> Conversation:
        """``moved``: from one person to another (a transfer, or taken back from one who left), else from the
        queue."""
        if moved:
            conv, _ = await self._append(a.merchant_id, a.conversation_id, lambda at: [
                Transferred(at, to_agent=a.agent_id, reason=reason)], held=held)
        else:
            conv, _ = await self._append(a.merchant_id, a.conversation_id, lambda at: [Assigned(at, a.agent_id)],
                                         held=held)
        self._assigned_at[conv.key] = conv.updated_at
        if conv.key in self._packets:
            packet = self._packets[conv.key]
        else:  # after a restart: the packet of its last hand-off
            packet = last_packet(await self._store.events(a.merchant_id, a.conversation_id, limit=MAX_EVENTS))
            self._packets[conv.key] = packet
        self._listeners.send(("staff", a.merchant_id, a.agent_id), {
            "type": "assigned", "conversation": self._summary(conv), "packet": packet_dict(packet),
            "overflow": a.overflow})
        self._staff_all(a.merchant_id, {"type": "conversation", "conversation": self._summary(conv)})
        notice = HandoffNotice(NoticeKind.ASSIGNED, agent_name=self.agent_name(a.merchant_id, a.agent_id))
        self._to_shopper(conv.key, {"type": "desk_status", "status": "assigned", "notice": notice.to_dict()})
        await self._webhook(a.merchant_id, EventType.ASSIGNED, {"conversation": summary(conv), "agent_id": a.agent_id})
        return conv

    def _summary(self, conv: Conversation) -> dict[str, Any]:
        mine = self._state.conversations.get(conv.key)
        since = mine.enqueued_at if mine is not None and mine.waiting else None
        return summary(conv, waiting_since=since, now=self._now())

    def _staff_all(self, merchant_id: str, frame: Frame) -> None:
        for key in self._listeners.keys_with_prefix(("staff", merchant_id)):
            self._listeners.send(key, frame)

    def _to_shopper(self, key: Key, frame: Frame) -> int:
        return self._listeners.send(("shopper", *key), frame)

    async def _webhook(self, merchant_id: str, kind: EventType, data: dict[str, Any]) -> None:
        if self._webhooks is None:
            return
        event = WebhookEvent(merchant_id, new_id("evt"), kind, self._clock.wall(), data)
        try:
            await self._webhooks.enqueue(event)
        except Exception:  # delivery never blocks or breaks the request that caused it
            log.exception("could not queue webhook %s for %s", kind.value, merchant_id)


def _requeue(queue: str) -> Callable[[dt.datetime], list[Event]]:
    return lambda at: [Transferred(at, to_queue=queue, reason="agent_offline")]


def _queue_of(state: r.DeskState, merchant_id: str, conversation_id: str) -> str:
    conv = state.conversations.get((merchant_id, conversation_id))
    return conv.route.queue if conv is not None else "default"


