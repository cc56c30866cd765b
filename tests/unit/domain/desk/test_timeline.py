"""Conversation transitions: every event's rule, the shopper's view, the stored form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest, Conflict, Forbidden, SoukError, TooLarge
from souk.domain.calls import CallOutcome
from souk.domain.desk.handoff import (
    HandoffPacket,
    HandoffReason,
    PacketCustomer,
    PacketOrder,
    Speaker,
    TranscriptLine,
)
from souk.domain.desk.timeline import (
    EVENT_TYPES,
    MAX_EVENTS,
    AgentMessage,
    AiMessage,
    Assigned,
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
    apply,
    decode_event,
    encode_event,
    open_conversation,
    replay,
    shopper_view,
    transcript,
)

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


def convo() -> Conversation:
    return open_conversation("m1", "c1", Channel.ASSISTANT_TEXT, "shopper-1", "es", T0, customer_id="cu1")


def packet() -> HandoffPacket:
    return HandoffPacket(
        HandoffReason.EXPLICIT_REQUEST,
        "es",
        intent="return",
        summary="wants to return a jacket",
        transcript=(
            TranscriptLine(at(1), Speaker.SHOPPER, "hola"),
            TranscriptLine(at(2), Speaker.AI, "¡Hola!"),
        ),
        customer=PacketCustomer("cu1", "Ana", "ana@example.com", vip=True),
        orders=(
            PacketOrder("o1", "delivered", Decimal("129.90"), at(-86400)),
            PacketOrder("o2", "paid", Decimal(5)),
        ),
        products_mentioned=("JKT-1",),
        orders_mentioned=("o1",),
        extra=(("room", "r1"),),
    )


def full() -> Timeline:
    events: list[Event] = [
        ShopperMessage(at(1), "hola"),
        AiMessage(at(2), "¡Hola!", (ToolCall("lookup_order", True, "o1 -> delivered"),)),
        ShopperMessage(at(3), "quiero hablar con una persona"),
        Handoff(at(4), HandoffReason.EXPLICIT_REQUEST, "es", packet()),
        Assigned(at(10), "agent-a"),
        AgentMessage(at(12), "agent-a", "Hola Ana"),
        InternalNote(at(13), "agent-a", "VIP, be nice"),
        Transferred(at(14), to_agent="agent-b", reason="video skill"),
        CallStarted(at(15), "call-1"),
        CallEnded(at(75), "call-1", CallOutcome.COMPLETED, 60.0),
        Closed(at(80), Resolution.RESOLVED, by="agent-b"),
        Csat(at(90), 5, "¡genial!"),
        InternalNote(at(95), "agent-b", "followed up"),
    ]
    return replay(convo(), events)


def test_a_full_conversation_ends_closed_with_its_score() -> None:
    c = full().conversation
    assert (c.status, c.resolution, c.csat, c.closed_at, c.agent_id, c.events) == (
        Status.CLOSED,
        Resolution.RESOLVED,
        5,
        at(80),
        None,
        13,
    )
    assert c.queue == "es" and c.updated_at == at(95) and c.key == ("m1", "c1")


def test_states_along_the_way() -> None:
    c = apply(convo(), Handoff(at(1), HandoffReason.VIP, "vip"))
    assert (c.status, c.queue) == (Status.QUEUED, "vip")
    c = apply(c, Assigned(at(2), "a"))
    assert (c.status, c.agent_id) == (Status.ASSIGNED, "a")
    c = apply(c, Transferred(at(3), to_queue="fr"))
    assert (c.status, c.queue, c.agent_id) == (Status.QUEUED, "fr", None)
    c = apply(c, HandedBack(at(4)))
    assert (c.status, c.agent_id) == (Status.AI, None)
    c = apply(c, Handoff(at(5), HandoffReason.FRUSTRATION, "es"))  # a second hand-off after a hand-back
    assert c.status is Status.QUEUED


def error(c: Conversation, event: Event) -> SoukError:
    with pytest.raises(SoukError) as info:
        apply(c, event)
    return info.value


def closed() -> Conversation:
    return apply(convo(), Closed(at(5), Resolution.RESOLVED))


@pytest.mark.parametrize(
    ("state", "event", "kind", "code"),
    [
        ("closed", ShopperMessage(at(6), "again?"), Conflict, "conversation_closed"),
        ("closed", AgentMessage(at(6), "a", "hi"), Conflict, "conversation_closed"),
        ("closed", Handoff(at(6), HandoffReason.VIP, "q"), Conflict, "conversation_closed"),
        ("closed", Closed(at(6), Resolution.RESOLVED), Conflict, "conversation_closed"),
        ("closed", Csat(at(6), 0), BadRequest, "bad_csat"),
        ("closed", Csat(at(6), 6), BadRequest, "bad_csat"),
        ("closed", Csat(at(6), True), BadRequest, "bad_csat"),
        ("closed", Csat(at(6), 3, "x" * 1001), TooLarge, "text_too_long"),
        ("ai", Csat(at(6), 5), Conflict, "csat_before_close"),
        ("ai", AgentMessage(at(6), "a", "hi"), Conflict, "not_assigned"),
        ("ai", Assigned(at(6), "a"), Conflict, "not_queued"),
        ("ai", Transferred(at(6), to_agent="a"), Conflict, "not_with_humans"),
        ("ai", HandedBack(at(6)), Conflict, "not_with_humans"),
        ("ai", Handoff(at(6), HandoffReason.VIP, ""), BadRequest, "bad_queue"),
        ("ai", ShopperMessage(at(6), "   "), BadRequest, "empty_text"),
        ("ai", ShopperMessage(at(6), "x" * 4001), TooLarge, "text_too_long"),
        ("ai", AiMessage(at(6), "ok", tuple(ToolCall("t") for _ in range(21))), TooLarge, "too_many_tools"),
        ("ai", InternalNote(at(6), "", "note"), BadRequest, "bad_note"),
        ("ai", CallEnded(at(6), "nope", CallOutcome.COMPLETED), Conflict, "no_such_call"),
        ("ai", CallStarted(at(6), ""), BadRequest, "bad_call"),
        ("ai", ShopperMessage(T0 - dt.timedelta(seconds=1), "late"), BadRequest, "event_out_of_order"),
        ("queued", Handoff(at(6), HandoffReason.VIP, "q"), Conflict, "already_handed_off"),
        ("queued", Transferred(at(6), to_agent="a", to_queue="q"), BadRequest, "bad_transfer"),
        ("queued", Transferred(at(6)), BadRequest, "bad_transfer"),
        ("queued", Assigned(at(6), ""), BadRequest, "bad_agent"),
        ("assigned", AgentMessage(at(6), "someone-else", "hi"), Forbidden, "not_your_conversation"),
        ("assigned", Assigned(at(6), "b"), Conflict, "not_queued"),
    ],
)
def test_invalid_events_raise_stable_codes(
    state: str, event: Event, kind: type[SoukError], code: str
) -> None:
    c = {
        "closed": closed(),
        "ai": convo(),
        "queued": apply(convo(), Handoff(at(1), HandoffReason.VIP, "q")),
    }.get(state)
    if state == "assigned":
        c = apply(apply(convo(), Handoff(at(1), HandoffReason.VIP, "q")), Assigned(at(2), "a"))
    assert c is not None
    e = error(c, event)
    assert isinstance(e, kind) and e.code == code


def test_csat_only_once_and_notes_after_close() -> None:
    c = apply(closed(), Csat(at(6), 4))
    assert c.csat == 4
    assert error(c, Csat(at(7), 5)).code == "csat_given"
    c = apply(c, InternalNote(at(8), "a", "refund sent"))
    assert c.status is Status.CLOSED and c.events == 3


def test_calls_one_at_a_time_and_no_close_during_a_call() -> None:
    c = apply(convo(), CallStarted(at(1), "k1"))
    assert c.active_call == "k1"
    assert error(c, CallStarted(at(2), "k2")).code == "call_active"
    assert error(c, Closed(at(2), Resolution.RESOLVED)).code == "call_active"
    assert error(c, CallEnded(at(2), "k1", CallOutcome.MISSED, -1.0)).code == "bad_call"
    c = apply(c, CallEnded(at(3), "k1", CallOutcome.MISSED))
    assert c.active_call is None


def test_a_full_timeline_is_refused() -> None:
    c = Conversation("m1", "c1", Channel.CONSULT, "s", "en", T0, T0, events=MAX_EVENTS)
    assert error(c, ShopperMessage(at(1), "hi")).code == "timeline_full"


def test_open_needs_merchant_id_and_shopper() -> None:
    with pytest.raises(BadRequest) as info:
        open_conversation("", "c1", Channel.CONSULT, "s", "en", T0)
    assert info.value.code == "bad_conversation"


def test_times_without_an_offset_are_refused() -> None:
    naive = dt.datetime(2026, 12, 1, 9, 0)
    with pytest.raises(BadRequest) as info:
        open_conversation("m1", "c1", Channel.CONSULT, "s", "en", naive)
    assert info.value.code == "naive_time"
    assert error(convo(), ShopperMessage(naive, "hi")).code == "naive_time"


def test_shopper_view_hides_notes_tools_packet_and_reasons() -> None:
    view = shopper_view(full().events)
    assert [e.kind for e in view] == [
        "shopper_message",
        "ai_message",
        "shopper_message",
        "handoff",
        "assigned",
        "agent_message",
        "transferred",
        "call_started",
        "call_ended",
        "closed",
        "csat",
    ]
    ai, handoff, transfer = view[1], view[3], view[6]
    assert isinstance(ai, AiMessage) and ai.tools == () and ai.text == "¡Hola!"
    assert (
        isinstance(handoff, Handoff)
        and handoff.packet is None
        and handoff.reason is HandoffReason.EXPLICIT_REQUEST
    )
    assert isinstance(transfer, Transferred) and transfer.reason == "" and transfer.to_agent == "agent-b"


def test_transcript_is_what_the_shopper_saw() -> None:
    lines = transcript(full().events)
    assert [(line.speaker, line.text) for line in lines] == [
        (Speaker.SHOPPER, "hola"),
        (Speaker.AI, "¡Hola!"),
        (Speaker.SHOPPER, "quiero hablar con una persona"),
        (Speaker.AGENT, "Hola Ana"),
    ]
    assert [line.text for line in transcript(full().events, limit=1)] == ["Hola Ana"]
    assert transcript(full().events, limit=0) == ()


def test_every_event_round_trips_through_its_stored_form() -> None:
    import json

    events = full().events + (
        HandedBack(at(99)),
        Transferred(at(100), to_queue="fr", reason="agent_disconnected"),
    )
    assert {e.kind for e in events} == set(EVENT_TYPES)
    for event in events:
        stored = json.loads(json.dumps(encode_event(event)))
        assert decode_event(stored) == event, event.kind
    handoff = encode_event(events[3])
    assert handoff["packet"]["orders"][0] == {
        "order_id": "o1",
        "status": "delivered",
        "total": "129.90",
        "placed_at": "2026-11-30T09:00:00+00:00",
    }


def test_an_integer_call_length_decodes_as_float() -> None:
    e = decode_event(
        {"kind": "call_ended", "at": T0.isoformat(), "call_id": "k", "outcome": "completed", "duration_s": 3}
    )
    assert isinstance(e, CallEnded) and e.duration_s == 3.0 and isinstance(e.duration_s, float)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"kind": "nope"},
        {"kind": "csat", "at": T0.isoformat()},
        {"kind": "csat", "at": T0.isoformat(), "score": "5"},
        {"kind": "csat", "at": 5, "score": 5},
        {"kind": "csat", "at": T0.isoformat(), "score": 5, "extra": 1},
        {"kind": "closed", "at": T0.isoformat(), "resolution": "maybe"},
        {"kind": "ai_message", "at": T0.isoformat(), "text": "x", "tools": "no"},
        {"kind": "ai_message", "at": T0.isoformat(), "text": "x", "tools": [{"name": 1}]},
        {
            "kind": "handoff",
            "at": T0.isoformat(),
            "reason": "vip",
            "queue": "q",
            "packet": {
                "reason": "vip",
                "language": "en",
                "orders": [{"order_id": "o", "status": "s", "total": 5}],
            },
        },
        {
            "kind": "handoff",
            "at": T0.isoformat(),
            "reason": "vip",
            "queue": "q",
            "packet": {"reason": "vip", "language": "en", "extra": [["a"]]},
        },
        {"kind": "shopper_message", "at": "yesterday", "text": "x"},
    ],
)
def test_malformed_stored_events_are_bad_event(raw: object) -> None:
    with pytest.raises(BadRequest) as info:
        decode_event(raw)
    assert info.value.code == "bad_event"
