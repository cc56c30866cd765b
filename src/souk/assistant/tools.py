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

from souk.assistant.catalog import ProductIndex, is_high_value
from souk.assistant.payments import methods_for
from souk.domain.models import Order, Product
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
    }


def product_dict(p: Product, currency: str) -> dict[str, Any]:
    """``price`` is in ``currency``, the store's."""
    return {
        "type": "product", "sku": p.sku, "category": p.category, "names": dict(p.names),
        "price": _money(p.price), "currency": currency, "description": p.description, "attributes": dict(p.attributes),
        "in_stock": p.in_stock, "stock": p.stock, "restock_date": _iso(p.restock_date),
        "warranty_months": p.warranty_months, "high_value": is_high_value(p),
        "shipping_weight_kg": p.weight_kg,
    }


class CommerceTools:
    """The tool set of one turn: a snapshot, its product index and the caller."""

    def __init__(self, snap: StoreSnapshot, index: ProductIndex, caller: Caller) -> None:
        self.snap = snap
        self.index = index
        self.caller = caller

    # --- orders -------------------------------------------------------------------------------
    def _reachable(self, order_id: str) -> Order | None:
        order = self.snap.order(str(order_id).strip().lstrip("#")[:32])
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
            order = self.snap.order(oid)
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
            return {"country": code, "ships": False, "ships_from": self.snap.merchant.ships_from}
        return {"country": code, "ships": True, "zone": zone.region, "standard_days": list(zone.standard_days),
                "express_days": list(zone.express_days), "free_shipping_over": _money(zone.free_shipping_over),
                "currency": self.snap.merchant.currency, "ships_from": self.snap.merchant.ships_from}

    def duties_info(self, country: str) -> dict[str, Any]:
        code = str(country).strip().upper()[:3]
        zone = self.snap.zone_for(code)
        if zone is None:
            return {"country": code, "ships": False}
        return {"country": code, "ships": True, "zone": zone.region, "duties": zone.duties,
                "mode": _duty_mode(code, zone.duties)}

    def return_policy(self, sku: str | None = None, category: str | None = None,
                      opened: bool = False) -> dict[str, Any]:
        r = self.snap.policies.returns
        product = self.snap.product(sku) if sku else None
        cat = product.category if product else (category or None)
        exception = None
        if cat == "beauty" and opened:
            exception = "opened_beauty"
        elif cat == "jewelry" and product is not None and "earring" in product.name("en").lower():
            exception = "pierced_earrings"
        return {"window_days": r.window_days, "condition": r.condition,
                "free_return_label_regions": list(r.free_return_label_regions), "other_regions": r.other_regions,
                "refund_days_after_receipt": r.refund_days_after_receipt, "exchange": r.exchange,
                "sku": product.sku if product else None, "category": cat, "exception": exception,
                "returnable": exception is None}

    def warranty_info(self, sku: str | None = None) -> dict[str, Any]:
        product = self.snap.product(sku) if sku else None
        months = product.warranty_months if product else None
        if product is not None and months is None and product.category == "jewelry":
            months = 12
        return {"policy": self.snap.policies.warranty, "sku": product.sku if product else None,
                "warranty_months": months, "category": product.category if product else None}

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

    def faq(self, topic: str) -> dict[str, Any]:
        return {"topic": topic, "answer": self.snap.faq_answer(topic)}

    # --- escalation -------------------------------------------------------------------------------
    def handoff_to_human(self, reason: str, summary: str = "") -> dict[str, Any]:
        return {"handoff": "human", "reason": str(reason)[:80], "summary": str(summary)[:500],
                "support_hours": self.snap.policies.support_hours}

    def offer_video_consultation(self, sku: str | None = None, reason: str = "see_product") -> dict[str, Any]:
        p = self.snap.product(sku) if sku else None
        return {"handoff": "video", "reason": str(reason)[:80], "sku": p.sku if p else None,
                "eligible": p is None or is_high_value(p)}

    def registry(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {name: getattr(self, name) for name in TOOL_NAMES}


def _duty_mode(code: str, text: str) -> str:
    low = text.lower()
    if code == "US" and "duty-free" in low:
        return "duty_free_under_threshold"
    if code == "ID" and "on delivery" in low:
        return "ddu_over_threshold"
    if "(ddu)" in low or "collected by local customs" in low:
        return "ddu"
    if "vat is included" in low or "included in the price" in low:
        return "included"
    if "(ddp)" in low or "prepaid" in low:
        return "ddp"
    return "ddu" if "duty on delivery" in low or "taxes on delivery" in low else "ddp"


TOOL_NAMES = ("get_order", "list_my_orders", "shipping_info", "duties_info", "return_policy", "warranty_info",
              "search_products", "product_info", "stock_info", "payment_methods", "handoff_to_human",
              "offer_video_consultation")
