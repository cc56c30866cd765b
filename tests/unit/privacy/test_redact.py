"""PII redaction (souk.privacy.redact): e-mails, Luhn-valid card numbers, phone numbers and street addresses in
the usual formats of the languages Souk serves are replaced; order numbers, tracking numbers, prices, dates,
times and sizes are kept."""

from __future__ import annotations

import pytest

from souk.privacy.redact import Pii, luhn_ok, redact

REDACTED = [
    ("Mi correo es ana.perez+shop@example.com.mx, gracias", "Mi correo es [email], gracias", Pii.EMAIL),
    ("meu e-mail: joao_silva@uol.com.br", "meu e-mail: [email]", Pii.EMAIL),
    ("card 4111 1111 1111 1111 exp 12/27", "card [card] exp 12/27", Pii.CARD),
    ("tarjeta 5500-0000-0000-0004", "tarjeta [card]", Pii.CARD),
    ("amex 378282246310005", "amex [card]", Pii.CARD),
    ("call me at +1 (415) 555-0132", "call me at [phone]", Pii.PHONE),                # en-US
    ("whatsapp +52 55 1234 5678", "whatsapp [phone]", Pii.PHONE),                      # es-MX
    ("mi móvil es 612 34 56 78", "mi móvil es [phone]", Pii.PHONE),                    # es-ES
    ("(11) 91234-5678", "[phone]", Pii.PHONE),                                          # pt-BR
    ("hubungi 0812-3456-7890", "hubungi [phone]", Pii.PHONE),                           # id
    ("اتصل 0551234567", "اتصل [phone]", Pii.PHONE),                                     # ar-SA
    ("电话 138 0013 8000", "电话 [phone]", Pii.PHONE),                                   # zh
    ("appelez le 06 12 34 56 78", "appelez le [phone]", Pii.PHONE),                     # fr
    ("Tel. 030 1234567", "Tel. [phone]", Pii.PHONE),                                    # de
    ("ship to 123 Main Street, Springfield", "ship to [address], Springfield", Pii.ADDRESS),
    ("envíalo a Calle Mayor 5, Madrid", "envíalo a [address], Madrid", Pii.ADDRESS),
    ("Rua Augusta, 1500 - São Paulo", "[address] - São Paulo", Pii.ADDRESS),
    ("Jl. Sudirman No. 5 Jakarta", "[address] Jakarta", Pii.ADDRESS),
    ("10 rue de Rivoli, Paris", "[address], Paris", Pii.ADDRESS),
    ("Hauptstraße 12, Berlin", "[address], Berlin", Pii.ADDRESS),
    ("العنوان شارع الملك فهد 25 الرياض", "العنوان [address] الرياض", Pii.ADDRESS),
    ("上海市南京东路100号", "[address]", Pii.ADDRESS),
]

KEPT = [
    "order 1036 shipped 2026-12-07 at 14:30, total 1,234.56",
    "tracking 1Z999AA10123456784",
    "my order #100045 is late",
    "pedido 100045123 del 07/12/2026",
    "Size 42 in blue, 3 units, 2 on the way",
    "buy 3 and get 1 free, 25% off until 12.31",
    "tarjeta 4111-1111-1111-1112",  # fails Luhn: not a card
    "the SKU is AP-1001",
    "phone 555 0132",  # 7 digits: too short to tell from a quantity or a code
]


@pytest.mark.parametrize("text,want,kind", REDACTED)
def test_pii_is_redacted(text: str, want: str, kind: Pii) -> None:
    r = redact(text)
    assert r.text == want and r.found == {kind: 1}


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_commerce_text_is_kept(text: str) -> None:
    r = redact(text)
    assert r.text == text and not r.changed


def test_several_kinds_in_one_message_and_only_the_kinds_asked() -> None:
    text = "I'm ana@example.com, +44 20 7946 0958, card 4111111111111111, 221B Baker Street"
    r = redact(text)
    assert r.text == "I'm [email], [phone], card [card], [address]"
    assert r.found == {Pii.EMAIL: 1, Pii.PHONE: 1, Pii.CARD: 1, Pii.ADDRESS: 1}
    only = redact(text, kinds=[Pii.EMAIL])
    assert only.text.startswith("I'm [email], +44 20 7946 0958") and only.found == {Pii.EMAIL: 1}


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713") and not luhn_ok("4111111111111112")
