"""Desk routing: who gets which waiting conversation, and what happens when agents come, go and transfer."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from souk.core.errors import Conflict, NotFound
from souk.domain.desk.routing import (
    Assignment,
    DeskState,
    Presence,
    Route,
    Skills,
    Step,
    enqueue,
    estimate_wait,
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
M = "m1"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def sound(step: Step) -> DeskState:
    assert violations(step.state) == []
    return step.state


def online(
    state: DeskState,
    agent_id: str,
    langs: str,
    capacity: int = 3,
    now: float = 0,
    merchant: str = M,
    **skills: bool,
) -> DeskState:
    spec = Skills(
        languages=frozenset(langs.split(",")), vip=skills.get("vip", False), video=skills.get("video", False)
    )
    state = sound(upsert_agent(state, merchant, agent_id, spec, capacity, at(now)))
    return sound(set_presence(state, merchant, agent_id, Presence.ONLINE, at(now)))


LANGS = ("en", "es", "fr", "de", "ar")


def twelve_agents() -> list[tuple[str, Skills, int]]:
    """Mixed skills and capacities; every route the 300-case uses has at least two agents."""
    out = []
    for i in range(12):
        langs = {LANGS[i % 5], LANGS[(i + 2) % 5]} | ({"en"} if i % 3 == 0 else set())
        cats = frozenset({"shoes"} if i % 2 == 0 else {"bags"}) | ({"watches"} if i % 4 == 1 else frozenset())
        skills = Skills(frozenset(langs), cats, vip=i % 3 == 1, video=i % 4 == 0)
        out.append((f"a{i:02d}", skills, 2 + i % 4))
    return out


def test_three_hundred_simultaneous_conversations_over_twelve_agents() -> None:
    rng = random.Random(300)
    state = DeskState()
    agents = twelve_agents()
    for agent_id, skills, capacity in agents:
        state = sound(upsert_agent(state, M, agent_id, skills, capacity, T0))
        state = sound(set_presence(state, M, agent_id, Presence.ONLINE, T0))
    routes: dict[str, Route] = {}
    order: dict[str, list[str]] = defaultdict(list)  # queue -> conversation ids in enqueue order
    assigned: dict[str, Assignment] = {}
    assigned_order: dict[str, list[str]] = defaultdict(list)

    def record(step: Step) -> DeskState:
        for made in step.assignments:
            assert made.conversation_id not in assigned, "assigned twice"
            assigned[made.conversation_id] = made
            assigned_order[routes[made.conversation_id].queue].append(made.conversation_id)
            agent = step.state.agent(M, made.agent_id)
            assert routes[made.conversation_id].served_by(agent.skills) and not made.overflow
        return sound(step)

    for i in range(300):  # all 300 arrive within five minutes, far more than the agents' capacity
        route = Route("")
        while not any(route.served_by(s) for _, s, _ in agents):  # draw until some agent can serve it
            route = Route(
                language=rng.choice(LANGS),
                category=rng.choice([None, None, "shoes", "bags"]),
                vip=rng.random() < 0.1,
                video=rng.random() < 0.05,
            )
        cid = f"c{i:03d}"
        routes[cid] = route
        order[route.queue].append(cid)
        state = record(enqueue(state, M, cid, route, at(i)))
    total_capacity = sum(c for _, _, c in agents)
    assert len(assigned) <= total_capacity < 300
    now = 300.0
    finished: set[str] = set()
    while len(finished) < 300:  # agents finish work over time, oldest first or at random
        now += rng.uniform(0.5, 20)
        held = [c.id for c in state.conversations.values() if not c.waiting]
        assert held, "work is waiting but nobody holds anything"
        done = rng.choice(held)
        state = record(finish(state, M, done, at(now)))
        finished.add(done)
    assert set(assigned) == set(routes) == finished  # every conversation assigned once, none lost
    assert state.conversations == {}
    for queue, cids in order.items():
        assert assigned_order[queue] == cids, f"queue {queue} not served first in, first out"


def test_longest_waiting_first_across_queues_then_least_loaded_agent() -> None:
    state = DeskState()
    state = sound(enqueue(state, M, "fr1", Route("fr"), at(0)))
    state = sound(enqueue(state, M, "en1", Route("en"), at(1)))
    state = sound(enqueue(state, M, "fr2", Route("fr"), at(2)))
    state = sound(upsert_agent(state, M, "a", Skills(frozenset({"en", "fr"})), 2, at(3)))
    step = set_presence(state, M, "a", Presence.ONLINE, at(3))
    assert [m.conversation_id for m in step.assignments] == ["fr1", "en1"]
    state = online(sound(step), "b", "fr", capacity=4, now=4)
    assert state.conversation(M, "fr2").agent_id == "b"
    state = online(state, "c", "fr", capacity=4, now=5)
    step = enqueue(state, M, "fr3", Route("fr"), at(6))  # b holds 1/4, c 0/4: c is least loaded
    assert step.assignments == (Assignment(M, "fr3", "c"),)
    state = sound(step)
    state = online(state, "d", "fr", capacity=4, now=7)
    step = enqueue(state, M, "fr4", Route("fr"), at(8))  # b and c 1/4, d 0/4
    assert step.assignments[0].agent_id == "d"
    state = sound(finish(sound(step), M, "fr2", at(9)))  # b 0/4 idle since 9, d 1/4 ...
    state = sound(finish(state, M, "fr3", at(10)))  # c 0/4 idle since 10: b has been idle longer
    assert enqueue(state, M, "fr5", Route("fr"), at(11)).assignments[0].agent_id == "b"


def test_a_video_call_takes_the_whole_capacity_and_is_not_starved_by_chats() -> None:
    state = online(DeskState(), "v", "en", capacity=3, video=True)
    state = sound(enqueue(state, M, "chat1", Route("en"), at(1)))
    state = sound(enqueue(state, M, "call", Route("en", video=True), at(2)))
    step = enqueue(state, M, "chat2", Route("en"), at(3))
    assert step.assignments == ()  # v is kept for the call that waits longer
    state = sound(step)
    step = finish(state, M, "chat1", at(4))
    assert step.assignments == (Assignment(M, "call", "v"),)
    state = sound(step)
    assert state.load(state.agent(M, "v")) == 3
    assert [a.conversation_id for a in finish(state, M, "call", at(5)).assignments] == ["chat2"]


def test_an_agent_who_disconnects_gets_its_conversations_requeued_at_the_front_and_reassigned() -> None:
    state = online(DeskState(), "a", "es", capacity=2)
    state = online(state, "b", "es", capacity=1, now=1)
    for i in range(4):
        state = sound(enqueue(state, M, f"c{i}", Route("es"), at(10 + i)))
    assert {c.id: c.agent_id for c in state.conversations.values()} == {
        "c0": "a",
        "c1": "b",
        "c2": "a",
        "c3": None,
    }
    step = set_presence(state, M, "a", Presence.OFFLINE, at(20))  # killed mid-conversation
    assert (step.assignments, step.requeued) == ((), ("c0", "c2"))
    state = sound(step)
    assert [c.id for c in state.waiting(M)] == ["c0", "c2", "c3"]  # at the front, ahead of c3
    assert state.conversation(M, "c0").enqueued_at == at(10)  # original enqueue time kept
    step = finish(state, M, "c1", at(21))
    assert step.assignments == (Assignment(M, "c0", "b", requeued=True),)
    state = online(sound(step), "c", "es", capacity=5, now=22)
    assert [c.agent_id for c in (state.conversation(M, "c2"), state.conversation(M, "c3"))] == ["c", "c"]
    assert {c.id for c in state.conversations.values()} == {"c0", "c2", "c3"}  # nothing lost


def test_away_keeps_open_conversations_but_takes_no_new_ones() -> None:
    state = online(DeskState(), "a", "en", capacity=3)
    state = sound(enqueue(state, M, "c1", Route("en"), at(1)))
    state = sound(set_presence(state, M, "a", Presence.AWAY, at(2)))
    assert enqueue(state, M, "c2", Route("en"), at(3)).assignments == ()
    state = sound(enqueue(state, M, "c2", Route("en"), at(3)))
    assert state.conversation(M, "c1").agent_id == "a"
    assert set_presence(state, M, "a", Presence.ONLINE, at(4)).assignments == (Assignment(M, "c2", "a"),)


def test_overflow_after_the_merchants_max_wait_goes_to_any_online_agent() -> None:
    state = online(DeskState(), "en_only", "en", capacity=2)
    state = sound(set_max_wait(state, M, dt.timedelta(seconds=60), at(0)))
    state = sound(enqueue(state, M, "fr1", Route("fr", category="shoes"), at(0)))
    assert tick(state, at(59)).assignments == ()
    step = tick(state, at(60))
    assert step.assignments == (Assignment(M, "fr1", "en_only", overflow=True),)
    state = sound(step)
    assert state.conversation(M, "fr1").overflow
    no_limit = sound(set_max_wait(state, M, None, at(61)))
    no_limit = sound(enqueue(no_limit, M, "fr2", Route("fr"), at(61)))
    assert tick(no_limit, at(10_000)).assignments == ()


def test_transfer_to_an_agent_or_a_queue_and_hand_back_to_the_ai() -> None:
    state = online(DeskState(), "a", "en", capacity=1)
    state = online(state, "b", "en,de", capacity=1, now=1)
    state = sound(enqueue(state, M, "c1", Route("en"), at(2)))
    state = sound(enqueue(state, M, "c2", Route("en"), at(3)))
    state = sound(enqueue(state, M, "c3", Route("en"), at(4)))
    assert (state.conversation(M, "c1").agent_id, state.conversation(M, "c2").agent_id) == ("a", "b")
    with pytest.raises(Conflict):
        transfer_to_agent(state, M, "c1", "b", at(5))  # b is full
    state = sound(set_presence(state, M, "b", Presence.AWAY, at(5)))
    with pytest.raises(Conflict):
        transfer_to_agent(state, M, "c1", "b", at(5))  # b is not online
    state = sound(set_presence(state, M, "b", Presence.ONLINE, at(5)))
    state = online(state, "d", "de", capacity=2, now=6)
    step = transfer_to_agent(state, M, "c1", "d", at(7))  # to a colleague without English: allowed, marked
    assert step.assignments == (Assignment(M, "c1", "d", overflow=True), Assignment(M, "c3", "a"))
    state = sound(step)
    step = transfer_to_queue(state, M, "c2", Route("de"), at(8))  # b frees up; c2 waits for German
    assert step.assignments == (Assignment(M, "c2", "b"),)  # b was idle longer than d
    state = sound(step)
    assert state.conversation(M, "c2").enqueued_at == at(3)
    state = sound(hand_back(state, M, "c2", at(9)))
    with pytest.raises(NotFound):
        state.conversation(M, "c2")
    state = sound(enqueue(state, M, "c4", Route("en"), at(10)))
    assert state.conversation(M, "c4").agent_id == "b"
    state = sound(hand_back(state, M, "c4", at(11)))  # hand back a waiting or held one alike
    assert "c4" not in {c.id for c in state.conversations.values()}


def test_two_merchants_never_mix() -> None:
    state = online(DeskState(), "a", "en", capacity=5, merchant="m1")
    state = online(state, "a", "en", capacity=5, merchant="m2")  # the same agent id at another merchant
    state = sound(set_presence(state, "m1", "a", Presence.OFFLINE, at(1)))
    state = sound(enqueue(state, "m1", "c", Route("en"), at(2)))
    state = sound(enqueue(state, "m2", "c", Route("en"), at(2)))  # the same conversation id too
    assert state.conversation("m1", "c").waiting
    assert state.conversation("m2", "c").agent_id == "a"
    state = sound(set_max_wait(state, "m1", dt.timedelta(seconds=1), at(3)))
    assert tick(state, at(100)).assignments == ()  # overflow never crosses merchants
    state = online(state, "b", "en", capacity=1, merchant="m2", now=4)
    with pytest.raises(NotFound):
        transfer_to_agent(state, "m1", "c", "b", at(5))
    assert set_presence(state, "m1", "a", Presence.ONLINE, at(6)).assignments == (Assignment("m1", "c", "a"),)


def test_wait_estimate_and_whether_anyone_is_there() -> None:
    handling = dt.timedelta(minutes=5)
    state = DeskState()
    nobody = estimate_wait(state, M, Route("en"), handling)
    assert (nobody.available, nobody.wait) == (False, None)
    state = online(state, "a", "en", capacity=2)
    assert estimate_wait(state, M, Route("en"), handling).wait == dt.timedelta(0)
    for i in range(5):
        state = sound(enqueue(state, M, f"c{i}", Route("en"), at(i)))
    # 3 ahead, no room, 2 slots: (3 + 1) / 2 * 5 minutes
    estimate = estimate_wait(state, M, Route("en"), handling)
    assert (estimate.available, estimate.position, estimate.wait) == (True, 3, dt.timedelta(minutes=10))
    assert not estimate_wait(state, M, Route("fr"), handling).available  # nobody speaks French
    state = sound(set_max_wait(state, M, dt.timedelta(minutes=3), at(10)))
    assert estimate_wait(state, M, Route("fr"), handling).wait == dt.timedelta(minutes=3)  # it will overflow
    video = estimate_wait(
        online(state, "v", "ar", capacity=2, video=True), M, Route("ar", video=True), handling
    )
    assert video.wait == dt.timedelta(0)
    state = online(state, "b", "en,fr", capacity=1, now=11)  # takes c2; c3, c4 wait, fr1 now competes for b
    state = sound(enqueue(state, M, "fr1", Route("fr"), at(12)))
    # 2 in its queue; 3 waiting that a or b could take, no room, 3 slots: (3 + 1) / 3 * 5 minutes
    estimate = estimate_wait(state, M, Route("en"), handling)
    assert (estimate.position, estimate.wait) == (2, dt.timedelta(minutes=20) / 3)
    away = sound(set_presence(state, M, "a", Presence.AWAY, at(11)))
    away = sound(set_presence(away, M, "b", Presence.OFFLINE, at(11)))
    assert not estimate_wait(away, M, Route("en"), handling).available


def test_bad_input_is_refused() -> None:
    state = online(DeskState(), "a", "en", capacity=2)
    state = sound(enqueue(state, M, "c", Route("en"), at(1)))
    with pytest.raises(Conflict):
        enqueue(state, M, "c", Route("en"), at(2))
    with pytest.raises(ValueError):
        upsert_agent(state, M, "z", Skills(), 0, at(2))
    state = sound(enqueue(state, M, "d", Route("en"), at(2)))
    with pytest.raises(Conflict):
        upsert_agent(state, M, "a", Skills(frozenset({"en"})), 1, at(3))  # it holds two
    with pytest.raises(NotFound):
        finish(state, "m2", "c", at(3))


def test_changing_an_agents_skills_keeps_what_it_holds_outside_its_route() -> None:
    state = online(DeskState(), "a", "en,fr", capacity=2)
    state = sound(enqueue(state, M, "c", Route("fr"), at(1)))
    state = sound(upsert_agent(state, M, "a", Skills(frozenset({"en"})), 2, at(2)))
    assert state.conversation(M, "c").agent_id == "a" and state.conversation(M, "c").overflow
    state = sound(set_presence(state, M, "a", Presence.OFFLINE, at(3)))
    assert not state.conversation(M, "c").overflow  # waiting again, for French
