"""The classes of gaps that fresh shopper questions exposed: country abbreviations, product aspects,
duty words next to "pay", attribute follow-ups. Each test names the class, not one sentence."""

from __future__ import annotations

import pytest
from assistant_scoring import script_language

from souk.assistant import aspects
from souk.assistant.offline import OfflineBrain
from souk.assistant.slots import find_countries
from souk.domain.store import StoreSnapshot


@pytest.mark.parametrize(("text", "codes"), [
    ("Do I pay customs duties in the US?", ("US",)), ("shipping to the USA", ("US",)),
    ("ship to the U.S. please", ("US",)), ("¿envío a EE. UU.?", ("US",)), ("Vou pagar taxa nos EUA?", ("US",)),
    ("Do you ship to the us?", ("US",)), ("will indonesian customs charge me?", ("ID",)),
    ("can you send it to us", ()), ("Can you help us with a return", ()), ("do you take American Express", ()),
    ("WHERE IS MY ORDER YOU SENT TO US", ()),  # shouting: "US" is the pronoun
    ("do i pay dutys in brazill", ("BR",)), ("shipping to germnay?", ("DE",)),  # one typo away
    ("the shipping label was wrong", ()), ("I want to cancel my payment", ()),  # ordinary words stay words
])
def test_country_abbreviations_and_adjectives(text: str, codes: tuple[str, ...]) -> None:
    assert find_countries(text) == codes


@pytest.mark.parametrize(("text", "aspect"), [
    ("How heavy is the ultralight tent?", "weight"), ("¿cuánto pesa la silla?", "weight"),
    ("Tenda ultralight beratnya berapa kg?", "weight"), ("帐篷有多重?", "weight"), ("كم وزن الخيمة؟", "weight"),
    ("how long does the battery last", "battery"), ("Is the camera waterproof?", "water"),
    ("what is it made of", "material"), ("how many people fit in the tent", "capacity"),
    ("充电器多少瓦?", "power"), ("what SPF does it have", "spf"), ("能保温多久?", "temperature"),
])
def test_aspect_words_in_every_language(text: str, aspect: str) -> None:
    assert aspect in [a.name for a in aspects.asked(text)]


def test_answer_keys_pick_the_attributes_that_answer() -> None:
    tent = {"capacity": 2, "weight_kg": 1.6, "waterproof_mm": 3000}
    assert aspects.answer_keys(aspects.asked("how heavy is it?"), tent) == ["weight_kg"]
    assert aspects.answer_keys(aspects.asked("is it waterproof?"), tent) == ["waterproof_mm"]
    assert aspects.answer_keys(aspects.asked("what's the battery life?"), tent) == []
    assert aspects.asked("where is my order?") == ()


def _ask(brain: OfflineBrain, snap: StoreSnapshot, *turns: str, customer: str | None = None) -> list[str]:
    session = brain.new_session(customer_id=customer)
    return [session.reply_sync(t, snap).text for t in turns]


def test_attribute_question_answers_from_the_product(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    tent = snap.product("OD-6001")
    assert tent is not None
    (reply,) = _ask(brain, snap, "How heavy is the ultralight tent?")
    assert "1.6 kg" in reply and reply.startswith("For the 2-Person Ultralight Tent")
    # a product without a listed weight answers with its packed weight instead of "not understood"
    (reply,) = _ask(brain, snap, "how much does the office chair weigh?")
    assert "9.5 kg" in reply
    # follow-up about "it" keeps the product; a question with a country slot stays a shipping question
    replies = _ask(brain, snap, "Tell me about the tent", "how heavy is it?", "how long is shipping to Canada?")
    assert "1.6 kg" in replies[1] and "7" in replies[2] and "12" in replies[2] and "1.6 kg" not in replies[2]


def test_duty_words_beat_pay_and_ship(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    (reply,) = _ask(brain, snap, "Apakah saya harus bayar bea masuk di Indonesia?")
    assert "3" in reply and "OVO" not in reply
    (reply,) = _ask(brain, snap, "Do I pay customs duties in the US?")
    assert "800" in reply
    (reply,) = _ask(brain, snap, "Can I pay with PayPal in Indonesia?")
    assert "PayPal" in reply  # a payment question stays one


def test_cancel_without_a_number_asks_and_keeps_the_request(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    session = brain.new_session(customer_id="C-508")
    first = session.reply_sync("Can I cancel my order?", snap)
    assert first.handoff is None and "order number" in first.text
    second = session.reply_sync("1034", snap)
    assert second.handoff == "human" and "1034" in second.text


def test_unknown_payment_brand_is_not_listed_as_accepted(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    (reply,) = _ask(brain, snap, "Do you accept GCash in the Philippines?")
    assert "GCash" in reply and "not" in reply.lower()


@pytest.mark.parametrize(("lang", "question"), [
    ("zh", "{zh}多少钱?"), ("ar", "كم سعر {ar}؟"), ("id", "Berapa harga {id}?"), ("es", "¿Cuánto cuesta {es}?"),
    ("pt", "Quanto custa o {en}?"),
])
def test_every_product_answer_reads_as_the_shoppers_language(brain: OfflineBrain, snap: StoreSnapshot, lang: str,
                                                            question: str) -> None:
    """Product replies quote English descriptions and attribute values: the reply must still be judged to be in
    the shopper's language (the eval's script/stop-word rule), for every product of the catalog."""
    wrong = {}
    for p in snap.products:
        names = {k: p.names.get(k) or p.names["en"] for k in ("en", "es", "zh", "ar", "id")}
        reply = brain.new_session().reply_sync(question.format(**names), snap)
        if script_language(reply.text) != lang:
            wrong[p.sku] = reply.text[:120]
    assert not wrong, wrong


@pytest.mark.parametrize(("lang", "question"), [
    ("zh", "你们支持哪些付款方式?"), ("ar", "ما طرق الدفع المتاحة؟"), ("id", "Metode pembayaran apa saja?"),
    ("es", "¿Qué formas de pago aceptan?"), ("pt", "Quais as formas de pagamento?"),
])
def test_payment_lists_read_as_the_shoppers_language(brain: OfflineBrain, snap: StoreSnapshot, lang: str,
                                                     question: str) -> None:
    reply = brain.new_session().reply_sync(question, snap)
    assert script_language(reply.text) == lang and "PayPal" in reply.text
