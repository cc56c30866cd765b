"""Desk routing at scale: 300 simultaneous hand-offs in 5 languages over 12 agents with mixed skills and
capacities, on the desk service over its real stores (SQLite, PostgreSQL) and the in-memory ones.

What is checked, and how:
- every assignment is to an agent whose skills match the conversation's route, or is an overflow made only
  after the merchant's max wait; no agent ever holds more than its capacity; FIFO within a queue. These are
  checked *as assignments happen*: the conversation store is wrapped (``Watched``) and, when the service
  records an assignment, it reads the routing state the service has just adopted (the service sets its new
  state before it records what the step decided) and checks ``routing.violations``, the agents' loads as
  ``queues()`` reports them, the skills, the wait of an overflow, and that nobody earlier in the same queue is
  still waiting. Hand-off order within a queue is the desk's arrival order (``routing.Conversation.seq``).
- none lost: every conversation's stored events hold exactly one hand-off and one assignment, the agent's
  reply, the close; every shopper's feed saw its agent's reply.
- an agent whose socket drops: after the grace its conversations go back to the front of their queue and are
  reassigned to a matching colleague (stored ``transferred`` events with reason ``agent_offline``).
- a restart (the stores reopened, a new DeskService) loses no conversation or message and carries on.

The in-memory stores answer without ever yielding to the event loop, which no database does: ``Watched``
yields once per write so the staff feeds are read while hand-offs arrive (a staff socket that does not keep
up is cut off by design: souk.desk.feeds).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, NotFound
from souk.core.settings import Settings
from souk.desk.feeds import Feed
from souk.desk.memory import MemoryConversations, MemoryDeskSettings, MemoryStaff
from souk.desk.service import DeskService
from souk.domain.desk import routing as r
from souk.domain.desk.handoff import HandoffPacket, HandoffReason
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Assigned, Channel, Event, Resolution, Status, Transferred, encode_event
from souk.domain.models import Merchant

M = "m-desk-scale"
LANGS = ("en", "es", "pt", "id", "zh")
GRACE_S = 10.0
MAX_WAIT_S = 600.0
CONVERSATIONS = 300
ORPHANS = 6  # conversations in a category nobody has: only an overflow after the max wait takes them
ROUND_S = 60.0  # a phase that has not finished by then is a failure, not a hang

# id, languages, capacity, categories, vip: 12 agents, 30 chats of capacity in all
STAFF: tuple[tuple[str, str, int, str, bool], ...] = (
    ("a01", "en", 3, "", False),
    ("a02", "en es", 2, "", False),
    ("a03", "es", 4, "", False),
    ("a04", "es pt", 1, "shoes", False),
    ("a05", "pt", 2, "", False),
    ("a06", "pt id", 3, "shoes", True),
    ("a07", "id", 2, "", False),
    ("a08", "id zh", 1, "", False),
    ("a09", "zh", 5, "shoes", False),
    ("a10", "zh en", 2, "", True),
    ("a11", "en es pt id zh", 1, "shoes", True),
    ("a12", "en", 4, "shoes", False),
)


def profiles() -> list[StaffProfile]:
    return [StaffProfile(M, aid, aid.upper(), r.Skills(frozenset(langs.split()), frozenset(cats.split()), vip), cap)
            for aid, langs, cap, cats, vip in STAFF]


def routes(n: int, seed: int) -> list[r.Route]:
    """``n`` routes in the 5 languages, a fifth about shoes, a tenth VIP, the last ``ORPHANS`` about watches."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        category = "watches" if i >= n - ORPHANS else ("shoes" if rng.random() < 0.2 else None)
        out.append(r.Route(rng.choice(LANGS), category, rng.random() < 0.1))
    return out


def served(route: r.Route) -> bool:
    return any(route.served_by(p.skills) for p in profiles())


# ---------------------------------------------------------------- the stores, watched


class Watched:
    """The conversation store, checking the routing state each time the service records an assignment."""

    def __init__(self, inner: Any, clock: ManualClock) -> None:
        self.inner = inner
        self.clock = clock
        self.service: DeskService | None = None
        self.problems: list[str] = []
        self.assignments = 0
        self.order: defaultdict[str, list[int]] = defaultdict(list)  # queue -> arrival seq, in assignment order
        self.overflows: list[str] = []
        self.front: set[str] = set()  # taken back from an agent who left: first in their queue until placed
        self.manual: set[str] = set()  # being claimed by a person: any online agent with room may take it

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def append(self, merchant_id: str, conversation_id: str,
                     events: Sequence[Event]) -> tuple[Any, int]:
        for event in events:
            agent = event.agent_id if isinstance(event, Assigned) else (
                event.to_agent if isinstance(event, Transferred) else None)
            if agent:
                self._check(merchant_id, conversation_id, agent)
            elif isinstance(event, Transferred) and event.reason == "agent_offline":
                self.front.add(conversation_id)
        await asyncio.sleep(0)  # a database answers on a later turn of the loop
        return await self.inner.append(merchant_id, conversation_id, events)

    def _check(self, merchant_id: str, cid: str, agent_id: str) -> None:
        assert self.service is not None
        state: r.DeskState = self.service._state  # the state the step just adopted (see the module doc)
        self.assignments += 1
        broken = r.violations(state)
        if broken:
            self.problems.append(f"{cid}: violations {broken[:3]}")
        for a in self.service.queues(merchant_id)["agents"]:
            if a["load"] > a["capacity"]:
                self.problems.append(f"{cid}: {a['id']} load {a['load']} > capacity {a['capacity']}")
        conv = state.conversations.get((merchant_id, cid))
        agent = state.agents.get((merchant_id, agent_id))
        if conv is None or agent is None or conv.agent_id != agent_id:
            self.problems.append(f"{cid}: recorded for {agent_id} but the state says {conv}")
            return
        now = dt.datetime.fromtimestamp(self.clock.wall(), dt.UTC)
        if cid in self.manual:
            return  # a person's own choice, not routing's: neither skills, waits nor FIFO bind it
        if not conv.route.served_by(agent.skills):
            if not conv.overflow:
                self.problems.append(f"{cid} ({conv.route.queue}) to {agent_id} who lacks the skills")
            elif (now - conv.enqueued_at).total_seconds() < MAX_WAIT_S:
                self.problems.append(f"{cid} overflowed after {(now - conv.enqueued_at).total_seconds()} s")
            self.overflows.append(cid)
        front = cid in self.front  # placing it cleared its flag in the state
        self.front.discard(cid)
        mine = (not front, conv.enqueued_at, conv.seq)
        ahead = [c.id for c in state.waiting(merchant_id, conv.route.queue) if c.order() < mine]
        if ahead:
            self.problems.append(f"{cid} ({conv.route.queue}) assigned to {agent_id} while {ahead[:3]} wait "
                                 "ahead of it")
        if not front and not conv.overflow:
            self.order[conv.route.queue].append(conv.seq)


@dataclass
class Stores:
    backend: str
    url: str | None
    tmp: Path
    clock: ManualClock
    memory: tuple[MemoryConversations, MemoryStaff, MemoryDeskSettings] | None = None
    storage: Any = None
    watched: Watched | None = None

    async def open(self) -> tuple[Watched, Any, Any]:
        """The three stores (the SQL ones on a freshly opened Storage, as a restarted process has)."""
        if self.memory is not None:
            conversations, staff, settings = self.memory
        else:
            from souk.storage import open_storage

            self.storage = await open_storage(Settings(data_dir=str(self.tmp)), clock=self.clock, url=self.url)
            conversations, staff, settings = self.storage.desk, self.storage.desk_staff, self.storage.desk_settings
        self.watched = Watched(conversations, self.clock)
        return self.watched, staff, settings

    async def close(self) -> None:
        if self.storage is not None:
            await self.storage.aclose()
            self.storage = None


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# 300 conversations over a database take ~20 s here (each hand-off, reply and close is a few writes)
SLOW_ON_SQL = pytest.mark.parametrize("stores", ["memory", pytest.param("sqlite", marks=pytest.mark.slow),
                                                 pytest.param("postgres", marks=[pytest.mark.postgres,
                                                                                 pytest.mark.slow])],
                                      indirect=True)


@pytest.fixture(params=BACKENDS)
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    clock = ManualClock()
    if request.param == "memory":
        out = Stores("memory", None, tmp_path, clock, memory=(MemoryConversations(), MemoryStaff(),
                                                              MemoryDeskSettings()))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'souk.db'}"
        if request.param == "postgres":
            server = request.getfixturevalue("postgres_server")
            url = server.url(await _database(server.dsn(), f"desk_scale_{uuid.uuid4().hex[:12]}"))
        out = Stores(request.param, url, tmp_path, clock)
        from souk.storage import open_storage

        storage = await open_storage(Settings(data_dir=str(tmp_path)), clock=clock, url=url)  # migrates
        try:
            await storage.merchants.create(Merchant(M, "Desk scale", "", "USD", LANGS, "UTC"))
        finally:
            await storage.aclose()
    try:
        yield out
    finally:
        await out.close()
        if request.param == "postgres":
            await _database(server.dsn(), url.rsplit("/", 1)[1], drop=True)


async def _database(admin_dsn: str, name: str, *, drop: bool = False) -> str:
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" if drop else f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return name


async def start_desk(stores: Stores, *, first: bool) -> DeskService:
    conversations, staff, settings = await stores.open()
    service = DeskService(conversations, staff, settings, clock=stores.clock, webhooks=None, agent_grace_s=GRACE_S)
    conversations.service = service
    await service.start()
    if first:
        await service.put_settings(M, DeskSettings(max_wait_s=MAX_WAIT_S))
        for p in profiles():
            await service.put_agent(p)
    return service


# ---------------------------------------------------------------- shoppers and the agents' floor


@dataclass
class Shoppers:
    service: DeskService
    routes: dict[str, r.Route]
    feeds: dict[str, Feed] = field(default_factory=dict)

    async def arrive(self) -> None:
        """Every shopper talks to the AI first (created concurrently), then listens on its widget's feed."""
        async def one(cid: str) -> None:
            await self.service.ensure(M, cid, shopper=shopper(cid), channel=Channel.ASSISTANT_TEXT,
                                      language=self.routes[cid].language)
            await self.service.record_turn(M, cid, shopper=shopper(cid), text="where is my order?",
                                           reply_text="On its way.")
            self.feeds[cid] = self.service.shopper_feed(M, cid)

        await asyncio.gather(*(one(cid) for cid in self.routes))

    async def hand_off(self) -> None:
        """All at once."""
        async def one(cid: str) -> None:
            route = self.routes[cid]
            packet = HandoffPacket(HandoffReason.EXPLICIT_REQUEST, route.language, summary=f"wants a person ({cid})")
            await self.service.request_human(M, cid, shopper=shopper(cid), reason=HandoffReason.EXPLICIT_REQUEST,
                                             packet=packet, category=route.category, vip=route.vip)

        await asyncio.gather(*(one(cid) for cid in self.routes))

    async def seen(self) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for cid, feed in self.feeds.items():
            feed.close()
            out[cid] = [f async for f in feed]
        return out


def shopper(cid: str) -> str:
    return f"shopper-{cid}"


class Floor:
    """The twelve agents at their desks: each answers every conversation it is given and, when ``closing``,
    closes it a moment later (holding several at once, up to its capacity)."""

    def __init__(self, service: DeskService, *, closing: bool, seed: int = 7) -> None:
        self.service = service
        self.closing = closing
        self.rng = random.Random(seed)
        self.feeds: dict[str, Feed] = {}
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.work: set[asyncio.Task[None]] = set()
        self.assigned: defaultdict[str, list[str]] = defaultdict(list)
        self.closed: set[str] = set()
        self.errors: list[str] = []
        self.progress = asyncio.Event()

    async def open(self, ids: Sequence[str] | None = None) -> None:
        for aid in ids or [s[0] for s in STAFF]:
            await self.connect(aid)
            await self.service.set_presence(M, aid, r.Presence.ONLINE)

    async def connect(self, aid: str) -> None:
        feed = await self.service.connect_agent(M, aid)
        self.feeds[aid] = feed
        self.readers[aid] = asyncio.create_task(self._read(aid, feed), name=f"floor-{aid}")

    async def kill(self, aid: str) -> None:
        """The agent's socket drops (its browser died): the service hears a disconnect, nothing else."""
        feed = self.feeds.pop(aid)
        await self.service.disconnect_agent(M, aid, feed)
        await self.readers.pop(aid)

    async def _read(self, aid: str, feed: Feed) -> None:
        async for frame in feed:
            if frame["type"] == "assigned":
                cid = frame["conversation"]["id"]
                self.assigned[aid].append(cid)
                task = asyncio.create_task(self._answer(aid, cid), name=f"floor-{aid}-{cid}")
                self.work.add(task)
                task.add_done_callback(self.work.discard)
        if feed.overflowed:
            self.errors.append(f"{aid}: its feed overflowed")

    async def _answer(self, aid: str, cid: str) -> None:
        try:
            await self.service.agent_message(M, cid, aid, text=f"reply to {cid} from {aid}")
            if self.closing:
                await asyncio.sleep(self.rng.random() * 0.005)
                await self.service.close(M, cid, aid, Resolution.RESOLVED)
                self.closed.add(cid)
        except Exception as exc:  # the test reports every failed agent action  # noqa: BLE001
            self.errors.append(f"{aid} on {cid}: {type(exc).__name__}: {exc}")
        finally:
            self.progress.set()

    async def until(self, done: Any, what: str) -> None:
        async def wait() -> None:
            while not done():
                self.progress.clear()
                await self.progress.wait()

        try:
            await asyncio.wait_for(wait(), ROUND_S)
        except TimeoutError:
            raise AssertionError(f"{what}: not within {ROUND_S} s; errors {self.errors[:5]}") from None

    async def settle(self) -> None:
        while self.work:
            await asyncio.gather(*list(self.work))

    async def aclose(self) -> None:
        await self.settle()
        for aid, feed in list(self.feeds.items()):
            await self.service.disconnect_agent(M, aid, feed)
        await asyncio.gather(*self.readers.values())
        self.feeds.clear()
        self.readers.clear()


async def events_of(service: DeskService, cid: str) -> list[Event]:
    _, numbered = await service.conversation(M, cid)
    return [e for _, e in numbered]


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + ROUND_S
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not within {ROUND_S} s")
        await asyncio.sleep(0.01)


def kinds(events: Sequence[Event]) -> Counter[str]:
    return Counter(e.kind for e in events)


def check_watch(watched: Watched) -> None:
    assert not watched.problems, watched.problems[:10]
    for queue, seqs in watched.order.items():
        assert seqs == sorted(seqs), f"queue {queue}: assigned out of hand-off order {seqs}"


# ---------------------------------------------------------------- the tests


@SLOW_ON_SQL
async def test_300_handoffs_go_to_matching_agents_within_capacity_in_order_none_lost(stores: Stores) -> None:
    service = await start_desk(stores, first=True)
    convs = {f"c{i:03d}": route for i, route in enumerate(routes(CONVERSATIONS, seed=12))}
    shoppers = Shoppers(service, convs)
    floor = Floor(service, closing=True)
    try:
        await shoppers.arrive()
        await floor.open()
        await shoppers.hand_off()
        matched = [cid for cid, route in convs.items() if served(route)]
        await floor.until(lambda: floor.closed >= set(matched), "every matching conversation closed")
        await floor.settle()
        orphans = sorted(set(convs) - set(matched))
        assert len(orphans) == ORPHANS
        for cid in orphans:  # nobody has the skill: they wait, and overflow only once the max wait is past
            assert (await service.conversation(M, cid))[0].status is Status.QUEUED
        await stores.clock.advance(MAX_WAIT_S - 5)
        for cid in orphans:
            assert (await service.conversation(M, cid))[0].status is Status.QUEUED
        await stores.clock.advance(6)
        await floor.until(lambda: floor.closed >= set(convs), "the overflowed conversations closed")
        await floor.settle()
        assert not floor.errors, floor.errors[:5]
        watched = stores.watched
        assert watched is not None
        check_watch(watched)
        assert sorted(watched.overflows) == orphans
        assert watched.assignments == CONVERSATIONS
        assert sum(len(v) for v in floor.assigned.values()) == CONVERSATIONS
        seen = await shoppers.seen()
        for cid in convs:
            events = await events_of(service, cid)
            count = kinds(events)
            assert (count["handoff"], count["assigned"], count["agent_message"], count["closed"]) == (1, 1, 1, 1), (
                cid, count)
            agent = next(e.agent_id for e in events if isinstance(e, Assigned))
            assert cid in floor.assigned[agent]
            replies = [f["event"]["text"] for f in seen[cid] if f["type"] == "desk"
                       and f["event"]["kind"] == "agent_message"]
            assert replies == [f"reply to {cid} from {agent}"], (cid, seen[cid])
        per_queue = Counter(route.queue for route in convs.values())
        assert len({route.language for route in convs.values()}) == 5 and len(per_queue) > 10
    finally:
        await floor.aclose()
        await service.aclose()


async def test_an_agent_killed_mid_conversation_gets_its_conversations_requeued_and_reassigned(
        stores: Stores) -> None:
    service = await start_desk(stores, first=True)
    convs = {f"k{i:03d}": route for i, route in enumerate(routes(120, seed=5))}
    shoppers = Shoppers(service, convs)
    floor = Floor(service, closing=False)  # they answer and hold: every agent ends up full
    try:
        await shoppers.arrive()
        await floor.open()
        await shoppers.hand_off()
        await floor.until(lambda: sum(len(v) for v in floor.assigned.values()) >= 30, "every seat taken")
        await floor.settle()
        victim = "a03"  # Spanish, capacity 4
        held = list(floor.assigned[victim])
        assert len(held) == 4
        await floor.kill(victim)
        await stores.clock.advance(GRACE_S / 2)
        for cid in held:  # within the grace it keeps them
            assert (await service.conversation(M, cid))[0].agent_id == victim
        await stores.clock.advance(GRACE_S)

        async def requeued() -> bool:  # gone: back at the front of their queue (the stores take real time)
            statuses = [(await service.conversation(M, cid))[0].status for cid in held]
            return all(status is Status.QUEUED for status in statuses)

        await eventually(requeued, "the victim's conversations re-queued")
        for cid in held:
            assert (await service.conversation(M, cid))[0].agent_id is None
        # colleagues free their seats one by one: the re-queued conversations go before everyone else
        floor.closing = True
        for aid in ("a02", "a04", "a11"):  # Spanish speakers (a11 speaks everything)
            for cid in list(floor.assigned[aid]):
                await service.close(M, cid, aid, Resolution.RESOLVED)
        await floor.until(lambda: all(any(cid in v for a, v in floor.assigned.items() if a != victim)
                                      for cid in held), "the re-queued conversations reassigned")
        await floor.settle()
        assert not floor.errors, floor.errors[:5]
        watched = stores.watched
        assert watched is not None
        check_watch(watched)
        for cid in held:
            events = await events_of(service, cid)
            moved = [e for e in events if isinstance(e, Transferred)]
            assert [(e.to_queue is not None, e.reason) for e in moved] == [(True, "agent_offline")], events
            assigned = [e.agent_id for e in events if isinstance(e, Assigned)]
            assert assigned[0] == victim and len(assigned) == 2 and assigned[1] != victim
            assert convs[cid].served_by(profiles()[[s[0] for s in STAFF].index(assigned[1])].skills)
            assert kinds(events)["agent_message"] >= 2  # the victim's reply is still there, and the new one
        # that they went before the others waiting in their queue is Watched's check: nobody ahead waits
        seen = await shoppers.seen()
        for cid in held:
            statuses = [f["status"] for f in seen[cid] if f["type"] == "desk_status"]
            back = statuses.index("queued")  # the widget is told it waits again, then who has it now
            assert statuses[back - 1:back + 2] == ["assigned", "queued", "assigned"], statuses
    finally:
        await floor.aclose()
        await service.aclose()


@SLOW_ON_SQL
async def test_a_restart_loses_no_conversation_or_message(stores: Stores) -> None:
    service = await start_desk(stores, first=True)
    convs = {f"r{i:03d}": route for i, route in enumerate(routes(CONVERSATIONS, seed=99))}
    shoppers = Shoppers(service, convs)
    floor = Floor(service, closing=False)
    try:
        await shoppers.arrive()
        await floor.open()
        await shoppers.hand_off()
        await floor.until(lambda: sum(len(v) for v in floor.assigned.values()) >= 30, "every seat taken")
        await floor.settle()
        # the waiting shoppers write to the humans meanwhile
        waiting = [cid for cid in convs if (await service.conversation(M, cid))[0].status is Status.QUEUED]
        await asyncio.gather(*(service.shopper_message(M, cid, shopper=shopper(cid), text=f"still there? {cid}")
                               for cid in waiting))
        before = {cid: [encode_event(e) for e in await events_of(service, cid)] for cid in convs}
        held = {aid: list(cids) for aid, cids in floor.assigned.items()}
        assert stores.watched is not None
        check_watch(stores.watched)
        await floor.aclose()
        await shoppers.seen()
        await service.aclose()
        await stores.close()

        service = await start_desk(stores, first=False)  # the process came back: stores reopened
        floor = Floor(service, closing=False)
        shoppers.service = service
        for cid in convs:
            assert [encode_event(e) for e in await events_of(service, cid)] == before[cid], cid
        q = service.queues(M)
        assert sum(x["waiting"] for x in q["queues"]) == len(waiting)
        for a in q["agents"]:
            mine = sorted(held.get(a["id"], []))
            assert a["presence"] == ("away" if mine else "offline") and sorted(a["holds"]) == mine, a
        await floor.open()  # everyone back within the grace: they keep what they held and take the rest
        await stores.clock.advance(GRACE_S + 1)
        floor.closing = True
        for aid, cids in held.items():
            for cid in cids:
                await service.close(M, cid, aid, Resolution.RESOLVED)
        matched = [cid for cid, route in convs.items() if served(route)]
        await floor.until(lambda: floor.closed >= set(matched) - {c for v in held.values() for c in v},
                          "the queue after the restart drained")
        await floor.settle()
        assert not floor.errors, floor.errors[:5]
        for cid in matched:
            events = [encode_event(e) for e in await events_of(service, cid)]
            assert events[:len(before[cid])] == before[cid], cid
            count = Counter(e["kind"] for e in events)
            assert (count["handoff"], count["assigned"], count["closed"]) == (1, 1, 1), (cid, count)
            assert count["agent_message"] == 1
            if cid in waiting:
                assert f"still there? {cid}" in [e.get("text") for e in events]
        watched = stores.watched
        assert watched is not None
        check_watch(watched)
    finally:
        await floor.aclose()
        await service.aclose()


@pytest.mark.parametrize("stores", ["memory"], indirect=True)
async def test_a_restart_keeps_each_queues_order_and_waiting_time(stores: Stores) -> None:
    service = await start_desk(stores, first=True)
    convs = {cid: r.Route("es") for cid in ("q1", "q2", "q3")}
    shoppers = Shoppers(service, convs)
    await shoppers.arrive()
    for cid in convs:  # one a second, nobody online
        await service.request_human(M, cid, shopper=shopper(cid), reason=HandoffReason.EXPLICIT_REQUEST,
                                    packet=None)
        await stores.clock.advance(1)
    await service.shopper_message(M, "q1", shopper=shopper("q1"), text="hello? still there?")
    assert service.queues(M)["queues"] == [{"queue": "es", "waiting": 3, "oldest_wait_s": 3.0}]
    await shoppers.seen()
    await service.aclose()
    service = await start_desk(stores, first=False)
    floor = Floor(service, closing=False)
    try:
        assert service.queues(M)["queues"] == [{"queue": "es", "waiting": 3, "oldest_wait_s": 3.0}]
        await floor.open(["a03"])  # Spanish, capacity 4: takes all three, in their order
        await floor.until(lambda: len(floor.assigned["a03"]) == 3, "all three assigned")
        watched = stores.watched
        assert watched is not None
        check_watch(watched)
        assert floor.assigned["a03"] == ["q1", "q2", "q3"]
    finally:
        await floor.aclose()
        await service.aclose()


# ---------------------------------------------------------------- randomized: the service and its store agree


async def consistent(service: DeskService, store: Any) -> None:
    """The routing state and the stored conversations tell the same story, and the state breaks no rule."""
    state: r.DeskState = service._state
    assert r.violations(state) == []
    for (m, cid), c in state.conversations.items():
        conv = await store.get(m, cid)
        if c.agent_id is None:
            assert conv.status is Status.QUEUED, (cid, conv.status)
        else:
            assert conv.status is Status.ASSIGNED and conv.agent_id == c.agent_id, (cid, conv, c)
    for conv in await store.unfinished():
        assert conv.key in state.conversations, f"{conv.id} is {conv.status.value} in the store, not at the desk"


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("stores", ["memory"], indirect=True)
async def test_random_operations_keep_the_desk_and_its_store_in_agreement(stores: Stores, seed: int) -> None:
    rng = random.Random(seed)
    service = await start_desk(stores, first=True)
    watched = stores.watched
    assert watched is not None
    feeds: dict[str, Feed] = {}
    route_pool = [r.Route(lang, cat, vip) for lang in LANGS for cat in (None, "shoes", "watches") for vip in (False, True)]
    made = 0
    counts: Counter[str] = Counter()
    try:
        for _ in range(600):
            state: r.DeskState = service._state
            assigned = [c for c in state.conversations.values() if c.agent_id is not None]
            waiting = [c for c in state.conversations.values() if c.agent_id is None]
            op = rng.choice(["handoff", "handoff", "presence", "drop", "close", "close", "transfer", "handback",
                             "claim", "time", "leave"])
            if op == "handoff":
                cid, route = f"x{made:04d}", rng.choice(route_pool)
                made += 1
                await service.ensure(M, cid, shopper=shopper(cid), channel=Channel.ASSISTANT_TEXT,
                                     language=route.language)
                await service.request_human(M, cid, shopper=shopper(cid), reason=HandoffReason.EXPLICIT_REQUEST,
                                            packet=None, category=route.category, vip=route.vip)
            elif op == "presence":
                aid = rng.choice(STAFF)[0]
                if aid not in feeds:
                    feeds[aid] = await service.connect_agent(M, aid)
                await service.set_presence(M, aid, rng.choice([r.Presence.ONLINE, r.Presence.ONLINE, r.Presence.AWAY]))
            elif op == "drop" and feeds:
                aid = rng.choice(sorted(feeds))
                await service.disconnect_agent(M, aid, feeds.pop(aid))
            elif op == "close" and assigned:
                c = rng.choice(assigned)
                await service.close(M, c.id, str(c.agent_id), Resolution.RESOLVED)
            elif op == "transfer" and assigned:
                c = rng.choice(assigned)
                await service.transfer(M, c.id, str(c.agent_id), to_queue=rng.choice(route_pool))
            elif op == "handback" and (assigned or waiting):
                c = rng.choice(assigned + waiting)
                await service.hand_back(M, c.id, c.agent_id or "a01")
            elif op == "claim" and waiting:
                c, aid = rng.choice(waiting), rng.choice(STAFF)[0]
                watched.manual.add(c.id)
                try:
                    await service.claim(M, c.id, aid)
                except (Conflict, NotFound) as exc:  # not online, no room: refused, nothing changes
                    counts[f"refused {exc.code}"] += 1
                finally:
                    watched.manual.discard(c.id)
            elif op == "time":
                await stores.clock.advance(rng.choice([0.5, 3.0, 12.0, 200.0]))  # ticks, graces, overflow
            elif op == "leave" and waiting:
                c = rng.choice(waiting)
                await service.end_ai(M, c.id, shopper=shopper(c.id))
            counts[op] += 1
            await consistent(service, watched)
        assert not watched.problems, watched.problems[:5]
        # everyone comes online and closes what they hold: every hand-off ends, none is stuck or lost
        for aid, *_ in STAFF:
            if aid not in feeds:
                feeds[aid] = await service.connect_agent(M, aid)
            await service.set_presence(M, aid, r.Presence.ONLINE)
        await stores.clock.advance(MAX_WAIT_S + 1)  # the orphans overflow
        for _ in range(100):
            held = [c for c in service._state.conversations.values() if c.agent_id is not None]
            if not held:
                break
            for c in held:
                await service.close(M, c.id, str(c.agent_id), Resolution.RESOLVED)
            await stores.clock.advance(1)
        await consistent(service, watched)
        assert not service._state.conversations and await watched.unfinished() == []
        for i in range(made):
            conv, events = await service.conversation(M, f"x{i:04d}")
            assert conv.status in (Status.CLOSED, Status.AI), conv
            assert kinds([e for _, e in events])["handoff"] == 1
        assert not watched.problems, watched.problems[:5]
        assert counts["handoff"] > 50 and watched.assignments > 20, (counts, watched.assignments)
    finally:
        for aid, feed in feeds.items():
            await service.disconnect_agent(M, aid, feed)
        await service.aclose()
