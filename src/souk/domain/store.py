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

    def product(self, sku: str) -> Product | None:
        return next((p for p in self.products if p.sku == sku), None)

    def customer(self, customer_id: str) -> Customer | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    def order(self, order_id: str) -> Order | None:
        return next((o for o in self.orders if o.id == order_id), None)

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


def parse_store(data: Mapping[str, Any]) -> StoreSnapshot:
    """Parse a store export (the shape of shared/fixtures/demo_store.json)."""
    try:
        s = data["store"]
        merchant = Merchant(
            id=s["id"], name=s["name"], ships_from=s.get("ships_from", ""), currency=s.get("currency", "USD"),
            languages=tuple(s.get("languages", ["en"])), timezone=s.get("timezone", "UTC"),
        )
        products = tuple(
            Product(
                sku=p["sku"], category=p["category"], price=_money(p["price_usd"]),
                weight_kg=float(p.get("weight_kg", 0)), names=dict(p.get("names", {})),
                description=p.get("description", ""), attributes=dict(p.get("attributes", {})),
                stock=int(p.get("stock", 0)), restock_date=_date(p.get("restock_date")),
            )
            for p in data.get("products", [])
        )
        customers = tuple(
            Customer(id=c["id"], name=c["name"], email=c["email"], country=c["country"],
                     language=c.get("language", "en"), vip=bool(c.get("vip", False)))
            for c in data.get("customers", [])
        )
        orders = tuple(_order(o) for o in data.get("orders", []))
        shipping = tuple(
            ShippingZone(
                region=z["region"], countries=tuple(z["countries"]),
                standard_days=(int(z["standard_days"][0]), int(z["standard_days"][1])),
                express_days=(int(z["express_days"][0]), int(z["express_days"][1])),
                free_shipping_over=_money(z["free_shipping_over_usd"]), duties=z.get("duties", ""),
            )
            for z in data.get("shipping", [])
        )
        pol = data["policies"]
        r = pol["returns"]
        known = {"returns", "warranty", "payment_methods", "price_match", "support_hours", "live_shopping"}
        policies = Policies(
            returns=ReturnPolicy(
                window_days=int(r["window_days"]), condition=r.get("condition", ""),
                free_return_label_regions=tuple(r.get("free_return_label_regions", [])),
                other_regions=r.get("other_regions", ""),
                refund_days_after_receipt=int(r.get("refund_days_after_receipt", 0)),
                exchange=r.get("exchange", ""),
            ),
            warranty=pol.get("warranty", ""), payment_methods=tuple(pol.get("payment_methods", [])),
            price_match=pol.get("price_match", ""), support_hours=pol.get("support_hours", ""),
            live_shopping=pol.get("live_shopping", ""),
            extra={k: v for k, v in pol.items() if k not in known},
        )
        faq = tuple(FaqEntry(topic=f["topic"], answer=f["answer"]) for f in data.get("faq", []))
        as_of = _date(data.get("as_of")) or dt.date.today()
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, BadRequest):
            raise
        raise BadRequest(f"store data is malformed: {exc!r}", code="bad_store_data") from exc
    return StoreSnapshot(merchant, products, customers, orders, shipping, policies, faq, as_of)


def _order(o: Mapping[str, Any]) -> Order:
    eta = o.get("estimated_delivery")
    return Order(
        id=str(o["id"]), customer_id=o["customer_id"], placed_on=_date(o["placed_on"]) or dt.date.today(),
        status=OrderStatus.parse(o["status"]), shipping_method=o.get("shipping_method", "standard"),
        country=o["country"],
        lines=tuple(OrderLine(sku=ln["sku"], qty=int(ln["qty"]), unit_price=_money(ln["unit_price_usd"]))
                    for ln in o.get("lines", [])),
        subtotal=_money(o["subtotal_usd"]), shipping=_money(o.get("shipping_usd", 0)),
        total=_money(o["total_usd"]), currency_paid=o.get("currency_paid", "USD"),
        shipped_on=_date(o.get("shipped_on")), delivered_on=_date(o.get("delivered_on")),
        carrier=o.get("carrier"), tracking_number=o.get("tracking_number"),
        estimated_delivery=(_date(eta[0]), _date(eta[1])) if eta else None,  # type: ignore[arg-type]
        refund_status=o.get("refund_status"),
        refunded=_money(o["refunded_usd"]) if o.get("refunded_usd") is not None else None,
        note=o.get("note"),
    )
