"""Slot extraction from one user turn: order ids, e-mails, countries/cities, prices, shipping method."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from souk.assistant.places import CITIES, COUNTRIES

MAX_SLOT_TEXT = 4000  # characters of a turn that slot extraction looks at

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)
_EMAIL = re.compile(r"[A-Za-z0-9À-ÿ._%+'-]+@[A-Za-z0-9À-ÿ-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Order ids: 4-7 digits ("1036") or a short letter prefix, a hyphen and digits ("NL-20417", "SA-7781").
_ORDER_ID = re.compile(r"(?<![A-Za-z0-9.$€£/-])#?((?:[A-Za-z]{1,4}-)?\d{4,7}|[A-Za-z]{1,4}-\d{3})"
                       r"(?![A-Za-z]|[.,]\d|\d|-\w|\s*(?:usd|dólares|dolares|dollars|\$|mm|kg|km|ml|mah|g\b))",
                       re.IGNORECASE)
_PRICE = re.compile(
    r"(?:under|below|less than|cheaper than|max(?:imum)?|up to|menos de|por debajo de|hasta|até|abaixo de|"
    r"di bawah|kurang dari|maksimal|低于|不超过|以下|少于|أقل من|تحت|بأقل من)\s*(?:usd|us\$|\$|rp)?\s*"
    r"(\d+(?:[.,]\d+)?)\s*(?:usd|dollars|dólares|dolares|dólares|美元|块|دولار)?",
    re.IGNORECASE,
)
_PRICE_SUFFIX = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:美元|块)?\s*(?:以下|以内)")
_EXPRESS = re.compile(r"express|expr[eé]s|expresso|ekspres|kilat|快递|加急|特快|急件|السريع|سريع|fast shipping|"
                      r"priority", re.IGNORECASE)
_STANDARD = re.compile(r"standard|estándar|estandar|padrão|padrao|reguler|biasa|标准|普通|العادي|قياسي",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Slots:
    order_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    max_price: Decimal | None = None
    method: str | None = None  # "express" | "standard"
    numbers: tuple[str, ...] = field(default=())


def normalize(text: str) -> str:
    return text.translate(_DIGITS)


def _latin_hit(low: str, name: str) -> bool:
    if not name.isascii() and not any(c.isalpha() and c.isascii() for c in name):
        return name in low  # CJK / Arabic: substring
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", low) is not None


# Upper-case abbreviations that are ordinary words in lower case ("send it to us"): matched case-sensitively,
# and not in a shouted turn where every word is in capitals.
_CASED_CODES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![A-Za-z.])(?:US|USA|U\.S\.(?:A\.?)?|U\.S|EE\.?\s?UU\.?|EUA)(?![A-Za-z])"), "US"),
    (re.compile(r"\b(?:to|in|into|from|for|inside) the us\b(?![\w'])", re.IGNORECASE), "US"),  # "ship to the us"
)
# Adjectives of nationality ("indonesian customs", "a brazilian address"); "American Express" is a card.
_DEMONYMS: dict[str, str] = {
    r"american(?! express)": "US", r"canadian": "CA", r"mexican": "MX", r"brazilian": "BR", r"chilean": "CL",
    r"colombian": "CO", r"peruvian": "PE", r"argentinian": "AR", r"german": "DE", r"british": "GB",
    r"emirati": "AE", r"qatari": "QA", r"kuwaiti": "KW", r"egyptian": "EG", r"indonesian": "ID",
    r"singaporean": "SG", r"malaysian": "MY", r"filipino": "PH", r"vietnamese": "VN", r"french": "FR",
    r"spanish": "ES", r"italian": "IT", r"dutch": "NL", r"swedish": "SE", r"thai": "TH", r"chinese": "CN",
    r"japanese": "JP", r"korean": "KR", r"australian": "AU", r"turkish": "TR", r"portuguese": "PT",
}
_DEMONYM = re.compile(r"\b(" + "|".join(_DEMONYMS) + r")s?\b", re.IGNORECASE)


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and c.isascii()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


# One-word Latin country names long enough to tell a typo ("brazill", "germnay") from another word.
_FUZZY_NAMES: dict[str, str] = {n: code for code, names in COUNTRIES.items() for n in names
                                if n.isascii() and n.isalpha() and len(n) >= 6}
_FUZZY_WORD = re.compile(r"[a-z]{6,}")


def _fuzzy_countries(low: str) -> list[tuple[int, str]]:
    hits = []
    for m in _FUZZY_WORD.finditer(low):
        word = m.group(0)
        close = difflib.get_close_matches(word, _FUZZY_NAMES, n=1, cutoff=0.84)
        # "american" (express) is a name plus a suffix, not a typo of it
        suffix = word[len(close[0]):] if close and word.startswith(close[0]) else None
        if close and suffix not in ("n", "an", "ian", "s", "ese", "ish", "i") and not _DEMONYM.fullmatch(word):
            hits.append((m.start(), _FUZZY_NAMES[close[0]]))
    return hits


def find_countries(text: str) -> tuple[str, ...]:
    low = text.lower()
    found: list[tuple[int, str]] = []
    if not _shouted(text):
        for pattern, code in _CASED_CODES:
            m = pattern.search(text)
            if m:
                found.append((m.start(), code))
    for table in (COUNTRIES, CITIES):
        for code, names in table.items():
            for name in names:
                if _latin_hit(low, name):
                    pos = low.find(name)
                    found.append((pos, code))
                    break
    if not found:
        for m in _DEMONYM.finditer(text):
            word = m.group(1).lower()
            code = next(c for rx, c in _DEMONYMS.items() if re.fullmatch(rx, word))
            found.append((m.start(), code))
    if not found:
        found.extend(_fuzzy_countries(low))
    # Arabic prefixes (ب / ل / في): "بالسعودية", "للسعودية"
    if not found:
        for code, names in COUNTRIES.items():
            for name in names:
                if name.startswith("ال") and name[2:] and name[2:] in text:
                    found.append((text.find(name[2:]), code))
                    break
    seen: list[str] = []
    for _, code in sorted(found):
        if code not in seen:
            seen.append(code)
    return tuple(seen)


def extract(text: str, not_ids: Collection[str] = ()) -> Slots:
    """The slots of one turn. ``not_ids``: upper-case tokens that are no order id in this store (its SKUs and
    the numbers in its product names: a SKU "AB-1234", the "20000" of a "Solar 20000 Power Bank")."""
    text = normalize(text[:MAX_SLOT_TEXT])
    emails = tuple(dict.fromkeys(m.group(0).strip(".").lower() for m in _EMAIL.finditer(text)))
    scrubbed = _EMAIL.sub(" ", text)
    order_ids = tuple(dict.fromkeys(oid for m in _ORDER_ID.finditer(scrubbed)
                                    if (oid := m.group(1).upper()) not in not_ids))
    max_price: Decimal | None = None
    m = _PRICE.search(scrubbed) or _PRICE_SUFFIX.search(scrubbed)
    if m:
        try:
            max_price = Decimal(m.group(1).replace(",", "."))
        except InvalidOperation:
            max_price = None
    if max_price is not None:
        order_ids = tuple(o for o in order_ids if not o.isdigit() or Decimal(o) != max_price)
    method = "express" if _EXPRESS.search(scrubbed) else ("standard" if _STANDARD.search(scrubbed) else None)
    return Slots(order_ids=order_ids, emails=emails, countries=find_countries(scrubbed), max_price=max_price,
                 method=method, numbers=tuple(re.findall(r"\d+", scrubbed)[:20]))
