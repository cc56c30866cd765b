"""Pure helpers: language detection, slot extraction, localized formatting, replay files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from souk.assistant.lang import detect_language
from souk.assistant.locale import fmt_date, fmt_money
from souk.assistant.replay import read_cases
from souk.assistant.slots import extract
from souk.core.errors import BadRequest


@pytest.mark.parametrize(("text", "lang"), [
    ("Where is my order?", "en"), ("¿Dónde está mi pedido?", "es"), ("Onde está o meu pedido?", "pt"),
    ("Pesanan saya sudah sampai mana?", "id"), ("我的订单到哪里了", "zh"), ("أين طلبي", "ar"),
    ("Halo kak", "id"), ("Não chegou ainda", "pt"),
])
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_short_turns_keep_the_conversation_language() -> None:
    assert detect_language("1014", prior="es") == "es"
    assert detect_language("ok", prior="id") == "id"
    assert detect_language("Brasil", prior="pt") == "pt"
    assert detect_language("", prior=None, hint="ar") == "ar"


def test_extract_slots() -> None:
    s = extract("Order #1036, email Jessica.Miller@Example.com, shipping express to São Paulo")
    assert s.order_ids == ("1036",) and s.emails == ("jessica.miller@example.com",)
    assert s.countries == ("BR",) and s.method == "express"
    assert extract("أين طلبي رقم ١٠٠٢؟").order_ids == ("1002",)
    assert extract("我的订单1029到哪里了").order_ids == ("1029",)
    assert extract("寄到德国要多久").countries == ("DE",)
    assert extract("الشحن إلى السعودية").countries == ("SA",)
    assert extract("headphones under $50").max_price == Decimal(50)
    assert extract("headphones under $50").order_ids == ()
    assert extract("10000 mm waterproof, iPhone 15").order_ids == ()


def test_localized_dates_and_money() -> None:
    day = dt.date(2026, 12, 10)
    assert [fmt_date(day, lang) for lang in ("en", "es", "pt", "id", "zh", "ar")] == [
        "December 10, 2026", "10 de diciembre de 2026", "10 de dezembro de 2026", "10 Desember 2026",
        "2026年12月10日", "10 ديسمبر 2026"]
    assert fmt_money(Decimal("1234.5"), "USD", "en") == "$1,234.50"
    assert fmt_money(Decimal("1234.5"), "USD", "es") == "1.234,50 USD"
    assert fmt_money(Decimal(49), "USD", "zh") == "49美元"


def test_read_cases_rejects_bad_lines(tmp_path: Path) -> None:
    good = tmp_path / "ok.jsonl"
    good.write_text(json.dumps({"id": "a", "customer": None, "turns": ["hi"]}) + "\n\n", encoding="utf-8")
    assert read_cases(good)[0].turns == ("hi",)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "turns": "hi"}\n', encoding="utf-8")
    with pytest.raises(BadRequest, match="bad.jsonl:1"):
        read_cases(bad)
    with pytest.raises(BadRequest):
        read_cases(tmp_path / "missing.jsonl")
