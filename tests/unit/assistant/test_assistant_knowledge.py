"""The assistant answers policy questions from the merchant's own snapshot: structured fields phrased by the
templates, free-text fields and FAQ entries quoted (in the shopper's language when the store translated them),
on the demo store and on a store unlike it. No demo-store fact leaks into another store's replies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from souk.assistant import policy_text
from souk.assistant.catalog import video_eligible
from souk.assistant.faq import FaqIndex
from souk.assistant.offline import OfflineBrain
from souk.assistant.service import CachedStore
from souk.assistant.slots import extract
from souk.assistant.store import StaticStore
from souk.core.errors import NotFound
from souk.domain.policy import support_hours
from souk.domain.store import StoreSnapshot, parse_store
from tests.unit.domain.store_samples import small_store

UTC = dt.UTC


def _store() -> dict[str, Any]:
    data = small_store()  # "tienda": MXN, es+en, 14-day window, 10 % fee, mexico: store pays, mon-wed 09-18 -06:00
    data["faq"] += [
        {"topic": "repair_service", "answer": "Reparamos tazas despostilladas en nuestro taller por 80 MXN.",
         "answers": {"en": "We repair chipped mugs in our workshop for MXN 80."}},
        {"topic": "video_consult", "answer": "Ofrecemos videollamadas para ver los rebozos antes de comprar."},
    ]
    data["policies"]["price_match"] = "No igualamos precios."
    data["products"] += [  # a few more, so that one word names one product
        {"sku": f"SOL-{i}", "category": "ceramics", "price_mxn": price, "names": {"es": es, "en": en}, "stock": 3}
        for i, (es, en, price) in enumerate([("Plato hondo", "Deep plate", 300), ("Jarrón", "Vase", 700),
                                              ("Cazuela", "Clay pot", 520)], start=3)]
    return data


@pytest.fixture(scope="module")
def tienda() -> StoreSnapshot:
    return parse_store(_store())


@pytest.fixture(scope="module")
def tienda_brain(brain: OfflineBrain, tienda: StoreSnapshot) -> OfflineBrain:
    return OfflineBrain(StaticStore(tienda), merchant_id=tienda.merchant.id, embedder=brain._embedder,
                        router=lambda: brain.router)


def _ask(brain: OfflineBrain, snap: StoreSnapshot, text: str, customer: str | None = None) -> Any:
    return brain.new_session(customer_id=customer).reply_sync(text, snap)


def test_returns_window_fee_and_label_come_from_the_store(tienda_brain: OfflineBrain, tienda: StoreSnapshot) -> None:
    reply = _ask(tienda_brain, tienda, "How many days do I have to send something back?").text
    assert "14 days" in reply and "30" not in reply
    assert "10%" in reply  # restocking fee, every category
    assert "“textiles”" in reply and "once used" in reply  # the non-returnable rule, worded by the template
    signed_in = _ask(tienda_brain, tienda, "How do I return something?", customer="c-1").text
    assert "free for Mexico" in signed_in  # the shopper's region gets the free label
    used = _ask(tienda_brain, tienda, "I used the shawl a lot, can I return it?").text
    assert "cannot be returned" in used and "hygiene" in used


def test_warranty_hours_and_duties_come_from_the_store(tienda_brain: OfflineBrain, tienda: StoreSnapshot) -> None:
    assert "6-month warranty" in _ask(tienda_brain, tienda, "What is the warranty on the mug?").text
    none = _ask(tienda_brain, tienda, "Does the shawl have a warranty?").text
    assert "states no warranty" in none and "14 days" in none
    hours = _ask(tienda_brain, tienda, "What are your support hours?").text
    assert "09:00-18:00" in hours and "UTC-06:00" in hours and "Monday" in hours and "Thursday" not in hours
    duties = _ask(tienda_brain, tienda, "Do I pay import duties in the USA?").text
    assert "on delivery (DDU)" in duties and "$800" in duties and "of any other value" in duties
    assert "no duties" in _ask(tienda_brain, tienda, "Do I pay import duties in Mexico?").text


def test_faq_quoted_in_the_shoppers_language_or_with_a_note(tienda_brain: OfflineBrain,
                                                             tienda: StoreSnapshot) -> None:
    assert _ask(tienda_brain, tienda, "Do you gift wrap?").text == "Free gift wrap."
    assert _ask(tienda_brain, tienda, "¿Envuelven para regalo?").text == "Envolvemos gratis."
    repair = _ask(tienda_brain, tienda, "Can you repair a chipped mug?")
    assert "We repair chipped mugs" in repair.text and "80 MXN" in repair.text  # the amount in the reader's way
    assert any(c.name == "faq" and c.result and c.result["topic"] == "repair_service" for c in repair.tool_calls)
    # only Spanish: quoted with a note that says so, in the shopper's language
    pm = _ask(tienda_brain, tienda, "Do you price match?").text
    assert "No igualamos precios." in pm and "Spanish" in pm


def test_a_demo_faq_without_a_translation_is_quoted_with_a_note(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    reply = _ask(brain, snap, "Estou entre M e G na jaqueta, qual escolho?").text
    assert "inglês" in reply and "pick the larger" in reply  # the store's words, said to be in English
    assert "XXL" in reply  # and the jacket's sizes from the catalog


def test_no_demo_store_fact_in_another_stores_replies(tienda_brain: OfflineBrain, tienda: StoreSnapshot) -> None:
    questions = ["what's your return policy?", "how do I track my order?", "my parcel is lost",
                 "is my parcel stuck at customs?", "can I book a video call?", "any discount codes?",
                 "warranty?", "which size should I pick?", "do you ship to Japan?", "where is my order?"]
    replies = " ".join(_ask(tienda_brain, tienda, q).text for q in questions)
    for fact in ("30 days", "48 hours", "24 hours", "10 days", "jewelry", "beauty", "North America", "1036",
                 "4-digit", "08:00", "USD"):
        assert fact not in replies


def test_video_eligibility_from_data(tienda: StoreSnapshot) -> None:
    mug, shawl = tienda.product("SOL-1"), tienda.product("SOL-2")
    assert mug is not None and shawl is not None
    offer = "Ofrecemos videollamadas para ver los rebozos antes de comprar."
    assert video_eligible(shawl, tienda.products, "") is True  # above the catalog's median price
    assert video_eligible(mug, tienda.products, "") is False
    assert video_eligible(mug, tienda.products, "video calls for mugs and shawls") is True  # the FAQ names it
    assert video_eligible(shawl, tienda.products, offer) is True  # "rebozos": its Spanish name
    mug.attributes["video_consult"] = False
    try:
        assert video_eligible(mug, tienda.products, "video calls for mugs") is False  # the product's own say
    finally:
        del mug.attributes["video_consult"]


def test_hours_text_on_a_fixed_clock(tienda: StoreSnapshot) -> None:
    hours = support_hours(tienda)
    assert hours is not None
    monday = policy_text.hours_text(hours, dt.datetime(2026, 12, 7, 16, 0, tzinfo=UTC), "en")
    assert "right now" in monday and "Monday to Wednesday" in monday
    thursday = policy_text.hours_text(hours, dt.datetime(2026, 12, 10, 16, 0, tzinfo=UTC), "es")
    assert "vuelve el lunes a las 09:00" in thursday


def test_money_in_the_stores_words_is_written_the_readers_way() -> None:
    assert policy_text.localize_money("It costs USD 4 per order.", "USD", "en") == "It costs $4 per order."
    assert policy_text.localize_money("Cuesta 3,50 EUR.", "EUR", "pt") == "Cuesta 3,50 EUR."
    assert policy_text.localize_money("USD4", "USD", "zh") == "4美元"


def test_faq_index_finds_entries_by_topic_and_meaning(brain: OfflineBrain, tienda: StoreSnapshot) -> None:
    index = FaqIndex(tienda.faq, brain._embedder)
    gift = index.for_intent("gift_wrap")
    assert gift is not None and gift.topic == "gift_wrap"
    hit = index.best("do you fix broken cups?", threshold=0.8)
    assert hit is not None and hit.entry.topic == "repair_service"
    assert index.for_intent("size_guide") is None  # the store has no sizing entry: nothing invented
    assert FaqIndex((), brain._embedder).search("anything") == []


async def test_cached_store_falls_back_to_the_demo_store_only_in_demo_mode() -> None:
    with pytest.raises(NotFound):
        await CachedStore(None).snapshot("lumen")
    snap = await CachedStore(None, demo=True).snapshot("lumen")
    assert snap.merchant.id == "lumen"
    with pytest.raises(NotFound):
        await CachedStore(None, demo=True).snapshot("acme")


def test_fee_amount_for_a_named_product(tienda_brain: OfflineBrain, tienda: StoreSnapshot) -> None:
    reply = _ask(tienda_brain, tienda, "Can I return the mug if I don't like it?").text
    assert "45.05 MXN (10%)" in reply


@pytest.mark.parametrize(("text", "not_ids", "ids"), [
    ("Is NL-20406 going to arrive today?", (), ("NL-20406",)), ("order #sa-7781 please", (), ("SA-7781",)),
    ("where is 1036?", (), ("1036",)), ("Is AB-1234 in stock?", ("AB-1234",), ()),
    ("a fee on the Solar 20000 Power Bank?", ("20000",), ()), ("SKU NL-GIFT-50", (), ()),
])
def test_order_ids_of_any_store_shape(text: str, not_ids: tuple[str, ...], ids: tuple[str, ...]) -> None:
    assert extract(text, frozenset(not_ids)).order_ids == ids
