"""Desk routing: queues of waiting conversations and their assignment to agents, as pure state changes.

Each operation takes a `DeskState` and returns a `Step`: the new state plus the assignments it made. The rule:
longest-waiting first (a conversation re-queued because its agent went offline goes to the FRONT, keeping its
enqueue time), to the least-loaded matching online agent (load / capacity; ties: idle longest, then id). A
conversation waiting past its merchant's `max_wait` may go to any online agent with room. A chat takes one unit
of capacity; a video call takes all of it. An agent never holds another merchant's conversation, and never more
than its capacity. Time is always passed in (`now`); nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from fractions import Fraction

from souk.core.errors import BadRequest, Conflict, NotFound

Key = tuple[str, str]  # (merchant_id, id): every key carries the merchant


class Presence(str, Enum):
    ONLINE = "online"  # takes new conversations
    AWAY = "away"  # keeps its open conversations, takes no new ones
    OFFLINE = "offline"  # holds nothing: its conversations go back to the front of their queue


@dataclass(frozen=True, slots=True)
class Skills:
    languages: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    vip: bool = False
    video: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """What a conversation needs: its queue is the set of conversations with the same route."""

    language: str
    category: str | None = None
    vip: bool = False
    video: bool = False

    @property
    def queue(self) -> str:
        parts = [self.language, self.category or ""]
        if self.vip:
            parts.append("vip")
        if self.video:
            parts.append("video")
        return ":".join(parts).rstrip(":")

    def served_by(self, skills: Skills) -> bool:
        return (
            self.language in skills.languages
            and (self.category is None or self.category in skills.categories)
            and (skills.vip or not self.vip)
            and (skills.video or not self.video)
        )


@dataclass(frozen=True, slots=True)
class Agent:
    merchant_id: str
    id: str
    skills: Skills
    capacity: int  # in chat units; a video call takes all of them
    presence: Presence = Presence.OFFLINE
    idle_since: dt.datetime | None = None  # last time its load changed; None = never online
    open: tuple[str, ...] = ()  # conversation ids it holds, oldest first

    @property
    def key(self) -> Key:
        return (self.merchant_id, self.id)


@dataclass(frozen=True, slots=True)
class Conversation:
    merchant_id: str
    id: str
    route: Route
    enqueued_at: dt.datetime
    seq: int  # arrival order, breaks ties between equal enqueue times
    agent_id: str | None = None  # None while waiting
    front: bool = False  # re-queued after its agent left: served before everything else
    overflow: bool = False  # assigned to an agent outside its route after max_wait

    @property
    def key(self) -> Key:
        return (self.merchant_id, self.id)

    @property
    def waiting(self) -> bool:
        return self.agent_id is None

    def order(self) -> tuple[bool, dt.datetime, int]:
        return (not self.front, self.enqueued_at, self.seq)


@dataclass(frozen=True, slots=True)
class Assignment:
    merchant_id: str
    conversation_id: str
    agent_id: str
    overflow: bool = False
    requeued: bool = False  # it had been taken back from an agent who went offline


@dataclass(frozen=True, slots=True)
class DeskState:
    """Owned by one caller at a time; the mappings are never mutated after construction."""

    agents: Mapping[Key, Agent] = field(default_factory=dict)
    conversations: Mapping[Key, Conversation] = field(default_factory=dict)
    max_wait: Mapping[str, dt.timedelta] = field(default_factory=dict)  # per merchant; absent = no overflow
    seq: int = 0

    def agent(self, merchant_id: str, agent_id: str) -> Agent:
        found = self.agents.get((merchant_id, agent_id))
        if found is None:
            raise NotFound(f"no agent {agent_id!r}", code="agent_not_found")
        return found

    def conversation(self, merchant_id: str, conversation_id: str) -> Conversation:
        found = self.conversations.get((merchant_id, conversation_id))
        if found is None:
            raise NotFound(f"no conversation {conversation_id!r} at the desk", code="conversation_not_found")
        return found

    def waiting(self, merchant_id: str, queue: str | None = None) -> list[Conversation]:
        """The merchant's waiting conversations in service order (optionally one queue's)."""
        out = [
            c
            for c in self.conversations.values()
            if c.merchant_id == merchant_id and c.waiting and (queue is None or c.route.queue == queue)
        ]
        return sorted(out, key=Conversation.order)

    def units(self, conversation: Conversation, agent: Agent) -> int:
        return agent.capacity if conversation.route.video else 1

    def load(self, agent: Agent) -> int:
        return sum(self.units(self.conversations[(agent.merchant_id, c)], agent) for c in agent.open)


@dataclass(frozen=True, slots=True)
class Step:
    state: DeskState
    assignments: tuple[Assignment, ...] = ()
    requeued: tuple[
        str, ...
    ] = ()  # conversation ids taken back from an agent who went offline (some reassigned)


# --- operations ---------------------------------------------------------------------------------------------


def set_max_wait(state: DeskState, merchant_id: str, max_wait: dt.timedelta | None, now: dt.datetime) -> Step:
    limits = dict(state.max_wait)
    if max_wait is None:
        limits.pop(merchant_id, None)
    else:
        limits[merchant_id] = max_wait
    return _dispatch(replace(state, max_wait=limits), merchant_id, now)


def upsert_agent(
    state: DeskState, merchant_id: str, agent_id: str, skills: Skills, capacity: int, now: dt.datetime
) -> Step:
    """Add an agent (offline) or change its skills and capacity; what it already holds stays with it."""
    if capacity < 1:
        raise BadRequest("an agent's capacity is at least 1", code="bad_capacity")
    old = state.agents.get((merchant_id, agent_id))
    agent = Agent(merchant_id, agent_id, skills, capacity)
    if old is not None:
        if state.load(old) > capacity:
            raise Conflict(f"agent {agent_id!r} holds more than {capacity}", code="capacity_below_load")
        agent = replace(old, skills=skills, capacity=capacity)
        held = [state.conversations[(merchant_id, c)] for c in old.open]
        outside = [replace(c, overflow=True) for c in held if not c.route.served_by(skills)]
        state = _with_conversations(state, outside)  # it keeps them, now outside their route
    return _dispatch(_with_agents(state, [agent]), merchant_id, now)


def set_presence(
    state: DeskState, merchant_id: str, agent_id: str, presence: Presence, now: dt.datetime
) -> Step:
    """Online assigns waiting work; away keeps what it holds; offline puts it back at the front of the queue."""
    agent = state.agent(merchant_id, agent_id)
    requeued = agent.open if presence is Presence.OFFLINE else ()
    if requeued:
        convs = [
            replace(state.conversations[(merchant_id, c)], agent_id=None, front=True, overflow=False)
            for c in requeued
        ]
        state = _with_conversations(state, convs)
        agent = replace(agent, open=())
    if presence is Presence.ONLINE and (agent.presence is Presence.OFFLINE or agent.idle_since is None):
        agent = replace(agent, idle_since=now)  # back from offline: idle from now, not from before it left
    step = _dispatch(_with_agents(state, [replace(agent, presence=presence)]), merchant_id, now)
    return replace(step, requeued=requeued)


def enqueue(state: DeskState, merchant_id: str, conversation_id: str, route: Route, now: dt.datetime) -> Step:
    if (merchant_id, conversation_id) in state.conversations:
        raise Conflict(f"conversation {conversation_id!r} is already at the desk", code="already_queued")
    conv = Conversation(merchant_id, conversation_id, route, now, state.seq)
    state = replace(_with_conversations(state, [conv]), seq=state.seq + 1)
    return _dispatch(state, merchant_id, now)


def finish(state: DeskState, merchant_id: str, conversation_id: str, now: dt.datetime) -> Step:
    """The conversation closes (or the shopper leaves the queue): its capacity goes to the next in line."""
    return _dispatch(_remove(state, state.conversation(merchant_id, conversation_id), now), merchant_id, now)


def hand_back(state: DeskState, merchant_id: str, conversation_id: str, now: dt.datetime) -> Step:
    """The conversation goes back to the AI: it leaves the desk, waiting or assigned."""
    return finish(state, merchant_id, conversation_id, now)


def transfer_to_agent(  # also how a person claims a waiting conversation
    state: DeskState, merchant_id: str, conversation_id: str, agent_id: str, now: dt.datetime
) -> Step:
    """A person hands the conversation to a named colleague, who must be online with room for it."""
    conv = state.conversation(merchant_id, conversation_id)
    target = state.agent(merchant_id, agent_id)
    if conv.agent_id == agent_id:
        return Step(state)
    if target.presence is not Presence.ONLINE:
        raise Conflict(f"agent {agent_id!r} is not online", code="agent_not_online")
    if state.load(target) + state.units(conv, target) > target.capacity:
        raise Conflict(f"agent {agent_id!r} has no room", code="agent_full")
    state = _remove(state, conv, now)
    moved = replace(conv, agent_id=agent_id, front=False, overflow=not conv.route.served_by(target.skills))
    state = _with_conversations(state, [moved])
    state = _with_agents(state, [replace(target, open=(*target.open, conv.id), idle_since=now)])
    made = Assignment(merchant_id, conv.id, agent_id, moved.overflow)
    step = _dispatch(state, merchant_id, now)
    return Step(step.state, (made, *step.assignments))


def transfer_to_queue(
    state: DeskState, merchant_id: str, conversation_id: str, route: Route, now: dt.datetime
) -> Step:
    """Back to waiting under another route, keeping the time it first waited."""
    conv = state.conversation(merchant_id, conversation_id)
    state = _remove(state, conv, now)
    state = _with_conversations(
        state, [replace(conv, route=route, agent_id=None, front=False, overflow=False)]
    )
    return _dispatch(state, merchant_id, now)


def tick(state: DeskState, now: dt.datetime) -> Step:
    """Time passes: conversations waiting past their merchant's max wait may overflow to any online agent."""
    made: list[Assignment] = []
    for merchant_id in sorted(state.max_wait):
        step = _dispatch(state, merchant_id, now)
        state = step.state
        made.extend(step.assignments)
    return Step(state, tuple(made))


# --- the wait a new conversation can expect -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    available: bool  # someone online could take it (matching, or any agent after the max wait)
    position: int  # conversations ahead of it in its queue
    wait: dt.timedelta | None  # None when nobody is available


def estimate_wait(
    state: DeskState, merchant_id: str, route: Route, average_handling: dt.timedelta
) -> WaitEstimate:
    """Expected wait for a new conversation on `route`, from the queue ahead of it, the matching online agents'
    free capacity and a recent average handling time. With nobody matching online but someone online and a
    max wait set, the wait is the max wait (it will overflow); with nobody online at all, nobody is promised.
    `position` counts its own queue; the wait counts every waiting conversation those agents could take."""
    waiting = state.waiting(merchant_id)
    position = sum(1 for c in waiting if c.route.queue == route.queue)
    online = [
        a for a in state.agents.values() if a.merchant_id == merchant_id and a.presence is Presence.ONLINE
    ]
    matching = [a for a in online if route.served_by(a.skills)]
    if not matching:
        limit = state.max_wait.get(merchant_id)
        if online and limit is not None:
            return WaitEstimate(True, position, limit)
        return WaitEstimate(False, position, None)
    ahead = sum(1 for c in waiting if any(c.route.served_by(a.skills) for a in matching))
    if route.video:  # a call needs a whole agent
        free = sum(1 for a in matching if state.load(a) == 0)
        slots = len(matching)
    else:
        free = sum(a.capacity - state.load(a) for a in matching)
        slots = sum(a.capacity for a in matching)
    short = ahead + 1 - free
    if short <= 0:
        return WaitEstimate(True, position, dt.timedelta(0))
    return WaitEstimate(True, position, average_handling * short / slots)


# --- invariants ---------------------------------------------------------------------------------------------


def violations(state: DeskState) -> list[str]:
    """Every broken rule of the state (empty when sound): for tests and for storage to check what it loads."""
    out: list[str] = []
    held: dict[Key, str] = {}
    for agent in state.agents.values():
        for cid in agent.open:
            conv = state.conversations.get((agent.merchant_id, cid))
            if conv is None:
                out.append(f"{agent.key} holds unknown {cid!r}")
                continue
            if not conv.overflow and not conv.route.served_by(agent.skills):
                out.append(f"{agent.key} lacks the skills for {cid!r} ({conv.route.queue})")
            if conv.agent_id != agent.id:
                out.append(f"{agent.key} holds {cid!r} which names {conv.agent_id!r}")
            if conv.key in held:
                out.append(f"{cid!r} held by {held[conv.key]!r} and {agent.id!r}")
            held[conv.key] = agent.id
        if agent.open and agent.presence is Presence.OFFLINE:
            out.append(f"offline {agent.key} holds {agent.open}")
        if agent.open and state.load(agent) > agent.capacity:
            out.append(f"{agent.key} over capacity: {state.load(agent)} > {agent.capacity}")
    for conv in state.conversations.values():
        if conv.agent_id is not None and held.get(conv.key) != conv.agent_id:
            out.append(f"{conv.key} names {conv.agent_id!r} which does not hold it")
    return out


# --- internals ----------------------------------------------------------------------------------------------


def _with_agents(state: DeskState, agents: Iterable[Agent]) -> DeskState:
    merged = dict(state.agents)
    merged.update((a.key, a) for a in agents)
    return replace(state, agents=merged)


def _with_conversations(state: DeskState, convs: Iterable[Conversation]) -> DeskState:
    merged = dict(state.conversations)
    merged.update((c.key, c) for c in convs)
    return replace(state, conversations=merged)


def _remove(state: DeskState, conv: Conversation, now: dt.datetime) -> DeskState:
    convs = dict(state.conversations)
    del convs[conv.key]
    state = replace(state, conversations=convs)
    if conv.agent_id is None:
        return state
    agent = state.agent(conv.merchant_id, conv.agent_id)
    left = tuple(c for c in agent.open if c != conv.id)
    return _with_agents(state, [replace(agent, open=left, idle_since=now)])


def _dispatch(state: DeskState, merchant_id: str, now: dt.datetime) -> Step:
    """Serve the merchant's waiting conversations in order; one that cannot be placed does not block the rest,
    but a video call that waits reserves its best agent so chats cannot starve it."""
    agents = {
        a.id: a
        for a in state.agents.values()
        if a.merchant_id == merchant_id and a.presence is Presence.ONLINE
    }
    load = {a.id: state.load(a) for a in agents.values()}
    reserved: set[str] = set()
    limit = state.max_wait.get(merchant_id)
    placed: list[Conversation] = []
    made: list[Assignment] = []
    for conv in state.waiting(merchant_id):
        overflowing = limit is not None and now - conv.enqueued_at >= limit
        skilled = [a for a in agents.values() if a.id not in reserved and conv.route.served_by(a.skills)]
        fits = [a for a in skilled if load[a.id] + state.units(conv, a) <= a.capacity]
        overflow = False
        if not fits and overflowing:
            fits = [
                a
                for a in agents.values()
                if a.id not in reserved and load[a.id] + state.units(conv, a) <= a.capacity
            ]
            overflow = bool(fits)
        if not fits:
            if conv.route.video and skilled:
                reserved.add(min(skilled, key=lambda a: _rank(a, load[a.id], now)).id)
            continue
        best = min(fits, key=lambda a: _rank(a, load[a.id], now))
        load[best.id] += state.units(conv, best)
        agents[best.id] = replace(best, open=(*best.open, conv.id), idle_since=now)
        placed.append(replace(conv, agent_id=best.id, front=False, overflow=overflow))
        made.append(Assignment(merchant_id, conv.id, best.id, overflow, conv.front))
    if not made:
        return Step(state)
    state = _with_conversations(state, placed)
    return Step(_with_agents(state, agents.values()), tuple(made))


def _rank(agent: Agent, load: int, now: dt.datetime) -> tuple[Fraction, dt.datetime, str]:
    """Least loaded (share of capacity), then idle longest, then id."""
    return (Fraction(load, agent.capacity), agent.idle_since or now, agent.id)
