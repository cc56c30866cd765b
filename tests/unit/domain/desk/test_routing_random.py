"""Desk routing under thousands of random operations (fixed seed): the rules hold after every single one."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from souk.core.errors import Conflict
from souk.domain.desk.routing import (
    DeskState,
    Presence,
    Route,
    Skills,
    Step,
    enqueue,
    finish,
    hand_back,
    set_max_wait,
    set_presence,
    tick,
    transfer_to_agent,
    transfer_to_queue,
    upsert_agent,
    violations,
)

T0 = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
MERCHANTS = ("m1", "m2")
LANGS = ("en", "es", "fr")
CATS = (None, "shoes", "bags")


def random_route(rng: random.Random) -> Route:
    return Route(rng.choice(LANGS), rng.choice(CATS), vip=rng.random() < 0.15, video=rng.random() < 0.1)


def random_skills(rng: random.Random) -> Skills:
    return Skills(
        frozenset(rng.sample(LANGS, rng.randint(1, 2))),
        frozenset(c for c in CATS[1:] if rng.random() < 0.6),
        vip=rng.random() < 0.4,
        video=rng.random() < 0.4,
    )


def check(
    before: DeskState, step: Step, alive: set[tuple[str, str]], explicit: int, ticked: dt.datetime | None
) -> None:
    """`explicit`: leading assignments a person chose; `ticked`: the time of a tick, when overflow is due."""
    state, now_waiting = step.state, {c.key for c in step.state.conversations.values() if c.waiting}
    assert violations(state) == []
    assert set(state.conversations) == alive, "a conversation was lost or invented"
    for n, made in enumerate(step.assignments):
        agent = state.agent(made.merchant_id, made.agent_id)
        conv = state.conversation(made.merchant_id, made.conversation_id)
        assert conv.agent_id == agent.id and agent.presence is Presence.ONLINE
        assert made.overflow or conv.route.served_by(agent.skills)
        if n < explicit or made.overflow:
            continue
        was = before.conversations.get(conv.key, conv)  # FIFO: nobody older in its queue is left waiting
        for other in state.waiting(made.merchant_id, conv.route.queue):
            assert other.order() > was.order(), f"{other.id} waits behind {conv.id} in {conv.route.queue}"
    for merchant in MERCHANTS:  # nobody waits while a matching agent has room (unless a video call holds it)
        waiting = state.waiting(merchant)
        if any(c.route.video for c in waiting):
            continue
        agents = [
            a for a in state.agents.values() if a.merchant_id == merchant and a.presence is Presence.ONLINE
        ]
        limit = state.max_wait.get(merchant)
        for conv in waiting:
            overflowing = ticked is not None and limit is not None and ticked - conv.enqueued_at >= limit
            for agent in agents:
                if overflowing or conv.route.served_by(agent.skills):
                    assert state.load(agent) >= agent.capacity, f"{conv.id} waits while {agent.id} has room"
    assert now_waiting <= alive


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_operations_keep_every_rule(seed: int) -> None:
    rng = random.Random(seed)
    state = DeskState()
    alive: set[tuple[str, str]] = set()
    agents = {m: [f"a{i}" for i in range(6)] for m in MERCHANTS}
    now = T0
    for merchant, ids in agents.items():
        for agent_id in ids:
            state = upsert_agent(state, merchant, agent_id, random_skills(rng), rng.randint(1, 4), now).state
    counts: dict[str, int] = {}
    serial = 0
    for _ in range(3000):
        now += dt.timedelta(seconds=rng.uniform(0, 8))
        merchant = rng.choice(MERCHANTS)
        mine = sorted(c for m, c in alive if m == merchant)
        op = rng.choices(
            ["enqueue", "presence", "finish", "to_agent", "to_queue", "hand_back", "tick", "max_wait"],
            weights=[30, 12, 22, 6, 5, 4, 8, 2],
        )[0]
        explicit = 0
        if op in ("finish", "to_agent", "to_queue", "hand_back") and not mine:
            op = "enqueue"
        try:
            if op == "enqueue":
                serial += 1
                step = enqueue(state, merchant, f"c{serial}", random_route(rng), now)
                alive.add((merchant, f"c{serial}"))
            elif op == "presence":
                presence = rng.choices(list(Presence), weights=[5, 1, 3])[0]
                step = set_presence(state, merchant, rng.choice(agents[merchant]), presence, now)
            elif op in ("finish", "hand_back"):
                cid = rng.choice(mine)
                step = (finish if op == "finish" else hand_back)(state, merchant, cid, now)
                alive.discard((merchant, cid))
            elif op == "to_agent":
                step = transfer_to_agent(state, merchant, rng.choice(mine), rng.choice(agents[merchant]), now)
                explicit = 1
            elif op == "to_queue":
                step = transfer_to_queue(state, merchant, rng.choice(mine), random_route(rng), now)
            elif op == "tick":
                step = tick(state, now)
            else:
                limit = rng.choice([None, dt.timedelta(seconds=30), dt.timedelta(minutes=2)])
                step = set_max_wait(state, merchant, limit, now)
        except Conflict:
            assert op == "to_agent"  # the only refusal: the colleague is not online or has no room
            counts["refused"] = counts.get("refused", 0) + 1
            continue
        check(state, step, alive, explicit, now if op == "tick" else None)
        state = step.state
        counts[op] = counts.get(op, 0) + 1
        counts["assigned"] = counts.get("assigned", 0) + len(step.assignments)
        counts["overflow"] = counts.get("overflow", 0) + sum(m.overflow for m in step.assignments)
    assert counts["assigned"] > 300 and counts["overflow"] > 0 and counts.get("refused", 0) > 0, counts
