"""One handler per intent: call the tools, then phrase the result in the turn's language (orders,
shipping, duties, payment, policies and the FAQ-like intents; the catalog's are in product_handlers)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from souk.assistant import render, safety
from souk.assistant.catalog import is_high_value
from souk.assistant.locale import fmt_money, join_list
from souk.assistant.messages import STATUS, say, word
from souk.assistant.payments import parse_method
from souk.assistant.turn import Outcome, Turn

_OPENED = re.compile(r"open(ed)?|used|tried|swatch|abr[ií]|abierto|usad|aberto|usei|dibuka|dipakai|开封|拆|用过|"
                     r"مفتوح|فتحت|استخدمت", re.IGNORECASE)
_CARRIER_Q = re.compile(r"carrier|courier|shipping company|which company|who is (delivering|shipping)|"
                        r"transportadora|paqueter[ií]a|mensajer[ií]a|kurir|ekspedisi|jasa kirim|快递公司|哪家快递|"
                        r"哪个快递|承运|شركة الشحن|شركة التوصيل", re.IGNORECASE)
_TRACKING_Q = re.compile(r"tracking|track(ing)? (number|code)|seguimiento|rastreio|rastreamento|resi|单号|追踪|تتبع",
                         re.IGNORECASE)
MAX_EMAIL_ATTEMPTS = 3  # e-mail proofs tried for one order before the shopper must start over
_ACTIVE = frozenset({"processing", "shipped", "in_transit", "out_for_delivery", "customs_hold", "pending"})
_LONG_NUMBER = re.compile(r"(?<!\d)\d{8,}(?!\d)")
_METHOD_SYNONYMS: dict[str, str] = {
    r"cash on delivery|\bcod\b|contra ?reembolso|contra ?entrega|pago (en|a la) entrega|pagamento na entrega|"
    r"bayar di tempat|货到付款|الدفع عند الاستلام|عند الاستلام|pay (in )?cash|cash when|en efectivo|em dinheiro|"
    r"\btunai\b|现金|نقدا|نقداً|كاش": "Cash on delivery",
    r"\bamex\b|أمريكان إكسبريس|美国运通": "American Express",
    r"credit card|debit card|tarjeta|cartão|kartu kredit|信用卡|بطاقة": "Visa",
    r"alipay|支付宝": "Alipay", r"wechat ?pay|微信支付": "WeChat Pay", r"bitcoin|crypto": "Bitcoin",
    r"bank transfer|transferencia|transferência|transfer bank|银行转账|تحويل بنكي": "Bank transfer",
    r"مدى": "Mada", r"باي ?بال|贝宝": "PayPal", r"فيزا|维萨": "Visa", r"ماستر ?كارد|万事达": "Mastercard",
    r"أبل باي|آبل باي|苹果支付": "Apple Pay", r"جوجل باي|谷歌支付": "Google Pay", r"كلارنا": "Klarna",
    r"\bboleto\b": "Boleto", r"gopay": "GoPay", r"shopeepay": "ShopeePay",
}
_METHOD_LOCAL = {
    "Cash on delivery": {"en": "cash on delivery", "es": "pago contra entrega", "pt": "pagamento na entrega",
                         "id": "bayar di tempat (COD)", "zh": "货到付款", "ar": "الدفع عند الاستلام"},
}


# --- orders ------------------------------------------------------------------------------------------
def order_status(t: Turn, intent: str = "order_status") -> Outcome:
    st = t.state
    if _LONG_NUMBER.search(t.text) and not t.slots.order_ids:
        st.ask("order_id", intent)
        return Outcome(say("bad_order_id", t.lang))
    oid = t.slots.order_ids[0] if t.slots.order_ids else (st.pending_order_id or st.last_order_id)
    if oid is None:
        listing = t.rec("list_my_orders", limit=20) if st.caller.customer_id else {"orders": []}
        orders = listing["orders"]
        active = [o for o in orders if o["status"] in _ACTIVE]
        only = active[0] if len(active) == 1 else (orders[0] if len(orders) == 1 else None)
        if only is not None and intent == "order_status":
            # One order on its way: that is the one they mean. Say which others exist.
            st.clear_pending()
            st.last_order_id = only["order_id"]
            t.rec.cards.append(only)
            text = render.order_text(only, t.lang, t.currency, items=t.channel != "voice")
            others = [o["order_id"] for o in orders if o is not only][:4]
            if others:
                text += say("other_orders", t.lang, ids=", ".join(others))
            return Outcome(text)
        st.ask("order_id", intent)
        text = say("ask_order_id", t.lang)
        if _TRACKING_Q.search(t.text):
            t.rec("faq", topic="tracking")
            text = say("tracking_faq", t.lang) + text
        if orders:
            text += " " + _orders_line({"orders": orders[:4], "total": len(orders)}, t.lang)
        return Outcome(text)
    email = t.slots.emails[0] if t.slots.emails else None
    args: dict[str, Any] = {"order_id": oid}
    if email:
        args["email"] = email
    result = t.rec("get_order", **args)
    if not result.get("found"):
        if result.get("needs") == "email":
            st.ask("email", intent, oid)
            return Outcome(say("ask_email", t.lang, oid=oid))
        key = "order_not_verified" if email and st.caller.customer_id is None else "order_not_found"
        st.clear_pending()
        if key == "order_not_verified" and st.email_attempts < MAX_EMAIL_ATTEMPTS - 1:
            st.email_attempts += 1
            st.ask("email", intent, oid)  # a typo in the address: the next e-mail is checked for this order
        else:
            st.email_attempts = 0
        return Outcome(say(key, t.lang, oid=oid))
    st.clear_pending()
    st.email_attempts = 0
    st.last_order_id = oid
    order = result["order"]
    if intent == "order_change":
        return order_change_for(t, order)
    focus = "carrier" if _CARRIER_Q.search(t.text) and not t.slots.order_ids else None
    text = render.order_text(order, t.lang, t.currency, focus=focus, items=t.channel != "voice")
    if safety._LOSS.search(t.text) and order["status"] not in ("delivered", "cancelled", "returned", "refunded"):
        text += say("lost_note", t.lang)
    return Outcome(text)


def _orders_line(listing: dict[str, Any], lang: str) -> str:
    items = [f"{o['order_id']} ({word(STATUS, o['status'], lang)})" for o in listing["orders"]]
    return say("orders_list", lang, n=listing.get("total", len(items)), items=join_list(items, lang))


def list_orders(t: Turn) -> Outcome:
    listing = t.rec("list_my_orders", limit=5)
    if not listing["signed_in"] and not listing["orders"]:
        return Outcome(say("orders_anonymous", t.lang))
    if not listing["orders"]:
        return Outcome(say("orders_none", t.lang))
    if len(listing["orders"]) == 1:
        t.state.last_order_id = listing["orders"][0]["order_id"]
        return Outcome(render.order_text(listing["orders"][0], t.lang, t.currency))
    t.state.ask("order_id", "order_status")
    return Outcome(_orders_line(listing, t.lang))


def order_change(t: Turn) -> Outcome:
    st = t.state
    about_last = st.last_order_id is not None and (
        st.last_intent in ("order_status", "order_change")
        or re.search(r"\b(it|this|that)\b", t.text, re.IGNORECASE) is not None)
    if t.slots.order_ids or about_last:
        return order_status(t, "order_change")
    # Which order? Ask, and keep the request: the number given next is checked for a change.
    st.ask("order_id", "order_change")
    return Outcome(say("order_change", t.lang) + say("ask_order_id_change", t.lang))


def order_change_for(t: Turn, order: dict[str, Any]) -> Outcome:
    base = say("order_change", t.lang)
    if order["status"] in ("processing", "pending"):
        return Outcome(base + say("order_change_ok", t.lang, oid=order["order_id"]), "human", "order_change")
    days = t.snap.policies.returns.window_days
    return Outcome(base + say("order_change_shipped", t.lang, oid=order["order_id"], days=days))


# --- shipping, duties, payment ---------------------------------------------------------------------------
def _country(t: Turn, intent: str) -> str | None:
    if t.slots.countries:
        return t.slots.countries[0]
    if t.state.last_country:
        return t.state.last_country
    return t.customer_country()


def shipping(t: Turn) -> Outcome:
    code = _country(t, "shipping")
    if code is None:
        t.state.ask("country", "shipping")
        return Outcome(say("ask_country", t.lang))
    t.state.last_country = code
    info = t.rec("shipping_info", country=code)
    return Outcome(render.shipping_text(info, t.lang, t.slots.method))


def duties(t: Turn) -> Outcome:
    code = _country(t, "duties")
    if code is None:
        t.state.ask("country", "duties")
        return Outcome(say("ask_country", t.lang))
    t.state.last_country = code
    info = t.rec("duties_info", country=code)
    return Outcome(render.duties_text(info, t.lang, t.currency))


def mentioned_method(t: Turn) -> str | None:
    low = t.text.lower()
    for raw in t.snap.policies.payment_methods:
        name, _ = parse_method(raw)
        for part in re.split(r"\s+and\s+|/", name):
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(part.strip().lower())}(?![A-Za-z0-9])", low):
                return part.strip()
    for pattern, name in _METHOD_SYNONYMS.items():
        if re.search(pattern, low, re.IGNORECASE):
            return name
    return None


# "Do you accept GCash?": a method name that is none of the store's (Latin-script brand names).
_ASKED_METHOD = re.compile(
    r"(?:\bpay(?:ing)?\s+(?:with|using|by|via|through)|\baccept(?:s)?|\btake|\buse|\bpagar\s+(?:con|com|por|via)|"
    r"\bacept(?:an|a)|\baceit(?:am|a)|\bbayar\s+(?:pakai|pake|dengan|via|lewat)|\bterima|用|(?:الدفع|ادفع)\s+(?:ب|عبر))"
    r"\s*([A-Za-z][\w.-]{2,})", re.IGNORECASE)
_GENERIC_PAY_WORDS = frozenset({
    "card", "cards", "credit", "debit", "cash", "it", "this", "that", "the", "my", "your", "installments",
    "instalments", "cuotas", "parcelas", "cicilan", "dollars", "usd", "money", "tarjeta", "cartão", "cartao",
    "kartu", "efectivo", "dinheiro", "tunai", "online", "transfer", "local", "any", "what", "which", "payment",
    "payments", "orders", "order", "returns", "return", "coupons", "coupon", "una", "uma", "las", "los", "que",
})


def _unknown_method(t: Turn) -> str | None:
    m = _ASKED_METHOD.search(t.text)
    if m is None:
        return None
    name = m.group(1).strip(".-")
    return None if name.lower() in _GENERIC_PAY_WORDS else name


def payment(t: Turn) -> Outcome:
    # "can I pay cash on delivery there?" right after shipping/duties for a country: that country
    code = t.slots.countries[0] if t.slots.countries else (
        t.state.last_country if t.state.last_intent in ("shipping", "duties", "payment") else None)
    if code:
        t.state.last_country = code
    result = t.rec("payment_methods", country=code)
    names = [m["name"] for m in result["methods"]]
    where = say("where", t.lang, country=render.country(code, t.lang)) if code else ""
    local = [_METHOD_LOCAL.get(n, {}).get(t.lang, n) for n in names]
    if t.lang != "en":  # "OVO and DANA" is one store entry; its English "and" reads as English
        local = [re.sub(r"\s+and\s+", " / ", n) for n in local]
    wanted = mentioned_method(t) or _unknown_method(t)
    if wanted is None:
        return Outcome(say("pay_list", t.lang, methods=join_list(local, t.lang), where=where))
    shown = _METHOD_LOCAL.get(wanted, {}).get(t.lang, wanted)
    available = any(wanted.lower() in n.lower() for n in names)
    if available:
        return Outcome(say("pay_yes", t.lang, method=shown, where=where))
    return Outcome(say("pay_no", t.lang, method=shown, where=where, methods=join_list(local, t.lang)))


# --- policies ------------------------------------------------------------------------------------------------
def returns(t: Turn) -> Outcome:
    product = t.product
    opened = bool(_OPENED.search(t.text))
    result = t.rec("return_policy", sku=product.sku if product else None, opened=opened)
    days = result["window_days"]
    if product is not None:
        t.state.last_sku = product.sku
        name = render.product_name(product.names, t.lang)
        if result["exception"] == "opened_beauty":
            return Outcome(say("return_exception_beauty", t.lang, product=name, days=days))
        if result["exception"] == "pierced_earrings":
            return Outcome(say("return_exception_earrings", t.lang, product=name))
    country = t.slots.countries[0] if t.slots.countries else t.customer_country()
    zone = t.snap.zone_for(country) if country else None
    if zone is not None and zone.region in result["free_return_label_regions"]:
        label = say("label_free", t.lang, country=render.country(country or "", t.lang))
    else:
        label = say("label_paid", t.lang)
    return Outcome(say("returns", t.lang, days=days, label=label, refund_days=result["refund_days_after_receipt"]))


def warranty(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is None:
        months = [p.warranty_months for p in t.snap.products if p.warranty_months]
        t.rec("warranty_info")
        return Outcome(say("warranty_general", t.lang, lo=min(months, default=0), hi=max(months, default=0)))
    t.state.last_sku = product.sku
    info = t.rec("warranty_info", sku=product.sku)
    name = render.product_name(product.names, t.lang)
    if info["warranty_months"]:
        return Outcome(say("warranty_product", t.lang, product=name, months=info["warranty_months"]))
    return Outcome(say("warranty_none", t.lang, product=name, days=t.snap.policies.returns.window_days))


# --- faq-like -------------------------------------------------------------------------------------------------
def gift_wrap(t: Turn) -> Outcome:
    answer = t.rec("faq", topic="gift_wrap").get("answer") or ""
    cur = t.currency  # the store's FAQ states its prices in its own currency
    found = re.search(rf"{re.escape(cur)}\s*(\d+(?:\.\d+)?)", answer)
    price = fmt_money(Decimal(found.group(1)), cur, t.lang) if found else "-"
    product = t.product
    if product is not None and product.category not in ("jewelry", "beauty"):
        return Outcome(say("gift_wrap_no", t.lang, price=price, name=render.product_name(product.names, t.lang)))
    return Outcome(say("gift_wrap", t.lang, price=price))


def size_guide(t: Turn) -> Outcome:
    """The store's size advice, plus the sizes of the product the shopper named."""
    text = say("size_guide", t.lang)
    product = t.product_or_last()
    sizes = product.attributes.get("sizes") if product is not None else None
    if product is not None and isinstance(sizes, list) and sizes:
        t.state.last_sku = product.sku
        text += " " + say("focus", t.lang, name=render.product_name(product.names, t.lang),
                          attrs=render.attribute_list({"sizes": sizes}, t.lang)).strip()
    return Outcome(text)


def simple(key: str) -> Any:
    def handler(t: Turn) -> Outcome:
        return Outcome(say(key, t.lang, store=t.snap.merchant.name))
    return handler


def hours_text(t: Turn) -> str:
    m = re.search(r"(\d{2}:\d{2}\s*-\s*\d{2}:\d{2})\s*(UTC[+-]\d+)?", t.snap.policies.support_hours)
    return f"{m.group(1)} ({m.group(2)})" if m and m.group(2) else (m.group(1) if m else "-")


def hours(t: Turn) -> Outcome:
    return Outcome(say("hours", t.lang, hours=hours_text(t)))


def handoff(t: Turn, reason: str, why_key: str | None = None, **why: Any) -> Outcome:
    """Why the AI hands over, and that the team gets the conversation. Whether and when a person answers is
    the desk's to say (``assistant.handoff.notice_text``): this reply never promises one."""
    t.rec("handoff_to_human", reason=reason, summary=t.text[:300])
    prefix = say(why_key or "why_requested", t.lang, **why)
    return Outcome(say("handoff", t.lang, why=prefix), "human", reason)


def video(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is not None and not is_high_value(product):
        t.state.last_sku = product.sku
        info = t.rec("product_info", sku=product.sku)["product"]
        details = render.product_text(info, t.lang, t.currency, with_stock=False)
        return Outcome(say("video_not_eligible", t.lang, name=render.product_name(product.names, t.lang),
                           details=details))
    t.rec("offer_video_consultation", sku=product.sku if product else None)
    if product is None:
        return Outcome(say("video_generic", t.lang), "video", "video_consultation")
    t.state.last_sku = product.sku
    return Outcome(say("video", t.lang, name=render.product_name(product.names, t.lang)), "video", "see_product")


def customs_hold(t: Turn) -> Outcome:
    """ "My parcel is stuck at customs": the order if we know which, else the policy and which order."""
    t.rec("faq", topic="customs_hold")
    if t.slots.order_ids or t.state.last_order_id:
        return order_status(t)
    st = t.state
    listing = t.rec("list_my_orders", limit=20) if st.caller.customer_id else {"orders": []}
    held = [o for o in listing["orders"] if o["status"] == "customs_hold"]
    if len(held) == 1:
        st.last_order_id = held[0]["order_id"]
        t.rec.cards.append(held[0])
        return Outcome(render.order_text(held[0], t.lang, t.currency, items=t.channel != "voice"))
    st.ask("order_id", "order_status")
    return Outcome(say("customs_hold_faq", t.lang) + say("ask_order_id", t.lang))


def lost_parcel(t: Turn) -> Outcome:
    if t.slots.order_ids or t.state.last_order_id:
        return order_status(t)
    t.state.ask("order_id", "order_status")
    return Outcome(say("lost_parcel", t.lang))
