"""The desk's routing state rebuilt from storage: at start, or when a node takes a merchant's desk over.

``places`` reads where each open conversation stands in its queue from its events; ``rebuild`` (pure) puts
stored staff and open conversations into a ``DeskState``. Staff holding conversations come back *away*
(they keep them through the grace; the caller arms the timers for ``Rebuilt.away``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from souk.desk.ports import ConversationStore
from souk.desk.views import route_of
from souk.domain.desk import routing as r
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import MAX_EVENTS, Assigned, Conversation, Handoff, Status, Transferred

Key = tuple[str, str]
Place = tuple[dt.datetime, bool]  # waiting since, at the front of its queue


async def places(store: ConversationStore, unfinished: Sequence[Conversation]) -> dict[Key, Place]:
    """Each open conversation's place in its queue as its events say: since when it waits (its last hand-off;
    a transfer to a queue keeps that time) and whether it went back to the front because its agent left."""
    out: dict[Key, Place] = {}
    for c in unfinished:
        since, front = c.updated_at, False
        for _, event in await store.events(c.merchant_id, c.id, limit=MAX_EVENTS):
            if isinstance(event, Handoff):
                since, front = event.at, False
            elif isinstance(event, Transferred):
                front = event.to_queue is not None and event.reason == "agent_offline"
            elif isinstance(event, Assigned):
                front = False
        out[c.key] = (since, front)
    return out


@dataclass(frozen=True, slots=True)
class Rebuilt:
    state: r.DeskState
    away: frozenset[Key]  # staff restored holding conversations
    assigned_at: Mapping[Key, dt.datetime]  # conversations with a person, since when (handling time)


def without(state: r.DeskState, merchant_id: str | None) -> r.DeskState:
    """``state`` less one merchant's agents, conversations and max wait (less everything with ``None``)."""
    def other(m: str) -> bool:
        return merchant_id is not None and m != merchant_id

    return r.DeskState({k: v for k, v in state.agents.items() if other(k[0])},
                       {k: v for k, v in state.conversations.items() if other(k[0])},
                       {m: w for m, w in state.max_wait.items() if other(m)}, state.seq)


def rebuild(state: r.DeskState, merchant_id: str | None, profiles: Sequence[StaffProfile],
            unfinished: Sequence[Conversation], where: Mapping[Key, Place],
            settings: Mapping[str, DeskSettings], now: dt.datetime) -> Rebuilt:
    """``state`` with one merchant's part (every merchant's with ``None``) replaced by what storage holds."""
    rest = without(state, merchant_id)
    agents, convs, seq = dict(rest.agents), dict(rest.conversations), rest.seq
    for p in profiles:
        agents[(p.merchant_id, p.id)] = r.Agent(p.merchant_id, p.id, p.skills, p.capacity)
    away: set[Key] = set()
    assigned_at: dict[Key, dt.datetime] = {}
    for c in sorted(unfinished, key=lambda c: where.get(c.key, (c.updated_at, False))[0]):
        route = route_of(c.queue, c.language)
        queued_at, front = where.get(c.key, (c.updated_at, False))
        held = c.agent_id if c.status is Status.ASSIGNED else None
        skills = None
        if held is not None:
            akey = (c.merchant_id, held)
            agent = agents.get(akey) or r.Agent(c.merchant_id, held, r.Skills(), 1)
            agents[akey] = dataclasses.replace(agent, presence=r.Presence.AWAY, idle_since=now,
                                               open=(*agent.open, c.id))
            away.add(akey)
            assigned_at[c.key] = c.updated_at
            skills = agent.skills
        convs[c.key] = r.Conversation(c.merchant_id, c.id, route, queued_at, seq, held, front=front and held is None,
                                      overflow=skills is not None and not route.served_by(skills))
        seq += 1
    limits = dict(rest.max_wait)
    for m, st in settings.items():
        if (merchant_id is None or m == merchant_id) and st.max_wait_s:
            limits[m] = dt.timedelta(seconds=st.max_wait_s)
    return Rebuilt(r.DeskState(agents, convs, limits, seq), frozenset(away), assigned_at)
