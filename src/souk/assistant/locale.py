"""Localized dates, numbers and money for the reply languages (no external locale data needed)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"],
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
           "نوفمبر", "ديسمبر"],
}


def fmt_date(day: dt.date, lang: str) -> str:
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    months = _MONTHS.get(lang, _MONTHS["en"])
    name = months[day.month - 1]
    if lang == "en":
        return f"{name} {day.day}, {day.year}"
    if lang in ("es", "pt"):
        return f"{day.day} de {name} de {day.year}"
    return f"{day.day} {name} {day.year}"  # id, ar


def fmt_range(a: dt.date, b: dt.date, lang: str) -> str:
    sep = {"en": " to ", "es": " al ", "pt": " a ", "id": " sampai ", "zh": "至", "ar": " إلى "}.get(lang, " - ")
    return f"{fmt_date(a, lang)}{sep}{fmt_date(b, lang)}"


def fmt_number(value: Decimal | float, lang: str, *, decimals: int = 2) -> str:
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{q:,.{decimals}f}"
    if decimals and text.endswith("." + "0" * decimals) and decimals == 2 and q == q.to_integral():
        text = text[: -(decimals + 1)]  # 49.00 -> 49
    if lang in ("es", "pt", "id"):
        text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return text


def fmt_money(value: Decimal | float, currency: str, lang: str) -> str:
    amount = fmt_number(value, lang)
    if currency == "USD":
        return {
            "en": f"${amount}", "es": f"{amount} USD", "pt": f"US$ {amount}", "id": f"US${amount}",
            "zh": f"{amount}美元", "ar": f"{amount} دولار أمريكي",
        }.get(lang, f"{amount} USD")
    return f"{amount} {currency}"


def fmt_days(lo: int, hi: int, lang: str) -> str:
    if lo == hi:
        return {
            "en": f"{lo} business day" + ("s" if lo != 1 else ""), "es": f"{lo} día" + ("s hábiles" if lo != 1 else " hábil"),
            "pt": f"{lo} dia" + ("s úteis" if lo != 1 else " útil"), "id": f"{lo} hari kerja", "zh": f"{lo}个工作日",
            "ar": f"{lo} يوم عمل" if lo == 1 else f"{lo} أيام عمل",
        }.get(lang, f"{lo} days")
    return {
        "en": f"{lo}-{hi} business days", "es": f"de {lo} a {hi} días hábiles", "pt": f"de {lo} a {hi} dias úteis",
        "id": f"{lo}-{hi} hari kerja", "zh": f"{lo}-{hi}个工作日", "ar": f"من {lo} إلى {hi} أيام عمل",
    }.get(lang, f"{lo}-{hi} days")


def join_list(items: list[str], lang: str) -> str:
    if not items:
        return ""
    if lang == "zh":
        return "、".join(items)
    if len(items) == 1:
        return items[0]
    conj = {"en": " and ", "es": " y ", "pt": " e ", "id": " dan ", "ar": " و"}.get(lang, ", ")
    sep = "، " if lang == "ar" else ", "
    return sep.join(items[:-1]) + conj + items[-1]
