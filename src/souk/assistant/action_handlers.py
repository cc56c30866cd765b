"""The action intents' handlers: find the shopper's order, quote the action from the store's rules, say
exactly what would happen and ask for a yes; or say why not and offer a person.

Nothing is written here. An allowed quote waits in ``DialogState.pending_action``; only an explicit yes in the
very next turn turns it into an ``Outcome.action``, which ``OfflineSession.reply`` executes through the
OrderActions port (``say_result`` phrases what came of it). A session without that port (a replay, the CLI
without storage) keeps the read-only behaviour: a change request goes to a person, a return question gets the
policy, a tracking request the order's status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from souk.agent.brain import ToolCall
from souk.assistant import handlers as h
from souk.assistant import render
from souk.assistant import returns_handlers as rh
from souk.assistant.action_intents import ACTION_INTENTS, confirmation
from souk.assistant.action_messages import asay, why
from souk.assistant.actions import TOOL_NAMES, quote_from
from souk.assistant.locale import fmt_date, fmt_money, join_list
from souk.assistant.messages import STATUS, say, word
from souk.assistant.state import PendingAction
from souk.assistant.turn import Outcome, Turn
from souk.domain import policy
from souk.domain.models import Order, OrderStatus
from souk.domain.order_actions import (
    VARIANT_ATTRIBUTES,
    ActionKind,
    ActionQuote,
    ActionRecord,
    Caller,
    clean_address,
)
from souk.domain.store import StoreSnapshot

KINDS: dict[str, ActionKind] = {
    "cancel_order": ActionKind.CANCEL, "change_address": ActionKind.CHANGE_ADDRESS,
    "start_return": ActionKind.RETURN, "exchange_item": ActionKind.EXCHANGE,
    "resend_tracking": ActionKind.RESEND_TRACKING,
}
INTENT_OF = {kind: intent for intent, kind in KINDS.items()}
_WAITING = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
_FITS: dict[ActionKind, Callable[[Order], bool]] = {
    ActionKind.CANCEL: lambda o: o.status in _WAITING,
    ActionKind.CHANGE_ADDRESS: lambda o: o.status in _WAITING,
    ActionKind.RETURN: lambda o: o.status is OrderStatus.DELIVERED,
    ActionKind.EXCHANGE: lambda o: o.status is OrderStatus.DELIVERED,
    ActionKind.RESEND_TRACKING: lambda o: bool(o.tracking_number) and o.status not in _WAITING,
}
_ADDRESS_AFTER = re.compile(
    r"(?:address|street|direcci[oó]n|endere[çc]o|alamat|地址|العنوان)\b.*?(?:\bto\b|\bis\b|:|\bnow\b|\bpara\b|"
    r"\bes\b|\bé\b|\bke\b|\bmenjadi\b|\bjadi\b|改为|改成|为|是|إلى)\s*(.+)$", re.IGNORECASE | re.DOTALL)
_ORDER_TAIL = re.compile(r"\s*\b(for|of|on|del|do|da|untuk)\b\s+(my |mi |meu |the )?(order|pedido|pesanan)\s*#?\S+\s*$",
                         re.IGNORECASE)
_OPENED = re.compile(r"\bopen(ed)?\b|\bused\b|abiert|usad|abert|dibuka|dipakai|开封|拆|用过|مفتوح|فتحت|استخدمت",
                     re.IGNORECASE)
_WRONG = re.compile(r"wrong (item|product|one)|not what i ordered|equivocad|errad|salah kirim|barang salah|发错|"
                    r"منتج خاطئ", re.IGNORECASE)
_DEFECT = re.compile(r"defect|broken|doesn'?t work|not working|faulty|defectuos|roto|no funciona|defeituos|quebrad|"
                     r"rusak|cacat|坏了|故障|不能用|معيب|مكسور|لا يعمل", re.IGNORECASE)
_SIZE_WORD = re.compile(r"(?:size|talla|tamanho|ukuran|尺码|مقاس)\s*([A-Za-z0-9]{1,5})\b", re.IGNORECASE)


def handler(intent: str) -> Callable[[Turn], Outcome]:
    def handle(t: Turn) -> Outcome:
        return act(t, intent)
    return handle


# --- the next turn: yes, no, or something else -----------------------------------------------------------------
def confirmation_turn(t: Turn) -> tuple[str, float, Outcome] | None:
    """The pending offer is for this turn only: taken off the state whatever is said. An explicit yes executes
    it (or hands to a person when a person was offered), a no drops it, anything else is a new question."""
    st = t.state
    pending, st.pending_action = st.pending_action, None
    if pending is None or pending.offered_at + 1 != st.turns:
        return None
    answer = confirmation(t.text)
    if answer is None:
        return None
    if answer == "no":
        return "action_declined", 1.0, Outcome(asay("declined", t.lang))
    if pending.quote is None:
        return "human", 1.0, h.handoff(t, pending.reason)
    # what is said if nobody executes it (a caller of reply_sync alone): nothing done, a person takes over
    fallback = asay("unavailable", t.lang)
    return INTENT_OF[pending.quote.kind], 1.0, Outcome(fallback, "human", "order_change", action=pending)


def resume(t: Turn) -> tuple[str, float, Outcome] | None:
    """The slot an action asked for (the order number, the e-mail, the new address, the size or colour)."""
    st = t.state
    intent = st.pending_intent
    if intent not in ACTION_INTENTS or st.pending is None:
        return None
    if st.pending in ("order_id", "email") and (t.slots.order_ids or t.slots.emails):
        return intent, 1.0, act(t, intent)
    if st.pending == "address" and clean_address(t.text) is not None:
        return intent, 1.0, act(t, intent, address=t.text)
    if st.pending == "variant" and len(t.text) <= 40:
        order = t.snap.order(st.pending_order_id or "")
        if order is not None and _variant_in(t.text, t.snap, order) is not None:
            return intent, 1.0, act(t, intent)
    return None


# --- one action ---------------------------------------------------------------------------------------------
def act(t: Turn, intent: str, *, address: str | None = None) -> Outcome:
    st = t.state
    kind = KINDS[intent]
    if not st.actions_available:
        return _read_only(t, kind)
    if st.pending in ("address", "variant") and st.pending_order_id:
        oid: str | None = st.pending_order_id  # numbers in an address are not order numbers
    else:
        oid = t.slots.order_ids[0] if t.slots.order_ids else (st.pending_order_id or st.last_order_id
                                                             or _only_fitting(t, kind))
    st.clear_pending()
    if oid is None:
        st.ask("order_id", intent)
        return Outcome(asay("ask_order", t.lang) + _fitting_list(t, kind))
    args: dict[str, Any] = {"order_id": oid}
    if t.slots.emails:
        args["email"] = t.slots.emails[0]
    found = t.rec("get_order", **args)  # proves an anonymous shopper's order by its e-mail, like a status question
    if not found.get("found") and found.get("needs") == "email":
        st.ask("email", intent, oid)
        return Outcome(say("ask_email", t.lang, oid=oid))
    oid = str(found.get("order_id") or (found.get("order") or {}).get("order_id") or oid).lstrip("#")
    if found.get("found"):
        st.last_order_id = oid
    order = t.snap.order(oid) if found.get("found") else None
    params = _params(t, kind, order, address)
    caller = Caller(st.caller.customer_id, frozenset(st.caller.verified_orders))
    quote = quote_from(t.snap, kind, oid, caller, **params)
    t.rec.calls.append(ToolCall(name=f"quote_{TOOL_NAMES[kind]}", arguments={"order_id": oid, **_jsonable(params)},
                                result=quote.to_dict()))
    if not quote.allowed or order is None:
        if quote.refusal == "bad_address" and order is not None:
            st.ask("address", intent, oid)
            return Outcome(asay("ask_address", t.lang, oid=oid, country=render.country(order.country, t.lang)))
        if quote.refusal == "not_same_product" and order is not None and not params.get("to_value"):
            return _ask_variant(t, intent, order, params.get("sku"))
        st.pending_action = PendingAction(None, st.turns)
        return Outcome(refusal_text(t.snap, quote, t.lang) + asay("offer_person", t.lang))
    st.pending_action = PendingAction(quote, st.turns)
    return Outcome(confirm_text(t.snap, quote, order, t.lang) + asay("ask_yes_no", t.lang))


def _read_only(t: Turn, kind: ActionKind) -> Outcome:
    if kind in (ActionKind.CANCEL, ActionKind.CHANGE_ADDRESS):
        return h.order_change(t)  # a person makes the change
    if kind in (ActionKind.RETURN, ActionKind.EXCHANGE):
        return rh.returns(t)  # an order named: its state and its own return/exchange deadline, then the policy
    return h.order_status(t)


def _only_fitting(t: Turn, kind: ActionKind) -> str | None:
    cid = t.state.caller.customer_id
    fitting = [o for o in t.snap.orders_of(cid) if _FITS[kind](o)] if cid else []
    return fitting[0].id if len(fitting) == 1 else None


def _fitting_list(t: Turn, kind: ActionKind) -> str:
    cid = t.state.caller.customer_id
    ids = [o.id for o in t.snap.orders_of(cid) if _FITS[kind](o)][:5] if cid else []
    return f" ({', '.join(ids)})" if ids else ""


def _params(t: Turn, kind: ActionKind, order: Order | None, address: str | None) -> dict[str, Any]:
    if kind is ActionKind.CHANGE_ADDRESS:
        text = address
        if text is None:
            m = _ADDRESS_AFTER.search(t.text)
            text = _ORDER_TAIL.sub("", m.group(1)) if m else ""
        country = next((c for c in t.slots.countries if order is None or c != order.country), None) \
            if t.slots.countries and clean_address(text or "") else None
        return {"address": text or "", "country": country}
    if kind is ActionKind.RETURN:
        product = t.product
        in_order = order is not None and product is not None and any(ln.sku == product.sku for ln in order.lines)
        defect = "wrong_item" if _WRONG.search(t.text) else ("defective" if _DEFECT.search(t.text) else None)
        return {"skus": [product.sku] if in_order and product else [], "defect": defect,
                "opened": bool(_OPENED.search(t.text))}
    if kind is ActionKind.EXCHANGE:
        found = _variant_in(t.text, t.snap, order) if order is not None else None
        sku, value = found if found else (None, None)
        if value is None and (m := _SIZE_WORD.search(t.text)):
            value = m.group(1)
        product = t.product
        if sku is None and order is not None and product is not None and any(ln.sku == product.sku
                                                                              for ln in order.lines):
            sku = product.sku
        return {"sku": sku, "to_value": value or ""}
    return {}


def _variant_in(text: str, snap: StoreSnapshot, order: Order) -> tuple[str, str] | None:
    """(sku, value): the last size or colour of one of the order's products that the text names."""
    best: tuple[int, str, str] | None = None
    low = text.casefold()
    for ln in order.lines:
        product = snap.product(ln.sku)
        for attr in VARIANT_ATTRIBUTES:
            values = product.attributes.get(attr) if product else None
            for value in values if isinstance(values, list) else []:
                for m in re.finditer(rf"(?<![\w]){re.escape(str(value).casefold())}(?![\w])", low):
                    if best is None or m.start() >= best[0]:
                        best = (m.start(), ln.sku, str(value))
    return (best[1], best[2]) if best else None


def _ask_variant(t: Turn, intent: str, order: Order, sku: str | None) -> Outcome:
    lines = [ln for ln in order.lines if sku is None or ln.sku == sku]
    products = [p for ln in lines if (p := t.snap.product(ln.sku)) is not None
                and any(isinstance(p.attributes.get(a), list) for a in VARIANT_ATTRIBUTES)]
    st = t.state
    if len(products) != 1:
        names = [render.product_name(p.names, t.lang) for ln in order.lines if (p := t.snap.product(ln.sku))]
        st.pending_action = PendingAction(None, st.turns)
        if not products:
            return Outcome(asay("not_same_product", t.lang, name=join_list(names, t.lang), offered="-", to="?")
                           + asay("offer_person", t.lang))
        st.ask("variant", intent, order.id)
        return Outcome(asay("ask_item", t.lang, oid=order.id, items=join_list(names, t.lang)))
    product = products[0]
    offered = [str(v) for a in VARIANT_ATTRIBUTES for v in (product.attributes.get(a) or [])]
    st.ask("variant", intent, order.id)
    return Outcome(asay("ask_variant", t.lang, name=render.product_name(product.names, t.lang),
                        offered=", ".join(offered)))


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items() if v not in (None, "", [])}


# --- what is said -------------------------------------------------------------------------------------------
def _items(snap: StoreSnapshot, skus_qty: list[tuple[str, int]], lang: str) -> str:
    parts = []
    for sku, qty in skus_qty:
        p = snap.product(sku)
        name = render.product_name(p.names, lang) if p else sku
        parts.append(f"{qty} × {name}" if qty != 1 else name)
    return join_list(parts, lang)


def confirm_text(snap: StoreSnapshot, q: ActionQuote, order: Order, lang: str) -> str:
    money = lambda v: fmt_money(v, q.currency or snap.merchant.currency, lang)
    items = _items(snap, [(i.sku, i.qty) for i in q.items], lang)
    d = q.details
    if q.kind is ActionKind.CANCEL:
        return asay("confirm_cancel", lang, oid=q.order_id, items=items, refund=money(q.refund_amount))
    if q.kind is ActionKind.CHANGE_ADDRESS:
        return asay("confirm_change_address", lang, oid=q.order_id, address=d["address"]["text"],
                    country=render.country(order.country, lang))
    if q.kind is ActionKind.RETURN:
        text = asay("confirm_return", lang, oid=q.order_id, items=items, refund=money(q.refund_amount),
                    days=d.get("refund_days"), fee=asay("fee", lang, fee=money(q.fee)) if q.fee else "",
                    label=asay("label_store" if q.label else "label_customer", lang))
        left = d.get("excluded") or []
        if left:
            text += asay("excluded", lang, items=_items(snap, [(e["sku"], 1) for e in left], lang),
                         why=why(left[0].get("rule_reason") or left[0].get("reason"), lang))
        return text
    if q.kind is ActionKind.EXCHANGE:
        return asay("confirm_exchange", lang, oid=q.order_id, item=items, to=d["to"], stock=d["stock"],
                    label=asay("label_store" if q.label else "label_customer", lang))
    return asay("confirm_resend_tracking", lang, oid=q.order_id, carrier=d.get("carrier") or "-",
                tracking=d.get("tracking_number"))


def refusal_text(snap: StoreSnapshot, q: ActionQuote, lang: str) -> str:
    r = q.refusal or "not_your_order"
    d = q.details
    order = snap.order(q.order_id)
    oid = q.order_id
    if order is None or r == "not_your_order":
        return asay("not_your_order", lang, oid=oid)
    if r == "not_shipped_yet" and q.kind is ActionKind.RESEND_TRACKING:
        return asay("not_shipped_yet_tracking", lang, oid=oid)
    if r == "not_delivered":
        return asay(r, lang, oid=oid, status=word(STATUS, order.status.value, lang))
    if r == "window_passed" and order.delivered_on is not None:
        rules = policy.return_rules(snap)
        days = rules.exchange_window_days if q.kind is ActionKind.EXCHANGE else rules.window_days
        deadline = order.delivered_on + dt.timedelta(days=days)
        return asay(r, lang, oid=oid, delivered=fmt_date(order.delivered_on, lang), days=days,
                    deadline=fmt_date(deadline, lang))
    if r == "non_returnable":
        left = [e for e in d.get("excluded") or [] if e.get("reason") == "non_returnable"]
        skus = [e["sku"] for e in left] or ([d["sku"]] if d.get("sku") else [ln.sku for ln in order.lines])
        reason = (left[0].get("rule_reason") if left else d.get("rule_reason"))
        return asay(r, lang, items=_items(snap, [(s, 1) for s in skus], lang), why=why(reason, lang))
    if r in ("out_of_stock", "not_same_product"):
        product = snap.product(str(d.get("sku") or ""))
        name = render.product_name(product.names, lang) if product else oid
        if r == "out_of_stock":
            restock = d.get("restock_date")
            more = asay("restock", lang, date=fmt_date(dt.date.fromisoformat(restock), lang)) if restock else ""
            return asay(r, lang, name=name, restock=more)
        offered = [str(v) for a in VARIANT_ATTRIBUTES for v in (d.get("offered") or {}).get(a, [])]
        return asay(r, lang, name=name, offered=", ".join(offered) or "-", to=d.get("to") or "?")
    if r == "country_change":
        return asay(r, lang, oid=oid, country=render.country(order.country, lang))
    return asay(r if r in ("already_shipped", "not_shipped_yet", "no_tracking", "already_cancelled",
                           "already_returned") else "not_your_order", lang, oid=oid)


def say_result(snap: StoreSnapshot, q: ActionQuote, record: ActionRecord, lang: str) -> str:
    """What came of an executed action: done (the record's details), or refused after all (the order changed
    in between) with the reason and the offer of a person."""
    money = lambda v: fmt_money(v, q.currency or snap.merchant.currency, lang)
    d = record.details
    if not record.done:
        return refusal_text(snap, dataclasses.replace(q, allowed=False, refusal=record.refusal), lang) \
            + asay("offer_person", lang)
    label = asay("done_label", lang, label=d["label_ref"]) if d.get("label_ref") else \
        (asay("label_customer", lang) if q.kind in (ActionKind.RETURN, ActionKind.EXCHANGE) else "")
    if q.kind is ActionKind.CANCEL:
        return asay("done_cancel", lang, oid=q.order_id, refund=money(q.refund_amount))
    if q.kind is ActionKind.CHANGE_ADDRESS:
        return asay("done_change_address", lang, oid=q.order_id, address=(d.get("address") or {}).get("text", ""))
    if q.kind is ActionKind.RETURN:
        return asay("done_return", lang, rma=d.get("rma_id"), oid=q.order_id, refund=money(q.refund_amount),
                    days=q.details.get("refund_days"), label=label)
    if q.kind is ActionKind.EXCHANGE:
        return asay("done_exchange", lang, rma=d.get("rma_id"), oid=q.order_id, to=q.details.get("to"), label=label)
    return asay("done_resend_tracking", lang, oid=q.order_id, carrier=d.get("carrier") or "-",
                tracking=d.get("tracking_number"))
