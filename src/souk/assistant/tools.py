"""The commerce tools, over one StoreSnapshot. Privacy is enforced here, not in any prompt.

Every tool returns a JSON-able dict. Order tools see the caller: a signed-in shopper reaches only their
own orders; an anonymous one reaches an order only after proving ownership with the order's e-mail. An
order that does not exist and an order that belongs to someone else get the same answer, so the tools
cannot be used to probe for other customers' orders. No customer's name or e-mail is ever returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from souk.assistant.catalog import ProductIndex, video_eligible
from souk.assistant.faq import INTENT_TOPICS, FaqIndex, answer_in, topic_words
from souk.assistant.faq import MATCH as FAQ_MATCH
from souk.assistant.payments import methods_for
from souk.domain.models import Order, Product
from souk.domain.policy import (
    ReturnCheck,
    check_return,
    exchange_allowed,
    region_of,
    return_rules,
    support_hours,
    warranty_months,
)
from souk.domain.store import StoreSnapshot

MAX_ARG_CHARS = 300


@dataclass
class Caller:
    """Who is asking. ``verified_orders`` grows when an anonymous shopper proves ownership."""

    customer_id: str | None
    verified_orders: set[str] = field(default_factory=set)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def order_dict(order: Order, snap: StoreSnapshot) -> dict[str, Any]:
    lines = []
    for ln in order.lines:
        p = snap.product(ln.sku)
        lines.append({"sku": ln.sku, "qty": ln.qty, "unit_price": _money(ln.unit_price),
                      "names": dict(p.names) if p else {"en": ln.sku},
                      "category": p.category if p else None})
    eta = order.estimated_delivery
    return {
        "type": "order", "order_id": order.id, "status": order.status.value,
        "placed_on": _iso(order.placed_on), "shipped_on": _iso(order.shipped_on),
        "delivered_on": _iso(order.delivered_on), "carrier": order.carrier,
        "tracking_number": order.tracking_number, "shipping_method": order.shipping_method,
        "country": order.country, "estimated_delivery": [_iso(eta[0]), _iso(eta[1])] if eta else None,
        "lines": lines, "subtotal": _money(order.subtotal), "shipping": _money(order.shipping),
        "total": _money(order.total), "currency": snap.merchant.currency, "currency_paid": order.currency_paid,
        "refund_status": order.refund_status, "refunded": _money(order.refunded), "note": order.note,
        # changed for the shopper (souk.assistant.actions): the new address, the returns and exchanges opened
        "shipping_address": dict(order.shipping_address) if order.shipping_address else None,
        "returns": [{"rma_id": r.id, "kind": r.kind, "status": r.status, "label_ref": r.label_ref,
                     "skus": [str(ln.get("sku")) for ln in r.lines], "refund_amount": _money(r.refund_amount)}
                    for r in snap.returns_of(order.id)],
    }


def product_dict(p: Product, currency: str) -> dict[str, Any]:
    """``price`` is in ``currency``, the store's."""
    return {
        "type": "product", "sku": p.sku, "category": p.category, "names": dict(p.names),
        "price": _money(p.price), "currency": currency, "description": p.description, "attributes": dict(p.attributes),
        "in_stock": p.in_stock, "stock": p.stock, "restock_date": _iso(p.restock_date),
        "warranty_months": p.warranty_months, "shipping_weight_kg": p.weight_kg,
    }


class CommerceTools:
    """The tool set of one turn: a snapshot, its product index and the caller."""

    def __init__(self, snap: StoreSnapshot, index: ProductIndex, caller: Caller,
                 faq_index: FaqIndex | None = None) -> None:
        self.snap = snap
        self.index = index
        self.caller = caller
        self.faq_index = faq_index

    # --- orders -------------------------------------------------------------------------------
    def _find(self, order_id: str) -> Order | None:
        """The order with this id as typed: exactly, else ignoring case ("nl-20417"), without a leading #."""
        oid = str(order_id).strip().lstrip("#")[:32]
        order = self.snap.order(oid)
        if order is None:
            folded = oid.casefold()
            order = next((o for o in self.snap.orders if o.id.casefold() == folded), None)
        return order

    def _reachable(self, order_id: str) -> Order | None:
        order = self._find(order_id)
        if order is None:
            return None
        if self.caller.customer_id is not None:
            return order if order.customer_id == self.caller.customer_id else None
        return order if order.id in self.caller.verified_orders else None

    def get_order(self, order_id: str, email: str | None = None) -> dict[str, Any]:
        oid = str(order_id).strip().lstrip("#")[:32]
        if self.caller.customer_id is None and oid not in self.caller.verified_orders:
            if not email:
                return {"found": False, "order_id": oid, "needs": "email",
                        "reason": "anonymous visitors must confirm the order's e-mail address"}
            order = self._find(oid)
            owner = self.snap.customer(order.customer_id) if order else None
            if order is None or owner is None or owner.email.casefold() != email.strip().casefold():
                return {"found": False, "order_id": oid, "reason": "no order with this id and e-mail"}
            self.caller.verified_orders.add(order.id)
        order = self._reachable(oid)
        if order is None:
            return {"found": False, "order_id": oid, "reason": "no such order on this account"}
        return {"found": True, "order": order_dict(order, self.snap)}

    def list_my_orders(self, limit: int = 5) -> dict[str, Any]:
        if self.caller.customer_id is None:
            orders = [o for o in self.snap.orders if o.id in self.caller.verified_orders]
            if not orders:
                return {"signed_in": False, "orders": []}
        else:
            orders = self.snap.orders_of(self.caller.customer_id)
        limit = max(1, min(int(limit), 20))
        return {"signed_in": self.caller.customer_id is not None,
                "orders": [order_dict(o, self.snap) for o in orders[:limit]], "total": len(orders)}

    # --- shipping, duties, policies -------------------------------------------------------------
    def shipping_info(self, country: str) -> dict[str, Any]:
        code = str(country).strip().upper()[:3]
        zone = self.snap.zone_for(code)
        if zone is None:
            return {"country": code, "ships": False, "ships_from": self.snap.merchant.ships_from,
                    "served_countries": [c for z in self.snap.shipping for c in z.countries]}
        return {"country": code, "ships": True, "zone": zone.region, "standard_days": list(zone.standard_days),
                "express_days": list(zone.express_days), "free_shipping_over": _money(zone.free_shipping_over),
                "standard_fee": _money(zone.standard_fee), "express_fee": _money(zone.express_fee),
                "currency": self.snap.merchant.currency, "ships_from": self.snap.merchant.ships_from}

    def duties_info(self, country: str) -> dict[str, Any]:
        """Every duty rule of the country's zone that names it (or the whole zone), in the zone's order; the
        first that matches an order's value applies to that order."""
        code = str(country).strip().upper()[:3]
        zone = self.snap.zone_for(code)
        if zone is None:
            return {"country": code, "ships": False}
        rules = [dict(r) for r in zone.duty_rules if not r.get("countries") or code in r["countries"]]
        return {"country": code, "ships": True, "zone": zone.region, "rules": rules, "duties": zone.duties,
                "currency": self.snap.merchant.currency}

    def return_policy(self, sku: str | None = None, opened: bool = False, used: bool = False,
                      seal_broken: bool = False, defect: str | None = None,
                      country: str | None = None, order_id: str | None = None) -> dict[str, Any]:
        """The store's return rules; with a SKU, whether that product may be returned in the case described;
        with one of the caller's orders, its return and exchange windows. ``country`` (the shopper's, else the
        order's destination) decides who pays return shipping."""
        rules = return_rules(self.snap)
        order = self._reachable(order_id) if order_id else None
        if order is not None and not country:
            country = order.country
        code = str(country).strip().upper()[:3] if country else None
        region = region_of(self.snap, code)
        product = self.snap.product(str(sku).strip()[:32]) if sku else None
        out: dict[str, Any] = {
            "window_days": rules.window_days, "exchange_window_days": rules.exchange_window_days,
            "refund_days_after_receipt": rules.refund_days_after_receipt,
            "restocking_fee_pct": str(rules.restocking_fee_pct),
            "restocking_fee_categories": list(rules.restocking_fee_categories or []) or None,
            "non_returnable": [{"category": r.category, "skus": list(r.skus), "when": r.when, "unless": r.unless,
                                "reason": r.reason} for r in rules.non_returnable],
            "free_label_regions": list(rules.free_label_regions),
            "country": code, "region": region, "free_label": region in rules.free_label_regions if region else None,
            "return_shipping_paid_by": rules.shipping_payer(region) if region else None,
            "store_pays_when": list(rules.store_pays_when), "condition": self.snap.policies.returns.condition,
            "sku": product.sku if product else None,
        }
        if product is not None:
            check = check_return(self.snap, product, opened=opened, used=used, seal_broken=seal_broken,
                                 defect=defect if defect in ("defective", "wrong_item") else None, country=code)
            rule = check.rule
            out.update(category=product.category, returnable=check.returnable, refusal=check.reason,
                       restocking_fee=_money(check.restocking_fee),
                       rule=None if rule is None else {"when": rule.when, "unless": rule.unless,
                                                       "reason": rule.reason})
        if order_id:
            out["order"] = self._order_returns(order) if order is not None else {"found": False}
        return out

    def _order_returns(self, order: Order) -> dict[str, Any]:
        window: ReturnCheck | None = None
        for line in order.lines:
            product = self.snap.product(line.sku)
            if product is not None:
                window = check_return(self.snap, product, order=order)
                if window.reason != "non_returnable":
                    break
        exchange_ok, exchange_why = exchange_allowed(self.snap, order)
        delivered = order.delivered_on
        exchange_until = (delivered + dt.timedelta(days=return_rules(self.snap).exchange_window_days)
                          if delivered else None)
        reason = window.reason if window is not None else None
        fees = []
        for line in order.lines:
            product = self.snap.product(line.sku)
            check = check_return(self.snap, product, order=order) if product is not None else None
            if check is not None and check.restocking_fee > 0:
                fees.append({"sku": line.sku, "qty": line.qty, "restocking_fee": _money(check.restocking_fee),
                             "refund": _money(line.unit_price - check.restocking_fee)})
        return {"found": True, "order_id": order.id, "status": order.status.value, "fees": fees,
                "window": None if reason == "non_returnable" else reason,
                "deadline": _iso(window.deadline) if window else None,
                "days_left": window.days_left if window else None,
                "exchange_allowed": exchange_ok, "exchange_refusal": exchange_why,
                "exchange_deadline": _iso(exchange_until)}

    def warranty_info(self, sku: str | None = None) -> dict[str, Any]:
        """A product's warranty in months (None: the store states none), or the store's warranty table."""
        product = self.snap.product(str(sku).strip()[:32]) if sku else None
        table = self.snap.policies.extra.get("warranty_months") or {}
        own = sorted({int(p.attributes["warranty_months"]) for p in self.snap.products
                      if p.attributes.get("warranty_months") is not None})
        return {"policy": self.snap.policies.warranty, "sku": product.sku if product else None,
                "warranty_months": warranty_months(self.snap, product) if product else None,
                "category": product.category if product else None,
                "default_months": table.get("default"), "by_category": dict(table.get("by_category") or {}),
                "product_months": [own[0], own[-1]] if own else None}

    def payment_methods(self, country: str | None = None) -> dict[str, Any]:
        code = str(country).strip().upper()[:3] if country else None
        return {"country": code, "methods": methods_for(self.snap.policies.payment_methods, code)}

    # --- catalog ----------------------------------------------------------------------------------
    def search_products(self, query: str, max_price: float | str | None = None, limit: int = 3) -> dict[str, Any]:
        cap = Decimal(str(max_price)) if max_price not in (None, "") else None
        matches = self.index.search(str(query)[:MAX_ARG_CHARS], max_price=cap, limit=max(1, min(int(limit), 10)))
        return {"query": str(query)[:MAX_ARG_CHARS], "max_price": _money(cap),
                "products": [product_dict(m.product, self.snap.merchant.currency) for m in matches]}

    def product_info(self, sku: str) -> dict[str, Any]:
        p = self.snap.product(str(sku).strip().upper()[:32])
        return {"found": False, "sku": str(sku)[:32]} if p is None else {"found": True, "product": product_dict(p, self.snap.merchant.currency)}

    def stock_info(self, sku: str) -> dict[str, Any]:
        p = self.snap.product(str(sku).strip().upper()[:32])
        if p is None:
            return {"found": False, "sku": str(sku)[:32]}
        return {"found": True, "sku": p.sku, "names": dict(p.names), "in_stock": p.in_stock, "stock": p.stock,
                "restock_date": _iso(p.restock_date)}

    def faq(self, topic: str | None = None, query: str | None = None, intent: str | None = None,
            lang: str | None = None, threshold: float | None = None) -> dict[str, Any]:
        """One FAQ entry: by its topic id, by the free-text intent it covers, or the closest to ``query``."""
        entry = None
        score = None
        if topic:
            entry = next((f for f in self.snap.faq if f.topic == topic), None)
        elif self.faq_index is not None and intent:
            entry = self.faq_index.for_intent(intent, str(query or "")[:MAX_ARG_CHARS])
        elif self.faq_index is not None and query:
            hit = self.faq_index.best(str(query)[:MAX_ARG_CHARS], threshold=float(threshold or FAQ_MATCH))
            entry, score = (hit.entry, round(hit.score, 3)) if hit else (None, None)
        elif intent:
            entry = next((f for f in self.snap.faq if topic_words(f.topic) & _intent_words(intent)), None)
        if entry is None:
            return {"found": False, "topic": topic, "answer": None}
        primary = self.snap.merchant.languages[0] if self.snap.merchant.languages else "en"
        text, language = answer_in(entry, lang or primary, primary)
        return {"found": True, "topic": entry.topic, "answer": text, "language": language, "score": score}

    # --- escalation -------------------------------------------------------------------------------
    def handoff_to_human(self, reason: str, summary: str = "") -> dict[str, Any]:
        hours = support_hours(self.snap)
        now = dt.datetime.now(dt.UTC)
        return {"handoff": "human", "reason": str(reason)[:80], "summary": str(summary)[:500],
                "support_hours": self.snap.policies.support_hours,
                "people_available_now": hours.open_at(now) if hours else None}

    def offer_video_consultation(self, sku: str | None = None, reason: str = "see_product") -> dict[str, Any]:
        p = self.snap.product(str(sku).strip()[:32]) if sku else None
        offer = self.faq(intent="video")
        return {"handoff": "video", "reason": str(reason)[:80], "sku": p.sku if p else None,
                "eligible": p is None or video_eligible(p, self.snap.products, offer.get("answer") or ""),
                "store_says": offer.get("answer")}

    def registry(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {name: getattr(self, name) for name in TOOL_NAMES}


def _intent_words(intent: str) -> frozenset[str]:
    return frozenset().union(*(INTENT_TOPICS.get(i, frozenset()) for i in intent.split("+")))


TOOL_NAMES = ("get_order", "list_my_orders", "shipping_info", "duties_info", "return_policy", "warranty_info",
              "search_products", "product_info", "stock_info", "payment_methods", "handoff_to_human",
              "offer_video_consultation", "faq")
