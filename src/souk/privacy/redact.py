"""PII redaction (issue 17 part 6): e-mails, card numbers (Luhn-checked), phone numbers and street addresses
in free text replaced by a placeholder. Pure: no I/O, no imports of ours, so any layer (the agent's providers
included) may call it.

Best effort, by pattern, tuned to the usual formats of the languages Souk serves (en, es, pt, fr, de, id, ar,
zh): it redacts what looks like PII and keeps order numbers, prices, dates and times. It is not a guarantee:
an address written without a street word or number, or a phone number written in words, passes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Pii(StrEnum):
    EMAIL = "email"
    CARD = "card"
    PHONE = "phone"
    ADDRESS = "address"


PLACEHOLDER = {Pii.EMAIL: "[email]", Pii.CARD: "[card]", Pii.PHONE: "[phone]", Pii.ADDRESS: "[address]"}

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}(?!\w)")
# 13-19 digits, in groups separated by single spaces or dashes (as people type them)
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
# optional +country, then digit groups with separators (space, dash, dot, parentheses): 8-15 digits in all
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[ .\-]?\(?\d{1,5}\)?){2,6}(?![\w])")
DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
TIME = re.compile(r"^\d{1,2}[:.]\d{2}$")

# street words per language, before or after the number
_STREET_BEFORE = (r"calle|c/|avenida|av\.?|avda\.?|paseo|carrera|rua|travessa|estrada|rodovia|rue|boulevard|"
                  r"bd\.?|chemin|jl\.?|jalan|gang|gg\.?|via|viale|piazza")
_STREET_AFTER = (r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|"
                 r"terrace|straße|strasse|str\.|weg|platz|allee|gasse")  # not way/place/court: everyday words
ADDRESS = re.compile(
    # "123 Main Street", "12B Baker St"
    rf"\b\d{{1,5}}[a-z]?\s+(?:[\w'.-]+\s+){{1,4}}(?:{_STREET_AFTER})(?!\w)"
    # "Calle Mayor 5", "Rua Augusta, 1500", "Jl. Sudirman No. 5", "rue de Rivoli 10", "Hauptstraße 12"
    rf"|(?:(?<!\w)(?:{_STREET_BEFORE})\s+(?:[\w'.-]+\s+){{0,4}}?[\w'.-]+,?\s+(?:no\.?\s*|n[º°]\s*|#\s*)?\d{{1,5}}[a-z]?\b)"
    rf"|(?:\b\d{{1,5}},?\s+(?:{_STREET_BEFORE})\s+(?:[\w'.-]+\s*){{1,4}})"
    rf"|(?:\b[\w-]+(?:straße|strasse|weg|platz|allee|gasse)\s+\d{{1,5}}[a-z]?\b)"
    # Arabic: شارع ... and a number; Chinese: ...路/街 + number + 号
    r"|(?:شارع\s+[^\d\n,.،]{1,40}?\s*\d{1,5})"
    r"|(?:[\u4e00-\u9fff]{1,12}(?:路|街|大道)\d{1,5}号)",
    re.IGNORECASE,
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    found: dict[Pii, int]

    @property
    def changed(self) -> bool:
        return bool(self.found)


def redact(text: str, kinds: Iterable[Pii] = tuple(Pii)) -> Redacted:
    """``text`` with each piece of PII of ``kinds`` replaced by its placeholder, and how many of each."""
    want = set(kinds)
    found: Counter[Pii] = Counter()

    def sub(kind: Pii, pattern: re.Pattern[str], keep: Callable[[str], bool]) -> None:
        nonlocal text

        def repl(m: re.Match[str]) -> str:
            if keep(m.group(0)):
                return m.group(0)
            found[kind] += 1
            return PLACEHOLDER[kind]

        text = pattern.sub(repl, text)

    if Pii.EMAIL in want:
        sub(Pii.EMAIL, EMAIL, lambda s: False)
    if Pii.CARD in want:  # before phones: a card number also looks like a long phone number
        sub(Pii.CARD, CARD, lambda s: not luhn_ok(_digits(s)))
    if Pii.ADDRESS in want:  # before phones: a house number is not a phone, but "12 Main St" must go whole
        sub(Pii.ADDRESS, ADDRESS, lambda s: False)
    if Pii.PHONE in want:
        sub(Pii.PHONE, PHONE, _not_a_phone)
    return Redacted(text, dict(found))


def _not_a_phone(s: str) -> bool:
    n = len(_digits(s))
    stripped = s.strip()
    if n < 8 or n > 15 or DATE.match(stripped) or TIME.match(stripped):
        return True
    # a bare run of digits without + is an order, tracking or account number more often than a phone,
    # unless it has a phone's usual length with a leading 0 (national) or separators
    return stripped.isdigit() and not (stripped.startswith("0") and 9 <= n <= 12)

