"""The desk's stores (souk.desk.ports) as one contract, run on every backend: the in-memory stores
(souk.desk.memory), SQLite and a real PostgreSQL (souk.storage.repos.desk). Conversations and their timelines,
staff profiles, settings; two merchants use the same ids everywhere, so a missing tenant filter shows.
What only the SQL stores promise is in test_desk_store_sql.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from souk.desk.memory import MemoryConversations, MemoryDeskSettings, MemoryStaff
from souk.desk.ports import ConversationStore, DeskSettingsStore, StaffStore
from souk.domain.calls import CallOutcome
from souk.domain.desk.handoff import (
    HandoffPacket,
    HandoffReason,
    HandoffRule,
    HandoffSettings,
    PacketCustomer,
    PacketOrder,
    Signal,
    Speaker,
    TranscriptLine,
)
from souk.domain.desk.metrics import SlaPolicy, SlaTargets
from souk.domain.desk.routing import Skills
from souk.domain.desk.settings import CannedReply, DeskSettings, SupportHours
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import (
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
    Handoff,
    InternalNote,
    Resolution,
    ShopperMessage,
    Status,
    ToolCall,
    Transferred,
    open_conversation,
    replay,
)
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, merchant

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


def convo(mid: str = A, cid: str = "c1", *, shopper: str = "shopper-1", start: float = 0,
          channel: Channel = Channel.ASSISTANT_TEXT) -> Conversation:
    return open_conversation(mid, cid, channel, shopper, "es", at(start), customer_id="cu1")


def packet() -> HandoffPacket:
    return HandoffPacket(
        HandoffReason.EXPLICIT_REQUEST, "es", intent="return", summary="wants to return a jacket",
        transcript=(TranscriptLine(at(1), Speaker.SHOPPER, "hola"), TranscriptLine(at(2), Speaker.AI, "¡Hola!")),
        customer=PacketCustomer("cu1", "Ana", "ana@example.com", vip=True),
        orders=(PacketOrder("o1", "delivered", Decimal("129.90"), at(-86400)), PacketOrder("o2", "paid", Decimal(5))),
        products_mentioned=("JKT-1",), orders_mentioned=("o1",), extra=(("room", "r1"),))


def lifecycle() -> list[Event]:
    """Every kind of event, in an order the domain accepts."""
    return [
        ShopperMessage(at(1), "hola"),
        AiMessage(at(2), "¡Hola!", (ToolCall("lookup_order", True, "o1 -> delivered"),)),
        ShopperMessage(at(3), "quiero hablar con una persona"),
        Handoff(at(4), HandoffReason.EXPLICIT_REQUEST, "es", packet()),
        Assigned(at(10), "agent-a"),
        AgentMessage(at(12), "agent-a", "Hola Ana"),
        InternalNote(at(13), "agent-a", "VIP, be nice"),
        Transferred(at(14), to_agent="agent-b", reason="video skill"),
        CallStarted(at(15), "call-1"),
        CallEnded(at(75), "call-1", CallOutcome.COMPLETED, 60.5),
        Closed(at(80), Resolution.RESOLVED, by="agent-b"),
        Csat(at(90), 5, "¡genial! 👍"),
        InternalNote(at(95), "agent-b", "followed up"),
    ]


@dataclass(frozen=True)
class Desk:
    desk: ConversationStore
    desk_staff: StaffStore
    desk_settings: DeskSettingsStore


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage_backend(request: pytest.FixtureRequest) -> str:
    """Overrides tests/fixtures/postgres.py's for this module: the memory stores run the same contract."""
    return str(request.param)


@pytest.fixture
def sql_storage(storage_backend: str, request: pytest.FixtureRequest) -> Storage | None:
    """The migrated Storage of the SQL backends (an async fixture, so asked for here, outside the loop)."""
    return None if storage_backend == "memory" else request.getfixturevalue("storage")


@pytest.fixture
async def shops(sql_storage: Storage | None) -> Desk:
    if sql_storage is None:
        return Desk(MemoryConversations(), MemoryStaff(), MemoryDeskSettings())
    storage = sql_storage
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    return Desk(storage.desk, storage.desk_staff, storage.desk_settings)


# ------------------------------------------------------------------ conversations


async def test_create_get_and_a_taken_id(shops: Desk) -> None:
    c = convo()
    await shops.desk.create(c)
    assert await shops.desk.get(A, "c1") == c
    with pytest.raises(Conflict) as err:
        await shops.desk.create(dataclasses.replace(c, shopper_identity="someone-else"))
    assert err.value.code == "conversation_exists"
    assert (await shops.desk.get(A, "c1")).shopper_identity == "shopper-1"
    with pytest.raises(NotFound) as missing:
        await shops.desk.get(A, "nope")
    assert missing.value.code == "conversation_not_found"


async def test_append_the_whole_lifecycle_and_read_it_back(shops: Desk) -> None:
    start, events = convo(), lifecycle()
    await shops.desk.create(start)
    expected = replay(start, events).conversation
    state, last = await shops.desk.append(A, "c1", events[:4])
    assert (state.status, state.queue, last) == (Status.QUEUED, "es", 4)
    for i, e in enumerate(events[4:], start=5):  # one at a time too
        state, last = await shops.desk.append(A, "c1", [e])
        assert last == i
    assert state == expected == await shops.desk.get(A, "c1")
    assert (state.status, state.resolution, state.csat, state.events, state.closed_at) == (
        Status.CLOSED, Resolution.RESOLVED, 5, 13, at(80))
    stored = await shops.desk.events(A, "c1")
    assert stored == list(enumerate(events, start=1))  # every field decodes to what was appended
    assert await shops.desk.events(A, "c1", after=3, limit=2) == [(4, events[3]), (5, events[4])]
    assert await shops.desk.events(A, "c1", after=13) == []
    assert await shops.desk.append(A, "c1", []) == (expected, 13)  # nothing to add: nothing changes
    with pytest.raises(NotFound):
        await shops.desk.events(A, "nope")
    with pytest.raises(NotFound):
        await shops.desk.append(A, "nope", [ShopperMessage(at(1), "hi")])


@pytest.mark.parametrize(("bad", "error", "code"), [
    (AgentMessage(at(2), "agent-a", "hi"), Conflict, "not_assigned"),  # not assigned yet
    (ShopperMessage(at(-5), "late"), BadRequest, "event_out_of_order"),
    (ShopperMessage(at(2), "   "), BadRequest, "empty_text"),
    (ShopperMessage(at(2), "x" * 5000), TooLarge, "text_too_long"),
    (Csat(at(2), 5), Conflict, "csat_before_close"),
    (ShopperMessage(dt.datetime(2026, 12, 1, 10), "naive"), BadRequest, "naive_time"),
])
async def test_a_refused_event_writes_nothing_of_its_batch(shops: Desk, bad: Event, error: type[Exception],
                                                            code: str) -> None:
    await shops.desk.create(convo())
    first, _ = await shops.desk.append(A, "c1", [ShopperMessage(at(1), "hola")])
    with pytest.raises(error) as err:
        await shops.desk.append(A, "c1", [ShopperMessage(at(2), "fine"), AiMessage(at(2), "fine too"), bad])
    assert getattr(err.value, "code", None) == code
    assert await shops.desk.get(A, "c1") == first
    assert [seq for seq, _ in await shops.desk.events(A, "c1")] == [1]
    state, last = await shops.desk.append(A, "c1", [ShopperMessage(at(3), "again")])  # numbering goes on
    assert (last, state.events) == (2, 2)


async def test_only_the_assigned_agent_writes(shops: Desk) -> None:
    await shops.desk.create(convo())
    await shops.desk.append(A, "c1", [Handoff(at(1), HandoffReason.FRUSTRATION, "es"), Assigned(at(2), "agent-a")])
    with pytest.raises(Forbidden):
        await shops.desk.append(A, "c1", [AgentMessage(at(3), "agent-b", "mine now")])
    assert (await shops.desk.get(A, "c1")).events == 2


async def test_concurrent_appends_get_distinct_consecutive_numbers(shops: Desk) -> None:
    await shops.desk.create(convo())
    results = await asyncio.gather(*(shops.desk.append(A, "c1", [ShopperMessage(at(1), f"message {i}")])
                                     for i in range(20)))
    assert sorted(last for _, last in results) == list(range(1, 21))
    stored = await shops.desk.events(A, "c1")
    assert [seq for seq, _ in stored] == list(range(1, 21))
    texts = {e.text for _, e in stored if isinstance(e, ShopperMessage)}
    assert texts == {f"message {i}" for i in range(20)}
    assert (await shops.desk.get(A, "c1")).events == 20
    # each writer's returned seq is its own event's
    by_seq = dict(stored)
    for state, last in results:
        assert state.events == last and isinstance(by_seq[last], ShopperMessage)


async def test_concurrent_batches_stay_contiguous_and_state_follows_the_last(shops: Desk) -> None:
    await shops.desk.create(convo())
    results = await asyncio.gather(*(shops.desk.append(A, "c1", [ShopperMessage(at(1), f"{i}a"),
                                                                 AiMessage(at(1), f"{i}b")])
                                     for i in range(10)))
    stored = await shops.desk.events(A, "c1")
    assert [seq for seq, _ in stored] == list(range(1, 21))
    for _, last in results:  # a batch's two events are neighbours, in order
        first_text, second_text = stored[last - 2][1], stored[last - 1][1]
        assert isinstance(first_text, ShopperMessage) and isinstance(second_text, AiMessage)
        assert first_text.text[:-1] == second_text.text[:-1]


async def test_two_merchants_with_the_same_ids_never_meet(shops: Desk) -> None:
    await shops.desk.create(convo(A, "c1", shopper="ana"))
    await shops.desk.create(convo(B, "c1", shopper="bob"))
    await shops.desk.append(A, "c1", [ShopperMessage(at(1), "A's secret"), Handoff(at(2), HandoffReason.VIP, "es")])
    b = await shops.desk.get(B, "c1")
    assert (b.shopper_identity, b.events, b.status) == ("bob", 0, Status.AI)
    assert await shops.desk.events(B, "c1") == []
    state, last = await shops.desk.append(B, "c1", [ShopperMessage(at(1), "B's own")])
    assert last == 1 and state.merchant_id == B
    assert [e.text for _, e in await shops.desk.events(A, "c1") if isinstance(e, ShopperMessage)] == ["A's secret"]
    assert [c.merchant_id for c in await shops.desk.find(A)] == [A]
    assert await shops.desk.find(B, shopper="ana") == []
    assert await shops.desk.find(B, status=Status.QUEUED) == []
    assert [(t.conversation.merchant_id, len(t.events)) for t in await shops.desk.timelines(B, since=T0)] == [(B, 1)]
    assert [(c.merchant_id, c.id) for c in await shops.desk.unfinished()] == [(A, "c1")]


async def test_find_filters_and_orders_by_last_update(shops: Desk) -> None:
    for i, cid in enumerate(("c1", "c2", "c3", "c4")):
        await shops.desk.create(convo(cid=cid, shopper="ana" if i < 2 else "bob", start=i))
    await shops.desk.append(A, "c1", [Handoff(at(10), HandoffReason.FRUSTRATION, "es")])
    await shops.desk.append(A, "c2", [Handoff(at(11), HandoffReason.VIP, "es:vip"), Assigned(at(12), "agent-a")])
    await shops.desk.append(A, "c3", [Handoff(at(13), HandoffReason.VIP, "es"), Assigned(at(14), "agent-b")])
    await shops.desk.append(A, "c4", [ShopperMessage(at(9), "still with the AI")])
    assert [c.id for c in await shops.desk.find(A)] == ["c3", "c2", "c1", "c4"]
    assert [c.id for c in await shops.desk.find(A, limit=2)] == ["c3", "c2"]
    assert [c.id for c in await shops.desk.find(A, status=Status.ASSIGNED)] == ["c3", "c2"]
    assert [c.id for c in await shops.desk.find(A, status=Status.QUEUED)] == ["c1"]
    assert [c.id for c in await shops.desk.find(A, agent_id="agent-a")] == ["c2"]
    assert [c.id for c in await shops.desk.find(A, shopper="ana")] == ["c2", "c1"]
    assert [c.id for c in await shops.desk.find(A, shopper="bob", status=Status.AI)] == ["c4"]


async def test_unfinished_spans_merchants_and_holds_only_queued_or_assigned(shops: Desk) -> None:
    for mid in (A, B):
        for cid in ("ai", "queued", "assigned", "closed"):
            await shops.desk.create(convo(mid, cid))
        await shops.desk.append(mid, "queued", [Handoff(at(1), HandoffReason.VIP, "es")])
        await shops.desk.append(mid, "assigned", [Handoff(at(1), HandoffReason.VIP, "es"), Assigned(at(2), "x")])
        await shops.desk.append(mid, "closed", [Closed(at(3), Resolution.ABANDONED)])
    got = {(c.merchant_id, c.id, c.status) for c in await shops.desk.unfinished()}
    assert got == {(m, cid, Status(cid)) for m in (A, B) for cid in ("queued", "assigned")}


async def test_timelines_since_with_every_event_oldest_first(shops: Desk) -> None:
    for i in range(5):
        await shops.desk.create(convo(cid=f"c{i}", start=i * 100))
        await shops.desk.append(A, f"c{i}", [ShopperMessage(at(i * 100 + 1), f"q{i}"),
                                             AiMessage(at(i * 100 + 2), f"a{i}")])
    later = [ShopperMessage(at(500), "una persona"), Handoff(at(501), HandoffReason.EXPLICIT_REQUEST, "es", packet()),
             Assigned(at(502), "agent-a")]
    await shops.desk.append(A, "c4", later)  # later events of a recent conversation count too
    got = await shops.desk.timelines(A, since=at(200))
    assert [t.conversation.id for t in got] == ["c2", "c3", "c4"]
    assert [len(t.events) for t in got] == [2, 2, 5]
    assert got[0].events == (ShopperMessage(at(201), "q2"), AiMessage(at(202), "a2"))
    assert got[2].conversation == await shops.desk.get(A, "c4")
    assert got[2].events[2:] == tuple(later)
    assert [t.conversation.id for t in await shops.desk.timelines(A, since=at(200), limit=2)] == ["c2", "c3"]
    assert await shops.desk.timelines(A, since=at(1000)) == []


# ------------------------------------------------------------------ staff and settings


def profile(mid: str, aid: str, **kw: Any) -> StaffProfile:
    return StaffProfile(mid, aid, **kw)


async def test_staff_round_trip_per_merchant(shops: Desk) -> None:
    staff = shops.desk_staff
    assert await staff.agent(A, "ana") is None and await staff.agents(A) == []
    ana = profile(A, "ana", name="Ana", skills=Skills(frozenset({"es", "en"}), frozenset({"shoes"}), True, True),
                  capacity=4)
    await staff.put_agent(ana)
    await staff.put_agent(profile(A, "zed"))  # the defaults: no skills, capacity 3
    await staff.put_agent(profile(B, "ana", name="Other Ana"))
    assert await staff.agent(A, "ana") == ana
    assert await staff.agent(A, "zed") == StaffProfile(A, "zed")
    assert [p.id for p in await staff.agents(A)] == ["ana", "zed"]
    assert await staff.agents(B) == [profile(B, "ana", name="Other Ana")]
    changed = dataclasses.replace(ana, capacity=1, skills=Skills(frozenset({"fr"})))
    await staff.put_agent(changed)
    assert await staff.agent(A, "ana") == changed
    assert await staff.remove_agent(A, "ana") is True
    assert await staff.remove_agent(A, "ana") is False
    assert await staff.agent(A, "ana") is None
    assert (await staff.agent(B, "ana") or profile(B, "x")).name == "Other Ana"
    assert {(p.merchant_id, p.id) for p in await staff.all_agents()} == {(A, "zed"), (B, "ana")}


async def test_settings_default_until_saved_and_round_trip_exactly(shops: Desk) -> None:
    store = shops.desk_settings
    assert await store.desk_settings(A) == DeskSettings()
    assert await store.all_desk_settings() == {}
    custom = DeskSettings(
        handoff=HandoffSettings((HandoffRule(HandoffReason.FRUSTRATION, Signal.FRUSTRATION_COUNT, Decimal(2)),),
                                order_value_threshold=Decimal("499.99")),
        sla=SlaPolicy(SlaTargets(60.0, 3600.0), {"es:vip": SlaTargets(15.5, 600.0)}),
        hours=SupportHours.parse("22:00-06:00", "+08:00", [0, 1, 2, 3, 4]),
        max_wait_s=None,
        canned=(CannedReply("greet", "Greeting", {"es": "¡Hola! 😊", "en": "Hello!"}),),
        email_offer=False)
    await store.put_desk_settings(A, custom)
    assert await store.desk_settings(A) == custom
    assert await store.desk_settings(B) == DeskSettings()
    await store.put_desk_settings(B, DeskSettings(max_wait_s=30.0))
    await store.put_desk_settings(A, dataclasses.replace(custom, email_offer=True))  # replaced, not added
    assert await store.all_desk_settings() == {A: dataclasses.replace(custom, email_offer=True),
                                               B: DeskSettings(max_wait_s=30.0)}
