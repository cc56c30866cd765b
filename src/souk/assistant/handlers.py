"""One handler per intent: call the tools, then phrase the result in the turn's language (orders,
shipping, duties, payment, policies and the FAQ-like intents; the catalog's are in product_handlers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from souk.assistant import policy_text, render, safety
from souk.assistant.catalog import mentioned, video_eligible
from souk.assistant.intents import CUES
from souk.assistant.locale import join_list
from souk.assistant.messages import STATUS, say, word
from souk.assistant.payments import parse_method
from souk.assistant.product_handlers import product_info
from souk.assistant.turn import Outcome, Turn
from souk.domain.policy import support_hours

_STALLED = re.compile(r"no movement|not moved|n'?t moved|not moving|stuck|sin movimiento|no se mueve|sem movimento|"
                      r"n[ãa]o se mexe|tidak bergerak|gak gerak|没动|不动|没有更新超过|لم يتحرك|لا يتحرك", re.IGNORECASE)
_LIVE = re.compile(r"live|stream|en vivo|ao vivo|directo|siaran|直播|البث|مباشر", re.IGNORECASE)
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
    r"cash (payment )?(at|on|to) (the )?(door|doorstep|delivery)|cash payment|pay (at|on) the door|"
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
        return Outcome(say("bad_order_id", t.lang, example=order_example(t)))
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
        text = say("ask_order_id", t.lang, example="" if orders else order_example(t))
        if _TRACKING_Q.search(t.text):
            stalled = _STALLED.search(t.text) or safety._LOSS.search(t.text)
            quoted = faq_text(t, "lost_parcel" if stalled else "tracking")  # "no movement for 12 days": lost
            text = (quoted + _sp(t) if quoted else "") + text
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
        quoted = faq_text(t, "lost_parcel")
        text += _sp(t) + quoted if quoted else ""
    if order["status"] == "customs_hold":
        quoted = faq_text(t, "customs_hold")
        text += _sp(t) + quoted if quoted else ""
    return Outcome(text)


def _sp(t: Turn) -> str:
    return "" if t.lang == "zh" else " "


def order_example(t: Turn) -> str:
    """An order number of the signed-in shopper's, to show what one looks like ("" for a visitor)."""
    cid = t.state.caller.customer_id
    orders = t.snap.orders_of(cid) if cid else []
    return say("order_id_example", t.lang, oid=orders[0].id) if orders else ""


def faq_text(t: Turn, intent: str) -> str:
    """The store's FAQ answer for a free-text intent, quoted ("" when the store has none)."""
    result = t.rec("faq", intent=intent, query=t.text[:300], lang=t.lang)
    return policy_text.faq_quote(result, t.lang, t.currency)


def _primary(t: Turn) -> str:
    return t.snap.merchant.languages[0] if t.snap.merchant.languages else "en"


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
    return Outcome(say("order_change", t.lang) + say("ask_order_id_change", t.lang, example=order_example(t)))


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
    if not info.get("ships"):
        return Outcome(render.shipping_text(t.rec("shipping_info", country=code), t.lang, None))
    return Outcome(policy_text.duties_text(info, t.lang, _primary(t)))


def store_method(t: Turn) -> str | None:
    """A payment method of the store's own list named in the turn."""
    low = t.text.lower()
    for raw in t.snap.policies.payment_methods:
        name, _ = parse_method(raw)
        for part in re.split(r"\s+and\s+|/", name):
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(part.strip().lower())}(?![A-Za-z0-9])", low):
                return part.strip()
    return None


def mentioned_method(t: Turn) -> str | None:
    """A payment method named in the turn: one of the store's list, else a common name or synonym."""
    own = store_method(t)
    if own is not None:
        return own
    low = t.text.lower()
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
def warranty(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is None:
        info = t.rec("warranty_info")
        return Outcome(policy_text.warranty_general(info, t.lang))
    t.state.last_sku = product.sku
    info = t.rec("warranty_info", sku=product.sku)
    name = render.product_name(product.names, t.lang)
    if info["warranty_months"]:
        return Outcome(say("warranty_product", t.lang, product=name, months=info["warranty_months"]))
    return Outcome(say("warranty_none", t.lang, product=name, days=t.snap.policies.returns.window_days))


# --- faq-like: the store's own words ----------------------------------------------------------------------------
def gift_wrap(t: Turn) -> Outcome:
    """The store's gift-wrap answer; for a named product its words do not cover (they name other categories
    of the catalog but not this one), say so first."""
    product = t.product
    result = t.rec("faq", intent="gift_wrap", query=t.text[:300], lang=t.lang)
    quoted = policy_text.faq_quote(result, t.lang, t.currency)
    if not quoted:
        return Outcome(say("gift_wrap_none", t.lang))
    if product is not None:
        t.state.last_sku = product.sku
        words = _store_words(t, result)
        if any(mentioned(p, words) for p in t.snap.products) and not mentioned(product, words):
            return Outcome(say("gift_wrap_not_listed", t.lang, name=render.product_name(product.names, t.lang),
                               faq=quoted))
    return Outcome(quoted)


def _store_words(t: Turn, result: dict[str, Any]) -> str:
    """An FAQ entry's answer as shown plus its primary-language text (the catalog's words are in that one)."""
    if not result.get("found"):
        return ""
    primary = next((f.answer for f in t.snap.faq if f.topic == result.get("topic")), "")
    return f"{result.get('answer') or ''} {primary}"


def size_guide(t: Turn) -> Outcome:
    """The store's size advice, plus the sizes of the product the shopper named."""
    text = faq_text(t, "size_guide") or say("size_none", t.lang)
    product = t.product_or_last()
    sizes = product.attributes.get("sizes") if product is not None else None
    if product is not None and isinstance(sizes, list) and sizes:
        t.state.last_sku = product.sku
        text += _sp(t) + say("focus", t.lang, name=render.product_name(product.names, t.lang),
                             attrs=render.attribute_list({"sizes": sizes}, t.lang)).strip()
    return Outcome(text)


def discount(t: Turn) -> Outcome:
    """Discounts, coupons and price matching: the store's FAQ entry and its own policy words."""
    pol = t.snap.policies
    primary = _primary(t)
    faq = t.rec("faq", intent="discount", query=t.text[:300], lang=t.lang)
    said: list[tuple[str, str]] = []
    if faq.get("found"):
        said.append((str(faq["answer"]), str(faq.get("language") or primary)))
    fields = [pol.price_match, pol.live_shopping]
    if _LIVE.search(t.text):
        fields.reverse()
    said += [(text, primary) for text in fields if text.strip()]
    if not said:
        return Outcome(say("discount_none", t.lang))
    own = [text for text, lang in said if lang == t.lang]
    other = [text for text, lang in said if lang != t.lang]
    parts = [policy_text.localize_money(x, t.currency, t.lang) for x in own]
    if other:
        parts.append(policy_text.quote(" ".join(other), primary, t.lang, t.currency))
    return Outcome(_sp(t).join(parts))


def faq_answer(t: Turn, threshold: float | None = None) -> Outcome | None:
    """The FAQ entry closest in meaning to a turn no intent covers, when it is close enough."""
    args: dict[str, Any] = {"query": t.text[:300], "lang": t.lang}
    if threshold is not None:
        args["threshold"] = threshold
    result = t.rec("faq", **args)
    if not result.get("found"):
        t.rec.calls.pop()  # a miss is no tool result worth showing
        return None
    return Outcome(policy_text.faq_quote(result, t.lang, t.currency))


def simple(key: str) -> Any:
    def handler(t: Turn) -> Outcome:
        return Outcome(say(key, t.lang, store=t.snap.merchant.name))
    return handler


def hours(t: Turn) -> Outcome:
    structured = support_hours(t.snap)
    if structured is not None:
        return Outcome(policy_text.hours_text(structured, dt.datetime.now(dt.UTC), t.lang))
    text = t.snap.policies.support_hours
    if text.strip():
        return Outcome(say("hours_text", t.lang, text=policy_text.policy_quote(text, _primary(t), t.lang, t.currency)))
    return Outcome(say("faq_unknown", t.lang))


def handoff(t: Turn, reason: str, why_key: str | None = None, **why: Any) -> Outcome:
    """Why the AI hands over, and that the team gets the conversation. Whether and when a person answers is
    the desk's to say (``assistant.handoff.notice_text``): this reply never promises one."""
    t.rec("handoff_to_human", reason=reason, summary=t.text[:300])
    prefix = say(why_key or "why_requested", t.lang, **why)
    return Outcome(say("handoff", t.lang, why=prefix), "human", reason)


def video(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is not None and not (safety.wants_to_see(t.text) or CUES["video"].search(t.text)):
        return product_info(t)  # "can the camera go under water?" is about the product, not a video call
    offer = t.rec("faq", intent="video", query=t.text[:300], lang=t.lang)
    offer_text = policy_text.faq_quote(offer, t.lang, t.currency)
    prefix = offer_text + _sp(t) if offer_text else ""
    if product is not None and not video_eligible(product, t.snap.products, _store_words(t, offer)):
        t.state.last_sku = product.sku
        info = t.rec("product_info", sku=product.sku)["product"]
        details = render.product_text(info, t.lang, t.currency, with_stock=False, description_lang=_primary(t))
        return Outcome(say("video_not_eligible", t.lang, name=render.product_name(product.names, t.lang),
                           details=details, offer=prefix))
    t.rec("offer_video_consultation", sku=product.sku if product else None)
    if product is None:
        return Outcome(say("video_generic", t.lang, offer=prefix), "video", "video_consultation")
    t.state.last_sku = product.sku
    return Outcome(say("video", t.lang, name=render.product_name(product.names, t.lang)), "video", "see_product")


def customs_hold(t: Turn) -> Outcome:
    """ "My parcel is stuck at customs": the order if we know which, else the store's words and which order."""
    if t.slots.order_ids or t.state.last_order_id:
        return order_status(t)
    st = t.state
    listing = t.rec("list_my_orders", limit=20) if st.caller.customer_id else {"orders": []}
    held = [o for o in listing["orders"] if o["status"] == "customs_hold"]
    if len(held) == 1:
        st.last_order_id = held[0]["order_id"]
        t.rec.cards.append(held[0])
        text = render.order_text(held[0], t.lang, t.currency, items=t.channel != "voice")
        quoted = faq_text(t, "customs_hold")
        return Outcome(text + (_sp(t) + quoted if quoted else ""))
    st.ask("order_id", "order_status")
    quoted = faq_text(t, "customs_hold")
    return Outcome((quoted + _sp(t) if quoted else "") + say("ask_order_id", t.lang, example=order_example(t)))


def lost_parcel(t: Turn) -> Outcome:
    if t.slots.order_ids or t.state.last_order_id:
        return order_status(t)
    t.state.ask("order_id", "order_status")
    quoted = faq_text(t, "lost_parcel")
    return Outcome(say("lost_parcel", t.lang, faq=quoted + _sp(t) if quoted else "", example=order_example(t)))
