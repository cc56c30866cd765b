"""Actions on orders through the offline brain, on the demo store in a real database (SQLite and PostgreSQL):
the reply before a yes says what will happen, only a yes in the very next turn acts (a no or another question
drops the offer, a second yes does nothing), other customers' orders, shipped orders and passed windows are
refused with the reason and the offer of a person, and every write is audited and announced once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.assistant.actions import OrderActions
from souk.assistant.offline import OfflineBrain, OfflineSession
from souk.assistant.service import AssistantService, CachedStore
from souk.core.clock import ManualClock
from souk.core.errors import BadRequest
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.models import OrderStatus
from souk.domain.order_actions import ActionKind
from souk.storage import Storage
from souk.storage.seed import seed_demo

MID = "lumen"
DAY = 86400.0


@pytest.fixture
def storage_clock() -> ManualClock:
    """The demo store's "today" (its as_of), so its orders' windows are as the store file describes them."""
    return ManualClock(wall_start=dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC).timestamp())


class Sink:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []

    async def enqueue(self, event: WebhookEvent) -> None:
        self.events.append(event)


@pytest.fixture
async def shop(storage: Storage) -> Storage:
    await seed_demo(storage)
    return storage


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def actions(shop: Storage, sink: Sink, storage_clock: ManualClock) -> OrderActions:
    return OrderActions(shop, sink, storage_clock)


@pytest.fixture
def acting(brain: OfflineBrain, shop: Storage, actions: OrderActions) -> OfflineBrain:
    """The demo store's brain over the database, able to act (the shared warmed router and embedder)."""
    acting = OfflineBrain(shop, merchant_id=MID, embedder=brain._embedder, router=lambda: brain.router,
                          actions=actions)
    acting._index = brain._index  # the same catalog: reuse the warmed product index
    return acting


async def talk(session: OfflineSession, *turns: str) -> list[str]:
    return [(await session.reply(t)).text for t in turns]


async def test_cancel_says_what_happens_and_acts_on_the_next_yes_once(acting: OfflineBrain, shop: Storage,
                                                                      sink: Sink) -> None:
    s = acting.new_session(customer_id="C-517")
    s.conversation_id = "conv-1"
    offer = await s.reply("Please cancel order 1001")
    assert "1001" in offer.text and "$26.80" in offer.text and "original payment method" in offer.text
    assert offer.handoff is None and [c.name for c in offer.tool_calls][-1] == "quote_cancel_order"
    assert (await shop.orders.get(MID, "1001")).status is OrderStatus.PROCESSING  # nothing before the yes
    done = await s.reply("yes")
    assert done.text.startswith("Done") and done.handoff is None
    [call] = [c for c in done.tool_calls if c.name == "cancel_order"]
    assert call.result["status"] == "done" and call.result["restocked"] is True
    assert (await shop.orders.get(MID, "1001")).status is OrderStatus.CANCELLED
    again = await s.reply("yes")  # a second yes: no second effect
    assert not any(c.name == "cancel_order" for c in again.tool_calls)
    [row] = await shop.order_actions.of_order(MID, "1001")
    assert (row.actor, row.conversation_id, row.channel, row.status) == ("C-517", "conv-1", "text", "done")
    assert [(e.type, e.data["order_id"]) for e in sink.events] == [(EventType.ORDER_CANCELLED, "1001")]
    # the brain sees the change: the order is cancelled now
    assert "already cancelled" in (await s.reply("cancel order 1001")).text


async def test_no_or_another_question_drops_the_offer(acting: OfflineBrain, shop: Storage, sink: Sink) -> None:
    s = acting.new_session(customer_id="C-512")
    await talk(s, "I want to cancel order 1012")
    assert (await s.reply("no")).text == "OK, I haven't changed anything."
    await talk(s, "yes")
    await talk(s, "I want to cancel order 1012", "How long does shipping to Germany take?", "yes")
    assert (await shop.orders.get(MID, "1012")).status is OrderStatus.PROCESSING
    assert await shop.order_actions.of_order(MID, "1012") == [] and sink.events == []


async def test_refusals_say_why_and_a_yes_then_hands_to_a_person(acting: OfflineBrain, shop: Storage) -> None:
    other = acting.new_session(customer_id="C-511")
    refused = await other.reply("cancel order 1001")  # C-517's order
    assert "can't find order 1001 on your account" in refused.text and "person" in refused.text
    person = await other.reply("yes")
    assert person.handoff == "human"
    shipped = await acting.new_session(customer_id="C-511").reply("please cancel order 1002")
    assert "already shipped and is with the carrier" in shipped.text
    assert (await shop.orders.get(MID, "1001")).status is OrderStatus.PROCESSING
    assert await shop.order_actions.of_order(MID, "1002") == []


async def test_return_window_passed(acting: OfflineBrain, shop: Storage, storage_clock: ManualClock) -> None:
    await storage_clock.advance(3 * DAY)  # 2026-11-24: order 1040 (delivered October 23) is past 30 days
    text = (await acting.new_session(customer_id="C-501").reply("I want to return order 1040")).text
    assert "October 23, 2026" in text and "30-day" in text and "November 22, 2026" in text
    assert await shop.order_actions.returns_of(MID, "1040") == []


async def test_return_opens_an_rma_with_a_label_where_the_store_pays(acting: OfflineBrain, shop: Storage,
                                                                     sink: Sink) -> None:
    s = acting.new_session(customer_id="C-509")
    offer, done = await talk(s, "I want to return order 1006", "yes")
    assert "$187" in offer and "prepaid return label" in offer and "5 days" in offer
    [rma] = await shop.order_actions.returns_of(MID, "1006")
    assert rma.id in done and rma.label_ref and rma.label_ref in done and rma.refund_amount == Decimal("187.00")
    assert [e.type for e in sink.events] == [EventType.RETURN_CREATED]
    assert "already" in (await s.reply("I want to return order 1006")).text  # the snapshot has the RMA


async def test_exchange_for_a_size_of_the_same_product(acting: OfflineBrain, shop: Storage, sink: Sink) -> None:
    s = acting.new_session(customer_id="C-520")
    offer = await s.reply("I'd like to exchange the dress from order 1019 for size L")
    assert "per product" in offer.text and "L" in offer.text
    await s.reply("yes")
    [rma] = await shop.order_actions.returns_of(MID, "1019")
    assert rma.kind == "exchange" and rma.lines[0]["to"] == "L"
    nope = await s.reply("I'd like to exchange it for size XXXL")
    assert "XXXL" in nope.text and "XS" in nope.text  # the sizes the product comes in
    assert [e.type for e in sink.events] == [EventType.EXCHANGE_REQUESTED]


async def test_address_change_asks_for_the_address_then_confirms(acting: OfflineBrain, shop: Storage) -> None:
    s = acting.new_session(customer_id="C-508")
    ask = await s.reply("the delivery address on order 1034 is wrong")
    assert "new delivery address" in ask.text and "Germany" in ask.text
    offer = await s.reply("Hauptstrasse 5, 10115 Berlin")
    assert "Hauptstrasse 5, 10115 Berlin" in offer.text and "1034" in offer.text
    await s.reply("yes")
    snap = await shop.snapshot(MID)
    assert snap.order("1034").shipping_address == {"text": "Hauptstrasse 5, 10115 Berlin", "country": "DE"}  # type: ignore[union-attr]
    moved = await s.reply("change the address of order 1034 to 5 Orchard Road, Singapore 238801")
    assert "only change the address within that country" in moved.text


async def test_resend_tracking_only_when_shipped(acting: OfflineBrain, shop: Storage, sink: Sink) -> None:
    s = acting.new_session(customer_id="C-511")
    offer, done = await talk(s, "I never got the tracking email for order 1002, send it again", "yes")
    assert "AX1733124982" in offer and "AX1733124982" in done
    early = await s.reply("send me the tracking link for order 1023 again")
    assert "hasn't shipped yet" in early.text
    assert [e.type for e in sink.events] == [EventType.TRACKING_RESENT]


async def test_a_visitor_acts_after_proving_the_order_by_e_mail(acting: OfflineBrain, shop: Storage) -> None:
    s = acting.new_session()
    ask, offer, done = await talk(s, "cancel order 1023", "abdullah.alharbi@example.com", "yes")
    assert "e-mail" in ask and "1023" in offer and done.startswith("Done")
    [row] = await shop.order_actions.of_order(MID, "1023")
    assert row.actor == "email-verified:C-511"


async def test_spanish_and_chinese_confirmations(acting: OfflineBrain, shop: Storage) -> None:
    es = await talk(acting.new_session(customer_id="C-512"), "Quiero cancelar mi pedido 1012", "sí")
    assert "método de pago original" in es[0] and es[1].startswith("Listo")
    zh = await talk(acting.new_session(customer_id="C-509"), "我要退货,订单1007", "好的")
    assert "退货" in zh[0] and zh[1].startswith("已完成")


async def test_the_service_reads_the_change_at_once(brain: OfflineBrain, shop: Storage, actions: OrderActions) -> None:
    """AssistantService caches a merchant's snapshot for a few seconds: an action drops it."""
    service = AssistantService(CachedStore(shop, ttl_s=3600), embedder=brain._embedder, actions=actions)
    service._router = brain.router
    conv = await service.open(MID, "shopper-1", "C-517")
    await service.reply(conv, "cancel order 1001")
    await service.reply(conv, "yes")
    [row] = await shop.order_actions.of_order(MID, "1001")
    assert row.conversation_id == conv.id
    assert "already cancelled" in (await service.reply(conv, "cancel order 1001")).text
    await service.aclose()


async def test_without_storage_a_person_makes_the_change(brain: OfflineBrain) -> None:
    s = brain.new_session(customer_id="C-517")  # no OrderActions: the read-only behaviour
    reply = await s.reply("Please cancel order 1001")
    assert reply.handoff == "human" and not any(c.name.startswith("quote_") for c in reply.tool_calls)


async def test_the_service_quotes_fresh_data_and_executes_once_per_key(actions: OrderActions, sink: Sink) -> None:
    quote = await actions.quote(MID, ActionKind.CANCEL, "1001", customer_id="C-517")
    assert quote.allowed and quote.refund_amount == Decimal("26.80")
    first = await actions.execute(MID, quote, customer_id="C-517", actor="C-517", channel="text", idempotency_key="k")
    again = await actions.execute(MID, quote, customer_id="C-517", actor="C-517", channel="text", idempotency_key="k")
    assert first.done and again.replayed and again.id == first.id
    refused = await actions.quote(MID, ActionKind.CANCEL, "1001", customer_id="C-517")
    assert refused.refusal == "already_cancelled"
    with pytest.raises(BadRequest):
        await actions.execute(MID, refused, customer_id="C-517", actor="C-517", channel="text", idempotency_key="k2")
    assert [e.id for e in sink.events] == [f"evt_{first.id}"]  # announced once
    assert (await actions.quote(MID, ActionKind.CANCEL, "1001", customer_id="C-511")).refusal == "not_your_order"


async def test_with_an_llm_brain_actions_still_quote_confirm_and_act_once(acting: OfflineBrain, shop: Storage,
                                                                          sink: Sink) -> None:
    """The model never writes: an action's words and the yes to its offer go through the offline brain's
    quote-and-confirm flow; other turns still reach the model."""
    from souk.agent.llm import RetryPolicy
    from souk.agent.llm.openai import OpenAIChatLLM
    from souk.assistant.llm_brain import LLMBrain
    from tests.unit.agent.llm.fake_openai import fake_openai, text_answer

    async with fake_openai() as fake:
        fake.script += [text_answer("Anything else I can do?"), text_answer("We ship worldwide.")]
        llm = OpenAIChatLLM(base_url=fake.url, model="fake", retry=RetryPolicy(attempts=1), timeout_s=5.0)
        lb = LLMBrain(llm, acting)
        s = lb.new_session(customer_id="C-517")
        offer = await s.reply("Please cancel order 1001")
        assert fake.requests == [] and "1001" in offer.text and "original payment method" in offer.text
        assert (await shop.orders.get(MID, "1001")).status is OrderStatus.PROCESSING
        done = await s.reply("yes")
        again = await s.reply("yes")  # no offer is open any more: nothing happens twice
        other = await s.reply("Do you ship to Canada?")
        await lb.aclose()
    assert done.text.startswith("Done") and done.metadata["brain"] == "offline"
    assert (await shop.orders.get(MID, "1001")).status is OrderStatus.CANCELLED
    assert [e.type for e in sink.events].count(EventType.ORDER_CANCELLED) == 1
    assert again.text == "Anything else I can do?"  # no offer open any more: a plain turn for the model
    assert other.text == "We ship worldwide." and len(fake.requests) == 2
