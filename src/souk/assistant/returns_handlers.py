"""The returns intent: the store's return rules phrased for the shopper (window, non-returnable items, fee,
return shipping for their region, refund and exchange windows), for a named product in the case described
(opened, used, seal broken, defective, wrong item), and for one of their orders its own deadlines."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from souk.assistant import policy_text, render
from souk.assistant.handlers import order_status
from souk.assistant.locale import fmt_money
from souk.assistant.messages import say
from souk.assistant.turn import Outcome, Turn


def _sp(t: Turn) -> str:
    return "" if t.lang == "zh" else " "


def _primary(t: Turn) -> str:
    return t.snap.merchant.languages[0] if t.snap.merchant.languages else "en"


_OPENED = re.compile(r"open(ed)?|unseal|swatch|abr[ií]|abierto|aberto|abri|dibuka|buka|开封|拆|打开|مفتوح|فتحت|فتحه",
                     re.IGNORECASE)
_USED = re.compile(r"\bused\b|\btried\b|\bworn\b|\bwore\b|usad|us[eé]|usei|prob[eé]|experimentei|dipakai|"
                   r"pakai|dicoba|用过|试用|穿过|استخدمت|جربت|لبست", re.IGNORECASE)
_SEAL = re.compile(r"\bseal|precinto|sello|lacre|selo|segel|封条|封口|الختم|ختم", re.IGNORECASE)
_DEFECT = re.compile(r"defect|faulty|broken|doesn'?t work|not working|defectuos|roto|no funciona|defeito|quebrad|"
                     r"n[ãa]o funciona|rusak|cacat|tidak berfungsi|坏了|故障|质量问题|معيب|تالف|لا يعمل", re.IGNORECASE)
_WRONG = re.compile(r"wrong (item|product|size sent)|not what i ordered|equivocad|errad|salah kirim|barang salah|"
                    r"发错|منتج خاطئ|غير ما طلبت", re.IGNORECASE)
_EXCHANGE = re.compile(r"exchange|swap|troca|trocar|cambi|tukar|penukaran|换|استبدال|تبديل", re.IGNORECASE)


def _served(t: Turn) -> dict[str, list[str]]:
    return {z.region: list(z.countries) for z in t.snap.shipping}


def returns(t: Turn) -> Outcome:
    """Return rules; for one of the shopper's orders (named now, or the one just shown) its own windows first."""
    st = t.state
    oid = t.slots.order_ids[0] if t.slots.order_ids else None
    prefix = ""
    if oid is not None:
        first = order_status(t)
        if st.last_order_id != oid:
            return first  # not theirs, not found, or the e-mail is needed first
        prefix = first.text + _sp(t)
    elif st.last_order_id and st.last_intent in ("order_status", "returns", "order_change"):
        oid = st.last_order_id
    if oid is not None:
        line = _order_return_line(t, oid)
        prefix += line + _sp(t) if line else ""
    rest = _returns_text(t)
    return Outcome(prefix + rest.text, rest.handoff, rest.reason)


def _order_return_line(t: Turn, oid: str) -> str:
    result = t.rec("return_policy", order_id=oid)
    info = result.get("order") or {}
    if not info.get("found"):
        return ""
    days = t.snap.policies.returns.window_days
    if _EXCHANGE.search(t.text):
        if info["exchange_allowed"]:
            return say("exchange_order_open", t.lang, oid=oid, date=render.date_text(info["exchange_deadline"], t.lang))
        if info["exchange_refusal"] == "window_passed":
            return say("exchange_order_passed", t.lang, oid=oid,
                       date=render.date_text(info["exchange_deadline"], t.lang))
    window = info.get("window")
    if window is None and info.get("deadline"):
        text = say("return_order_open", t.lang, oid=oid, date=render.date_text(info["deadline"], t.lang),
                   left=info["days_left"])
        pct = policy_text.pct_text(result["restocking_fee_pct"], t.lang)
        for fee in info.get("fees") or []:
            product = t.snap.product(fee["sku"])
            name = render.product_name(product.names, t.lang) if product else fee["sku"]
            text += _sp(t) + say("fee_order_line", t.lang, product=name, pct=pct,
                                 fee=fmt_money(Decimal(fee["restocking_fee"]), t.currency, t.lang),
                                 refund=fmt_money(Decimal(fee["refund"]), t.currency, t.lang)).strip()
        return text
    if window == "window_passed":
        return say("return_order_passed", t.lang, oid=oid, date=render.date_text(info["deadline"], t.lang), days=days)
    if window == "not_delivered":
        return say("return_order_not_delivered", t.lang, oid=oid, days=days)
    return ""


def _returns_text(t: Turn) -> Outcome:
    product = t.product
    country = t.slots.countries[0] if t.slots.countries else t.customer_country()
    defect = "wrong_item" if _WRONG.search(t.text) else ("defective" if _DEFECT.search(t.text) else None)
    used = bool(_USED.search(t.text))
    result = t.rec("return_policy", sku=product.sku if product else None, opened=used or bool(_OPENED.search(t.text)),
                   used=used, seal_broken=bool(_SEAL.search(t.text)), defect=defect, country=country)
    names = {p.sku: render.product_name(p.names, t.lang) for p in t.snap.products}
    if product is not None:
        t.state.last_sku = product.sku
        name = render.product_name(product.names, t.lang)
        if not result["returnable"] and result["rule"] is not None:
            text = say("return_blocked", t.lang, product=name, **policy_text.rule_parts(result["rule"], t.lang))
            return Outcome(text + say("return_other_items", t.lang, days=result["window_days"]))
        text = _exchange_first(t, result) + policy_text.returns_text(result, t.lang, names=names,
                                                                     served=_served(t), currency=t.currency)
        if used and result.get("condition"):  # "I wore it once": the store's own conditions say what counts
            text += _sp(t) + policy_text.policy_quote(result["condition"], _primary(t), t.lang, t.currency)
        if result.get("restocking_fee") and result["restocking_fee"] != "0.00":
            text += say("fee_product", t.lang, product=name, pct=policy_text.pct_text(result["restocking_fee_pct"], t.lang),
                        fee=fmt_money(Decimal(result["restocking_fee"]), t.currency, t.lang))
        return Outcome(text)
    return Outcome(_exchange_first(t, result) + policy_text.returns_text(result, t.lang, names=names,
                                                                         served=_served(t), currency=t.currency))


def _exchange_first(t: Turn, result: dict[str, Any]) -> str:
    """An exchange question hears its own window first ("" otherwise, and when an order's line said it)."""
    if not _EXCHANGE.search(t.text) or t.slots.order_ids:
        return ""
    return say("exchange_general", t.lang, days=result["exchange_window_days"]) + _sp(t)
