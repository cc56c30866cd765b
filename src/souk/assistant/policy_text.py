"""Phrase the store's policies from tool results: duty rules, return rules, warranty, support hours and quotes
of the store's own words (FAQ answers, free-text policy fields). Wording from the templates, facts from data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from souk.assistant.locale import fmt_money, join_list
from souk.assistant.messages import say
from souk.assistant.messages_policy import WEEKDAY_NAMES, language_name
from souk.assistant.places import country_name
from souk.domain.policy import WEEKDAYS, SupportHours

_CJK_OR_AR = frozenset({"zh"})


def _sp(lang: str) -> str:
    return "" if lang in _CJK_OR_AR else " "


def localize_money(text: str, currency: str, lang: str) -> str:
    """"USD 4" / "4 USD" in the store's words, written the reader's way ("$4" in English)."""
    def sub(m: re.Match[str]) -> str:
        raw = (m.group(1) or m.group(2)).replace(",", ".")
        try:
            return fmt_money(Decimal(raw), currency, lang)
        except ArithmeticError:
            return m.group(0)
    cur = re.escape(currency)
    return re.sub(rf"\b{cur}\s?(\d+(?:[.,]\d+)?)\b|\b(\d+(?:[.,]\d+)?)\s?{cur}\b", sub, text)


def quote(answer: str, answer_lang: str, lang: str, currency: str) -> str:
    """The store's own words; with a short note in ``lang`` when they are in another language."""
    text = localize_money(answer.strip(), currency, lang)
    if answer_lang == lang:
        return text
    return say("faq_note", lang, language=language_name(answer_lang, lang)) + " " + text


def faq_quote(result: dict[str, Any], lang: str, currency: str) -> str:
    """A ``faq`` tool result as reply text ("" when the store has no such entry)."""
    if not result.get("found") or not result.get("answer"):
        return ""
    return quote(str(result["answer"]), str(result.get("language") or lang), lang, currency)


def policy_quote(text: str, primary: str, lang: str, currency: str) -> str:
    """A free-text policy field (written in the store's primary language)."""
    return quote(text, primary, lang, currency) if text.strip() else ""


# --- duties ----------------------------------------------------------------------------------------------
def _amount(value: Any, lang: str, store_currency: str) -> str:
    if isinstance(value, dict):
        return fmt_money(Decimal(str(value.get("amount"))), str(value.get("currency") or store_currency), lang)
    return fmt_money(Decimal(str(value)), store_currency, lang)


def pct_text(value: Any, lang: str) -> str:
    """A percentage as the store wrote it (8.1, not 8.10), with the reader's decimal mark."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",") if lang in ("es", "pt", "id") else text


def duty_sentence(rule: dict[str, Any], country: str, lang: str, currency: str, *, after_bounded: bool) -> str:
    paid = str(rule.get("paid") or "")
    if paid not in ("none", "included", "at_checkout", "on_delivery"):
        return ""
    cond = ""
    if rule.get("up_to") is not None:
        cond = say("duty_up_to", lang, amount=_amount(rule["up_to"], lang, currency))
    elif rule.get("over") is not None:
        cond = say("duty_over", lang, amount=_amount(rule["over"], lang, currency))
    elif after_bounded:
        cond = say("duty_other", lang)
    extra = ""
    rates = rule.get("rates_pct") or {}
    parts = [say(f"duty_rate_{k}", lang, pct=pct_text(rates[k], lang)) for k in ("duty", "vat") if rates.get(k) is not None]
    if parts:
        extra += say("duty_rates", lang, rates=", ".join(parts))
    if rule.get("fee") is not None:
        extra += say("duty_fee", lang, fee=_amount(rule["fee"], lang, currency))
    return say(f"duty_{paid}", lang, country=country, cond=cond, extra=extra)


def _split_at_one_amount(rules: list[dict[str, Any]]) -> bool:
    """"Up to X" and "over X" together cover every order value."""
    def key(bound: Any) -> tuple[str, str] | None:
        return (str(bound.get("amount")), str(bound.get("currency"))) if isinstance(bound, dict) else None
    ups = {key(r["up_to"]) for r in rules if r.get("up_to") is not None}
    overs = {key(r["over"]) for r in rules if r.get("over") is not None}
    return bool(ups & overs)


def duties_text(info: dict[str, Any], lang: str, primary: str) -> str:
    """Every duty rule of the destination, in order; the zone's own words when it has no structured rule."""
    code = info["country"]
    country = country_name(code, lang)
    currency = info.get("currency") or ""
    rules: list[dict[str, Any]] = info.get("rules") or []
    sentences: list[str] = []
    bounded = False
    for rule in rules:
        sentence = duty_sentence(rule, country, lang, currency, after_bounded=bounded)
        if sentence:
            sentences.append(sentence)
        bounded = bounded or rule.get("up_to") is not None or rule.get("over") is not None
        if rule.get("up_to") is None and rule.get("over") is None:
            break  # an unbounded rule covers every remaining order
    else:
        if sentences and bounded and not _split_at_one_amount(rules):
            sentences.append(say("duty_gap", lang).strip())
    if sentences:
        return _sp(lang).join(sentences)
    if info.get("duties"):
        return say("duty_text", lang, country=country, text=policy_quote(info["duties"], primary, lang, currency))
    return say("faq_unknown", lang)


# --- returns ---------------------------------------------------------------------------------------------
def _what(rule: dict[str, Any], lang: str, names: dict[str, str]) -> str:
    if rule.get("category"):
        return say("nr_category", lang, category=str(rule["category"]).replace("_", " "))
    return say("nr_products", lang, names=join_list([names.get(s, s) for s in rule.get("skus") or []], lang))


def rule_parts(rule: dict[str, Any], lang: str) -> dict[str, str]:
    when = say(f"when_{rule['when']}", lang) if rule.get("when") else ""
    reason = say(f"reason_{rule['reason']}" if rule.get("reason") else "reason_none", lang)
    unless = say(f"unless_{rule['unless']}", lang) if rule.get("unless") else ""
    return {"when": when, "reason": reason, "unless": unless}


_OR = {"en": " or ", "es": " o ", "pt": " ou ", "id": " atau ", "zh": "或", "ar": " أو "}


def _cases(cases: list[str], lang: str) -> str:
    return _OR.get(lang, " / ").join(say(f"case_{c}", lang) for c in cases)


def shipping_sentence(info: dict[str, Any], lang: str, served: dict[str, list[str]]) -> str:
    """Who pays return shipping: for the shopper's country when known, else a summary by region."""
    except_ = say("ship_except", lang, cases=_cases(info["store_pays_when"], lang)) if info["store_pays_when"] else ""
    if info.get("region"):
        country = country_name(info["country"], lang)
        if info.get("free_label"):
            return say("label_free", lang, country=country)
        if info.get("return_shipping_paid_by") == "store":
            return say("ship_store", lang, country=country)
        return say("ship_customer", lang, country=country, **{"except": except_})
    free = [c for region in info["free_label_regions"] for c in served.get(region, [])]
    if free:
        names = join_list([country_name(c, lang) for c in free], lang)
        return say("ship_summary", lang, countries=names, **{"except": except_})
    return say("ship_summary_customer", lang, **{"except": except_})


def returns_text(info: dict[str, Any], lang: str, *, names: dict[str, str], served: dict[str, list[str]],
                 currency: str) -> str:
    rules = "".join(say("nr_rule", lang, what=_what(r, lang, names), **rule_parts(r, lang))
                    for r in info["non_returnable"])
    fee = ""
    pct = Decimal(info["restocking_fee_pct"])
    if pct > 0:
        cats = info.get("restocking_fee_categories")
        cats_text = say("fee_cats", lang, cats=join_list([c.replace("_", " ") for c in cats], lang)) if cats else ""
        fee = say("fee_all", lang, pct=pct_text(pct, lang), cats=cats_text)
    return say("returns", lang, days=info["window_days"], rules=rules, fee=fee,
               shipping=shipping_sentence(info, lang, served), refund_days=info["refund_days_after_receipt"],
               exchange_days=info["exchange_window_days"])


# --- warranty --------------------------------------------------------------------------------------------
def warranty_general(info: dict[str, Any], lang: str) -> str:
    parts = [say("warranty_cat", lang, category=c.replace("_", " "), months=m)
             for c, m in sorted(info["by_category"].items()) if m is not None]
    if info.get("product_months"):
        lo, hi = info["product_months"]
        parts.append(say("warranty_own", lang, lo=lo, hi=hi) if lo != hi else say("warranty_own_one", lang, months=lo))
    default = info.get("default_months")
    parts.append(say("warranty_default", lang, months=default) if default is not None
                 else say("warranty_default_none", lang))
    sep = {"zh": ";", "ar": "؛ "}.get(lang, "; ")
    return say("warranty_general", lang, parts=sep.join(parts))


# --- support hours ---------------------------------------------------------------------------------------
def _days_text(days: frozenset[str], names: tuple[str, ...], lang: str) -> str:
    """Working days: one run of three or more ("Monday to Friday", "Saturday to Thursday"), else a list."""
    on = [d in days for d in WEEKDAYS]
    starts = [i for i in range(7) if on[i] and not on[i - 1]]
    if len(starts) == 1 and sum(on) >= 3:
        first = starts[0]
        last = (first + sum(on) - 1) % 7
        return say("days_range", lang, first=names[first], last=names[last])
    return join_list([names[i] for i, d in enumerate(WEEKDAYS) if d in days], lang)


def hours_text(hours: SupportHours, now_utc: dt.datetime, lang: str) -> str:
    names = WEEKDAY_NAMES.get(lang, WEEKDAY_NAMES["en"])
    if len(hours.days) == 7:
        days = say("hours_daily", lang)
    else:
        days = _days_text(hours.days, names, lang)
    if hours.open_at(now_utc):
        now = say("hours_open_now", lang)
    else:
        nxt = hours.next_open(now_utc).replace(tzinfo=None) + hours.utc_offset
        now = say("hours_next", lang, day=names[nxt.weekday()], time=nxt.strftime("%H:%M"), offset=hours.offset_text)
    end = "24:00" if hours.end == dt.time(0) else hours.end.strftime("%H:%M")
    return say("hours", lang, start=hours.start.strftime("%H:%M"), end=end, offset=hours.offset_text, days=days,
               now=now)
