"""The whole store as one immutable snapshot, with the look-ups the rest of Souk needs.

``parse_store`` turns the demo JSON (or any store export of the same shape) into records; it never
reads files itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from souk.core.errors import BadRequest
from souk.domain.models import (
    Customer,
    FaqEntry,
    Merchant,
    Order,
    OrderLine,
    OrderStatus,
    Policies,
    Product,
    ReturnPolicy,
    ReturnRecord,
    ShippingZone,
)


@dataclass(frozen=True, slots=True)
class StoreSnapshot:
    merchant: Merchant
    products: tuple[Product, ...]
    customers: tuple[Customer, ...]
    orders: tuple[Order, ...]
    shipping: tuple[ShippingZone, ...]
    policies: Policies
    faq: tuple[FaqEntry, ...]
    as_of: dt.date
    returns: tuple[ReturnRecord, ...] = ()  # returns and exchanges started (storage keeps them; a file has none)

    def product(self, sku: str) -> Product | None:
        return next((p for p in self.products if p.sku == sku), None)

    def customer(self, customer_id: str) -> Customer | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    def order(self, order_id: str) -> Order | None:
        return next((o for o in self.orders if o.id == order_id), None)

    def returns_of(self, order_id: str) -> list[ReturnRecord]:
        return [r for r in self.returns if r.order_id == order_id]

    def orders_of(self, customer_id: str) -> list[Order]:
        return sorted((o for o in self.orders if o.customer_id == customer_id),
                      key=lambda o: o.placed_on, reverse=True)

    def zone_for(self, country: str) -> ShippingZone | None:
        code = country.upper()
        return next((z for z in self.shipping if code in z.countries), None)

    def faq_answer(self, topic: str) -> str | None:
        return next((f.answer for f in self.faq if f.topic == topic), None)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRequest(f"bad date {value!r}", code="bad_store_data") from exc


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


RETURN_KEYS = frozenset({"window_days", "condition", "free_return_label_regions", "other_regions",
                         "refund_days_after_receipt", "exchange"})
POLICY_KEYS = frozenset({"returns", "warranty", "payment_methods", "price_match", "support_hours", "live_shopping"})


def parse_store(data: Mapping[str, Any]) -> StoreSnapshot:
    """Parse a store file (STORE_FORMAT.md; the shape of shared/fixtures/demo_store.json). Money keys carry
    the store currency's suffix (``price_usd`` in a USD store). Check the file first with
    ``souk.domain.storecheck.check_store`` to get every problem with its path; this raises on the first."""
    try:
        s = data["store"]
        merchant = Merchant(
            id=s["id"], name=s["name"], ships_from=s.get("ships_from", ""), currency=s["currency"],
            languages=tuple(s.get("languages", ["en"])), timezone=s.get("timezone") or "UTC",
            country=s.get("country") or "",
        )
        cur = "_" + merchant.currency.lower()
        products = tuple(
            Product(
                sku=p["sku"], category=p["category"], price=_money(p["price" + cur]),
                weight_kg=float(p.get("weight_kg") or 0), names=dict(p.get("names") or {}),
                description=p.get("description") or "", attributes=dict(p.get("attributes") or {}),
                stock=int(p.get("stock") or 0), restock_date=_date(p.get("restock_date")),
            )
            for p in data.get("products", [])
        )
        customers = tuple(
            Customer(id=c["id"], name=c["name"], email=c["email"], country=c["country"],
                     language=c.get("language") or "en", vip=bool(c.get("vip", False)))
            for c in data.get("customers") or []
        )
        orders = tuple(_order(o, cur) for o in data.get("orders") or [])
        shipping = tuple(_zone(z, cur) for z in data.get("shipping", []))
        pol = data["policies"]
        r = pol["returns"]
        policies = Policies(
            returns=ReturnPolicy(
                window_days=int(r["window_days"]), condition=r.get("condition") or "",
                free_return_label_regions=tuple(r.get("free_return_label_regions") or []),
                other_regions=r.get("other_regions") or "",
                refund_days_after_receipt=int(r.get("refund_days_after_receipt") or 0),
                exchange=r.get("exchange") or "",
                extra={k: v for k, v in r.items() if k not in RETURN_KEYS},
            ),
            warranty=pol.get("warranty") or "", payment_methods=tuple(pol.get("payment_methods", [])),
            price_match=pol.get("price_match") or "", support_hours=pol.get("support_hours") or "",
            live_shopping=pol.get("live_shopping") or "",
            extra={k: v for k, v in pol.items() if k not in POLICY_KEYS},
        )
        faq = tuple(FaqEntry(topic=f["topic"], answer=f["answer"], answers=dict(f.get("answers") or {}))
                    for f in data.get("faq") or [])
        as_of = _date(data.get("as_of")) or dt.date.today()
    except (KeyError, TypeError, ValueError, IndexError, ArithmeticError) as exc:
        if isinstance(exc, BadRequest):
            raise
        raise BadRequest(f"store data is malformed: {exc!r}", code="bad_store_data") from exc
    return StoreSnapshot(merchant, products, customers, orders, shipping, policies, faq, as_of)


def _zone(z: Mapping[str, Any], cur: str) -> ShippingZone:
    def fee(key: str) -> Decimal | None:
        return _money(z[key + cur]) if z.get(key + cur) is not None else None

    return ShippingZone(
        region=z["region"], countries=tuple(z["countries"]),
        standard_days=(int(z["standard_days"][0]), int(z["standard_days"][1])),
        express_days=(int(z["express_days"][0]), int(z["express_days"][1])),
        free_shipping_over=_money(z["free_shipping_over" + cur]), duties=z.get("duties") or "",
        standard_fee=fee("standard_fee"), express_fee=fee("express_fee"),
        duty_rules=tuple(dict(rule) for rule in z.get("duty_rules") or []),
    )


def _order(o: Mapping[str, Any], cur: str) -> Order:
    eta = o.get("estimated_delivery")
    return Order(
        id=str(o["id"]), customer_id=o["customer_id"], placed_on=_date(o["placed_on"]) or dt.date.today(),
        status=OrderStatus.parse(o["status"]), shipping_method=o.get("shipping_method") or "standard",
        country=o["country"],
        lines=tuple(OrderLine(sku=ln["sku"], qty=int(ln["qty"]), unit_price=_money(ln["unit_price" + cur]))
                    for ln in o.get("lines", [])),
        subtotal=_money(o["subtotal" + cur]), shipping=_money(o.get("shipping" + cur) or 0),
        total=_money(o["total" + cur]), currency_paid=o.get("currency_paid") or cur[1:].upper(),
        shipped_on=_date(o.get("shipped_on")), delivered_on=_date(o.get("delivered_on")),
        carrier=o.get("carrier"), tracking_number=o.get("tracking_number"),
        estimated_delivery=(_date(eta[0]), _date(eta[1])) if eta else None,  # type: ignore[arg-type]
        refund_status=o.get("refund_status"),
        refunded=_money(o["refunded" + cur]) if o.get("refunded" + cur) is not None else None,
        note=o.get("note"),
    )
