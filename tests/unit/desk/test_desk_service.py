"""The desk service over in-memory stores and a manual clock: hand-off, routing, replies, close, CSAT, restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden, NotFound
from souk.desk.feeds import Feed
from souk.desk.memory import MemoryConversations, MemoryDeskSettings, MemoryStaff
from souk.desk.service import DeskService
from souk.domain.calls import CallOutcome
from souk.domain.desk.handoff import HandoffPacket, HandoffReason
from souk.domain.desk.notice import NoticeKind
from souk.domain.desk.routing import Presence, Skills
from souk.domain.desk.settings import DeskSettings, SupportHours
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Channel, Resolution, Status, ToolCall
from souk.domain.desk.webhooks import EventType, WebhookEvent

M, B = "m1", "m2"


class Sink:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []

    async def enqueue(self, event: WebhookEvent) -> None:
        self.events.append(event)

    def kinds(self, merchant: str) -> list[str]:
        return [e.type.value for e in self.events if e.merchant_id == merchant]


@dataclass
class Desk:
    service: DeskService
    clock: ManualClock
    sink: Sink
    stores: tuple[MemoryConversations, MemoryStaff, MemoryDeskSettings]

    async def restart(self) -> DeskService:
        await self.service.aclose()
        self.service = DeskService(*self.stores, clock=self.clock, webhooks=self.sink, agent_grace_s=10)
        await self.service.start()
        return self.service


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    clock = ManualClock()
    stores = (MemoryConversations(), MemoryStaff(), MemoryDeskSettings())
    sink = Sink()
    service = DeskService(*stores, clock=clock, webhooks=sink, agent_grace_s=10)
    await service.start()
    d = Desk(service, clock, sink, stores)
    yield d
    await d.service.aclose()


def drain(feed: Feed) -> list[dict]:
    out = []
    while not feed._queue.empty():
        frame = feed._queue.get_nowait()
        if frame is not None:
            out.append(frame)
    return out


async def chat(desk: DeskService, cid: str, *, shopper: str = "s1", language: str = "es", merchant: str = M) -> None:
    await desk.ensure(merchant, cid, shopper=shopper, channel=Channel.ASSISTANT_TEXT, language=language)
    await desk.record_turn(merchant, cid, shopper=shopper, text="¿Dónde está mi pedido?",
                           reply_text="Tu pedido está en camino.", tools=(ToolCall("get_order", True, "o1"),))


async def hand_off(desk: DeskService, cid: str, *, shopper: str = "s1", merchant: str = M):
    packet = HandoffPacket(HandoffReason.EXPLICIT_REQUEST, "es", intent="order_status", summary="wants a person")
    return await desk.request_human(merchant, cid, shopper=shopper, reason=HandoffReason.EXPLICIT_REQUEST,
                                    packet=packet)


async def test_handoff_reaches_an_online_matching_agent_with_the_packet(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 2))
    staff = await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    await chat(s, "c1")
    shopper = s.shopper_feed(M, "c1")
    drain(staff)
    notice = await hand_off(s, "c1")
    assert notice.kind is NoticeKind.ASSIGNED and notice.agent_name == "Ana"
    frames = drain(staff)
    assigned = [f for f in frames if f["type"] == "assigned"]
    assert assigned and assigned[0]["conversation"]["id"] == "c1"
    assert assigned[0]["packet"]["summary"] == "wants a person"
    await s.agent_message(M, "c1", "ana", text="Hola, soy Ana")
    seen = [f for f in drain(shopper) if f["type"] == "desk"]
    assert any(f["event"]["kind"] == "agent_message" and f["event"]["agent_name"] == "Ana" for f in seen)
    await s.note(M, "c1", "ana", "VIP, be nice")
    assert not any(f["type"] == "desk" and f["event"]["kind"] == "internal_note" for f in drain(shopper))
    await s.close(M, "c1", "ana", Resolution.RESOLVED)
    assert {"type": "csat_request", "conversation_id": "c1"} in drain(shopper)
    await s.csat(M, "c1", shopper="s1", score=5, comment="¡Gracias!")
    conv, events = await s.conversation(M, "c1")
    assert conv.status is Status.CLOSED and conv.csat == 5
    assert [e.kind for _, e in events] == ["shopper_message", "ai_message", "handoff", "assigned", "agent_message",
                                            "internal_note", "closed", "csat"]
    assert desk.sink.kinds(M) == ["conversation.created", "assigned", "handoff", "message", "closed", "csat"]
    metrics = await s.metrics(M, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert metrics["csat"]["average"] == 5 and metrics["handoffs"] == 1


async def test_nobody_online_waits_then_an_agent_coming_online_gets_it(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 2))
    await chat(s, "c1")
    notice = await hand_off(s, "c1")
    assert notice.kind is NoticeKind.NOBODY_ONLINE and notice.email_offer
    again = await hand_off(s, "c1")  # asking again changes nothing
    assert again.kind is NoticeKind.NOBODY_ONLINE
    assert s.queues(M)["queues"] == [{"queue": "es", "waiting": 1, "oldest_wait_s": 0.0}]
    await s.leave_email(M, "c1", shopper="s1", email="shopper@example.com")
    await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    conv, _ = await s.conversation(M, "c1")
    assert conv.status is Status.ASSIGNED and conv.agent_id == "ana"


async def test_after_hours_says_when_people_answer(desk: Desk) -> None:
    s = desk.service
    now = dt.datetime.fromtimestamp(desk.clock.wall(), dt.UTC)
    start = (now + dt.timedelta(hours=2)).strftime("%H:%M")
    end = (now + dt.timedelta(hours=3)).strftime("%H:%M")
    hours = SupportHours.parse(f"{start}-{end}", "+00:00")
    await s.put_settings(M, DeskSettings(hours=hours))
    await chat(s, "c1")
    notice = await hand_off(s, "c1")
    assert notice.kind is NoticeKind.AFTER_HOURS
    assert notice.opens_at is not None and dt.timedelta(hours=1) < notice.opens_at - now <= dt.timedelta(hours=2)


async def test_queued_notice_gives_position_and_wait(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 1))
    await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    for i, shopper in enumerate(["s1", "s2", "s3"]):
        await chat(s, f"c{i}", shopper=shopper)
    assert (await hand_off(s, "c0", shopper="s1")).kind is NoticeKind.ASSIGNED
    second = await hand_off(s, "c1", shopper="s2")
    third = await hand_off(s, "c2", shopper="s3")
    assert second.kind is NoticeKind.QUEUED and second.position == 0 and second.wait_s and second.wait_s > 0
    assert third.position == 1 and third.wait_s > second.wait_s


async def test_disconnected_agent_conversations_are_requeued_after_grace(desk: Desk) -> None:
    s = desk.service
    for name in ("ana", "bea"):
        await s.put_agent(StaffProfile(M, name, name.title(), Skills(frozenset({"es"})), 1))
    feed = await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    await chat(s, "c1")
    await hand_off(s, "c1")
    await s.disconnect_agent(M, "ana", feed)
    await desk.clock.advance(5)
    assert (await s.conversation(M, "c1"))[0].agent_id == "ana"  # within the grace it keeps it
    await s.connect_agent(M, "bea")
    await s.set_presence(M, "bea", Presence.ONLINE)
    await desk.clock.advance(6)
    conv, events = await s.conversation(M, "c1")
    assert conv.agent_id == "bea" and events[-1][1].kind == "transferred"


async def test_restart_keeps_queue_and_assignments(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 1))
    await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    for i in range(3):
        await chat(s, f"c{i}", shopper=f"s{i}")
        await hand_off(s, f"c{i}", shopper=f"s{i}")
    s = await desk.restart()
    q = s.queues(M)
    assert q["queues"][0]["waiting"] == 2
    assert q["agents"][0]["presence"] == "away" and q["agents"][0]["holds"] == ["c0"]
    await s.connect_agent(M, "ana")  # back within the grace: keeps c0
    await s.set_presence(M, "ana", Presence.ONLINE)
    await desk.clock.advance(11)
    assert (await s.conversation(M, "c0"))[0].agent_id == "ana"
    await s.close(M, "c0", "ana", Resolution.RESOLVED)
    assert (await s.conversation(M, "c1"))[0].agent_id == "ana"  # FIFO: the next in line


async def test_other_shopper_and_other_merchant_see_nothing(desk: Desk) -> None:
    s = desk.service
    await chat(s, "c1")
    with pytest.raises(NotFound):
        await s.shopper_events(M, "c1", "intruder")
    with pytest.raises(NotFound):
        await s.request_human(M, "c1", shopper="intruder", reason=HandoffReason.EXPLICIT_REQUEST, packet=None)
    with pytest.raises(NotFound):
        await s.conversation(B, "c1")
    assert await s.inbox(B) == []
    await chat(s, "c1", merchant=B)  # the same id at another merchant is another conversation
    assert len(await s.inbox(M)) == 1 and len(await s.inbox(B)) == 1


async def test_only_the_assigned_agent_acts(desk: Desk) -> None:
    s = desk.service
    for name in ("ana", "bea"):
        await s.put_agent(StaffProfile(M, name, "", Skills(frozenset({"es"})), 1))
        await s.connect_agent(M, name)
    await s.set_presence(M, "ana", Presence.ONLINE)
    await chat(s, "c1")
    await hand_off(s, "c1")
    with pytest.raises(Forbidden):
        await s.agent_message(M, "c1", "bea", text="hi")
    with pytest.raises(Forbidden):
        await s.close(M, "c1", "bea", Resolution.RESOLVED)
    with pytest.raises(Conflict):
        await s.transfer(M, "c1", "ana", to_agent="bea")  # bea is not online
    await s.set_presence(M, "bea", Presence.ONLINE)
    conv = await s.transfer(M, "c1", "ana", to_agent="bea")
    assert conv.agent_id == "bea"
    conv = await s.hand_back(M, "c1", "bea")
    assert conv.status is Status.AI


async def test_video_offer_links_the_call_and_its_end_lands_on_the_timeline(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"}), video=True), 2))
    staff = await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    await chat(s, "c1")
    await hand_off(s, "c1")
    with pytest.raises(Conflict):
        await s.offer_video(M, "c1", "ana")  # the shopper is not connected
    shopper = s.shopper_feed(M, "c1")
    await s.offer_video(M, "c1", "ana")
    assert any(f["type"] == "call_offer" for f in drain(shopper))
    drain(staff)
    await s.link_call(M, "c1", "call1", "room1")
    assert any(f["type"] == "call" and f["call_id"] == "call1" for f in drain(staff))

    @dataclass
    class FakeCall:
        id: str
        outcome: CallOutcome | None
        duration_s: float

    s.call_changed(FakeCall("call1", CallOutcome.COMPLETED, 42.0))
    for _ in range(5):
        await asyncio.sleep(0)
    conv, events = await s.conversation(M, "c1")
    assert conv.active_call is None
    assert [e.kind for _, e in events][-2:] == ["call_started", "call_ended"]
    assert EventType.CALL_ENDED.value in desk.sink.kinds(M)


class Router:
    """One pin per merchant desk, like souk.cluster.nodes.RoomRouter over live nodes."""

    def __init__(self, pins: dict, node: str) -> None:
        self.pins, self.node = pins, node

    async def require_here(self, room) -> None:
        owner = self.pins.setdefault(room, self.node)
        if owner != self.node:
            raise Conflict(f"served by {owner}", code="room_elsewhere", details={"node": owner, "url": ""})


async def test_one_node_serves_a_merchant_desk_and_another_takes_over_from_storage() -> None:
    clock = ManualClock()
    stores = (MemoryConversations(), MemoryStaff(), MemoryDeskSettings())
    pins: dict = {}
    one = DeskService(*stores, clock=clock, agent_grace_s=10, router=Router(pins, "n1"))
    two = DeskService(*stores, clock=clock, agent_grace_s=10, router=Router(pins, "n2"))
    await one.start()
    await two.start()
    await one.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 1))
    await one.connect_agent(M, "ana")
    await one.set_presence(M, "ana", Presence.ONLINE)
    for i in range(2):
        await chat(one, f"c{i}", shopper=f"s{i}")
        await hand_off(one, f"c{i}", shopper=f"s{i}")
    with pytest.raises(Conflict) as refused:
        await two.connect_agent(M, "ana")
    assert refused.value.code == "room_elsewhere"
    await one.aclose()  # node one dies: its pins move to the node that asks next
    pins.clear()
    feed = await two.connect_agent(M, "ana")
    q = two.queues(M)
    assert q["queues"][0]["waiting"] == 1 and q["agents"][0]["holds"] == ["c0"]
    await two.set_presence(M, "ana", Presence.ONLINE)
    await two.close(M, "c0", "ana", Resolution.RESOLVED)
    assert (await two.conversation(M, "c1"))[0].agent_id == "ana"
    await two.disconnect_agent(M, "ana", feed)
    await two.aclose()


async def test_a_consult_call_rung_from_a_product_page_gets_a_conversation_with_what_was_said(desk: Desk) -> None:
    from souk.domain.desk.handoff import Speaker

    @dataclass
    class RingingCall:
        id: str
        merchant_id: str
        shopper: str
        language: str
        state: str = "ringing"
        conversation_id: str = ""
        outcome: CallOutcome | None = None
        duration_s: float = 0.0

    s = desk.service
    s.call_changed(RingingCall("call9", M, "s9", "pt"))
    for _ in range(10):
        await asyncio.sleep(0)
    assert s.conversation_of_call("call9") == (M, "conv_call9")
    await s.call_line(M, "call9", Speaker.SHOPPER, "Olá, o tamanho M serve?")
    await s.call_line(M, "call9", Speaker.AI, "Sim, o M serve.")
    await s.call_line(B, "call9", Speaker.AI, "another merchant writes nothing here")
    s.call_changed(RingingCall("call9", M, "s9", "pt", state="ended", outcome=CallOutcome.COMPLETED, duration_s=9.5))
    for _ in range(10):
        await asyncio.sleep(0)
    conv, events = await s.conversation(M, "conv_call9")
    assert conv.channel is Channel.CONSULT and conv.language == "pt" and conv.shopper_identity == "s9"
    assert [e.kind for _, e in events] == ["call_started", "shopper_message", "ai_message", "call_ended"]
    assert events[-1][1].duration_s == 9.5


async def test_a_call_left_open_by_a_restart_does_not_block_closing(desk: Desk) -> None:
    s = desk.service
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"}), video=True), 2))
    await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)
    await chat(s, "c1")
    await hand_off(s, "c1")
    await s.link_call(M, "c1", "call1", "room1")
    s = await desk.restart()  # the call's end was never heard
    await s.connect_agent(M, "ana")
    conv = await s.close(M, "c1", "ana", Resolution.RESOLVED)
    _, events = await s.conversation(M, "c1")
    assert conv.status is Status.CLOSED
    assert [e.kind for _, e in events][-2:] == ["call_ended", "closed"]
    assert events[-2][1].outcome is CallOutcome.INTERRUPTED


async def test_a_node_that_finds_its_desk_taken_over_drops_its_copy_and_stops_acting() -> None:
    clock = ManualClock()
    stores = (MemoryConversations(), MemoryStaff(), MemoryDeskSettings())
    pins: dict = {}
    one = DeskService(*stores, clock=clock, agent_grace_s=10, router=Router(pins, "n1"), tick_s=1)
    await one.start()
    try:
        await one.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 1))
        staff = await one.connect_agent(M, "ana")
        await one.set_presence(M, "ana", Presence.ONLINE)
        await chat(one, "c1")
        await hand_off(one, "c1")
        await chat(one, "c2", shopper="s2")
        await hand_off(one, "c2", shopper="s2")  # waits: Ana is full
        for room in list(pins):
            pins[room] = "n2"  # node two took the desk over while node one was cut off
        await one.disconnect_agent(M, "ana", staff)  # ... and the grace timer would requeue Ana's conversation
        for _ in range(12):
            await clock.advance(1)
            await asyncio.sleep(0.01)
        assert staff.closed
        assert one.queues(M) == {"queues": [], "agents": []}  # nothing of M is held or routed here any more
        events = await stores[0].events(M, "c1")
        assert events[-1][1].kind == "assigned"  # node one wrote nothing after losing the desk
        with pytest.raises(Conflict):
            await one.claim(M, "c2", "ana")
    finally:
        await one.aclose()
