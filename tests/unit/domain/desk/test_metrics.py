"""Desk numbers from hand-built timelines, each checked exactly."""

from __future__ import annotations

import datetime as dt

import pytest

from souk.core.errors import BadRequest
from souk.domain.desk.handoff import HandoffReason
from souk.domain.desk.metrics import (
    CsatStat,
    Level,
    Percentiles,
    SlaCount,
    SlaPolicy,
    SlaTargets,
    SlaWarning,
    Timer,
    compute,
    sla_warnings,
)
from souk.domain.desk.timeline import (
    AgentMessage,
    AiMessage,
    Assigned,
    Channel,
    Closed,
    Csat,
    Event,
    Handoff,
    Resolution,
    ShopperMessage,
    Timeline,
    Transferred,
    open_conversation,
    replay,
)

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
R = HandoffReason


def at(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


def tl(cid: str, language: str, *events: Event, merchant: str = "m1") -> Timeline:
    return replay(open_conversation(merchant, cid, Channel.ASSISTANT_TEXT, f"s-{cid}", language, T0), events)


def store() -> list[Timeline]:
    return [
        tl(
            "c1",
            "es",
            ShopperMessage(at(1), "¿talla?"),
            AiMessage(at(2), "M"),
            Closed(at(60), Resolution.RESOLVED),
            Csat(at(61), 5),
        ),
        tl("c2", "es", ShopperMessage(at(1), "hola"), Closed(at(30), Resolution.ABANDONED)),
        tl(
            "c3",
            "es",
            Handoff(at(10), R.EXPLICIT_REQUEST, "es"),
            Assigned(at(40), "agent-a"),
            AgentMessage(at(70), "agent-a", "hola"),
            AgentMessage(at(80), "agent-a", "¿algo más?"),
            Closed(at(310), Resolution.RESOLVED, "agent-a"),
            Csat(at(320), 4),
        ),
        tl(
            "c4",
            "en",
            Handoff(at(0), R.FRUSTRATION, "en"),
            Assigned(at(100), "agent-b"),
            AgentMessage(at(120), "agent-b", "hi"),
            Transferred(at(130), to_queue="vip"),
            Assigned(at(150), "agent-c"),
            Closed(at(1000), Resolution.RESOLVED, "agent-c"),
            Csat(at(1001), 2),
        ),
        tl("c5", "en", Handoff(at(5), R.VIP, "en")),
        tl("x1", "en", Closed(at(1), Resolution.RESOLVED), Csat(at(2), 1), merchant="m2"),
    ]


POLICY = SlaPolicy(SlaTargets(90, 600), {"vip": SlaTargets(60, 300)})


def test_every_number_of_a_small_desk() -> None:
    m = compute("m1", store(), POLICY, now=at(2000))
    assert (m.merchant_id, m.conversations, m.closed, m.contained, m.containment) == ("m1", 5, 4, 1, 0.25)
    assert (m.handoffs, m.handoff_reasons, m.unassigned) == (
        3,
        {"explicit_request": 1, "frustration": 1, "vip": 1},
        1,
    )
    assert m.wait_s == Percentiles(3, 30.0, 100.0)  # 30 (c3), 100 and 20 (c4, twice queued)
    assert m.first_response_s == Percentiles(2, 60.0, 120.0)
    assert m.resolution_s == Percentiles(4, 60.0, 1000.0)  # 30, 60, 310, 1000
    assert m.csat == CsatStat(3, 3.67)
    assert m.csat_by_language == {"en": CsatStat(1, 2.0), "es": CsatStat(2, 4.5)}
    assert m.csat_by_queue == {"es": CsatStat(1, 4.0), "vip": CsatStat(1, 2.0)}  # c1 never queued
    assert m.csat_by_agent == {"agent-a": CsatStat(1, 4.0), "agent-c": CsatStat(1, 2.0)}
    assert m.sla == {"en": SlaCount(1, 1, 1), "es": SlaCount(1, 0, 0), "vip": SlaCount(1, 1, 1)}


def test_without_now_an_open_wait_is_not_yet_a_breach() -> None:
    m = compute("m1", store(), POLICY)
    assert m.sla["en"] == SlaCount(1, 0, 0)


def test_closing_without_any_human_answer_counts_against_first_response() -> None:
    t = tl("c", "fr", Handoff(at(0), R.VIP, "fr"), Closed(at(91), Resolution.UNRESOLVED))
    m = compute("m1", [t], POLICY)
    assert (m.sla, m.unassigned, m.first_response_s) == (
        {"fr": SlaCount(1, 1, 0)},
        1,
        Percentiles(0, None, None),
    )


def test_exactly_on_target_is_not_a_breach() -> None:
    t = tl(
        "c",
        "fr",
        Handoff(at(0), R.VIP, "fr"),
        Assigned(at(1), "a"),
        AgentMessage(at(90), "a", "hi"),
        Closed(at(600), Resolution.RESOLVED, "a"),
    )
    assert compute("m1", [t], POLICY).sla == {"fr": SlaCount(1, 0, 0)}


def test_a_transfer_between_agents_involves_a_human_but_no_wait() -> None:
    t = tl(
        "c",
        "en",
        Handoff(at(0), R.VIP, "en"),
        Assigned(at(10), "a"),
        Transferred(at(20), to_agent="b"),
        Closed(at(30), Resolution.RESOLVED, "b"),
        Csat(at(31), 3),
    )
    m = compute("m1", [t], POLICY)
    assert (m.contained, m.wait_s, m.csat_by_agent) == (
        0,
        Percentiles(1, 10.0, 10.0),
        {"b": CsatStat(1, 3.0)},
    )


def test_no_conversations() -> None:
    m = compute("m1", [], POLICY, now=T0)
    none = Percentiles(0, None, None)
    assert (m.conversations, m.closed, m.contained, m.containment, m.handoffs, m.unassigned) == (
        0,
        0,
        0,
        None,
        0,
        0,
    )
    assert (m.wait_s, m.first_response_s, m.resolution_s) == (none, none, none)
    assert (m.csat, m.csat_by_language, m.csat_by_queue, m.csat_by_agent, m.sla, m.handoff_reasons) == (
        CsatStat(0, None),
        {},
        {},
        {},
        {},
        {},
    )


def test_another_merchants_timelines_are_skipped() -> None:
    m = compute("m2", store(), POLICY)
    assert (m.conversations, m.contained, m.csat, m.handoffs) == (1, 1, CsatStat(1, 1.0), 0)


def test_targets_must_be_positive() -> None:
    with pytest.raises(BadRequest) as info:
        SlaTargets(0, 10)
    assert info.value.code == "bad_sla"


def test_warnings_for_open_conversations_soonest_due_first() -> None:
    policy = SlaPolicy(SlaTargets(100, 1000))
    timelines = [
        tl("w1", "en", Handoff(at(0), R.VIP, "en")),
        tl("w2", "en", Handoff(at(810), R.VIP, "en"), Assigned(at(820), "a")),
        tl("w3", "es", Handoff(at(0), R.VIP, "es"), Assigned(at(10), "a"), AgentMessage(at(50), "a", "hola")),
        tl("w4", "es", ShopperMessage(at(1), "hola")),  # still with the AI
        tl("w5", "es", Handoff(at(0), R.VIP, "es"), Closed(at(5), Resolution.RESOLVED)),  # closed
        tl("w6", "es", Handoff(at(850), R.VIP, "es")),  # 50 s of 100: not yet
    ]
    assert sla_warnings(timelines, policy, at(900)) == (
        SlaWarning("m1", "w1", "en", Timer.FIRST_RESPONSE, at(100), Level.BREACHED),
        SlaWarning("m1", "w2", "en", Timer.FIRST_RESPONSE, at(910), Level.SOON),
        SlaWarning("m1", "w1", "en", Timer.RESOLUTION, at(1000), Level.SOON),
        SlaWarning("m1", "w3", "es", Timer.RESOLUTION, at(1000), Level.SOON),
    )
    assert sla_warnings(timelines, policy, at(900), soon=1.0)[1:] == ()
    with pytest.raises(BadRequest):
        sla_warnings(timelines, policy, at(900), soon=0)
