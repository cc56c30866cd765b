"""Frozen domain records. Money is Decimal in the merchant's currency (``Merchant.currency``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any


class OrderStatus(str, Enum):
    PENDING = "pending"  # created, not paid yet (live checkout before payment)
    PROCESSING = "processing"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"
    CUSTOMS_HOLD = "customs_hold"
    LOST = "lost"
    EXCEPTION = "exception"

    @classmethod
    def parse(cls, value: str) -> OrderStatus:
        try:
            return cls(value)
        except ValueError:
            return cls.EXCEPTION


@dataclass(frozen=True, slots=True)
class Merchant:
    id: str
    name: str
    ships_from: str
    currency: str  # ISO 4217: every amount of this merchant (prices, orders, sales, carts) is in it
    languages: tuple[str, ...]
    timezone: str
    region: str = ""  # where the merchant operates (operator's label, e.g. "eu" or "mx"), set at onboarding
    country: str = ""  # the seller's country (ISO 3166-1 alpha-2), "" when not given


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    category: str
    price: Decimal
    weight_kg: float
    names: dict[str, str]
    description: str
    attributes: dict[str, Any]
    stock: int
    restock_date: dt.date | None = None

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names.get("en") or self.sku

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def warranty_months(self) -> int | None:
        value = self.attributes.get("warranty_months")
        return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    email: str
    country: str
    language: str
    vip: bool = False


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    qty: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.qty


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    customer_id: str
    placed_on: dt.date
    status: OrderStatus
    shipping_method: str
    country: str
    lines: tuple[OrderLine, ...]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    currency_paid: str
    shipped_on: dt.date | None = None
    delivered_on: dt.date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    estimated_delivery: tuple[dt.date, dt.date] | None = None
    refund_status: str | None = None
    refunded: Decimal | None = None
    note: str | None = None
    # where it goes, once the shopper changed it before dispatch ({"text": ..., "country": ...}); None: as placed
    shipping_address: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ShippingZone:
    region: str
    countries: tuple[str, ...]
    standard_days: tuple[int, int]
    express_days: tuple[int, int]
    free_shipping_over: Decimal
    duties: str
    standard_fee: Decimal | None = None  # flat fee per order when not free; None = not stated by the store
    express_fee: Decimal | None = None
    # the structured duty rules of STORE_FORMAT.md, as written in the store file (checked by storecheck)
    duty_rules: tuple[dict[str, Any], ...] = ()

    def days(self, method: str) -> tuple[int, int]:
        return self.express_days if method == "express" else self.standard_days


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    window_days: int
    condition: str
    free_return_label_regions: tuple[str, ...]
    other_regions: str
    refund_days_after_receipt: int
    exchange: str
    # the structured return rules of STORE_FORMAT.md (non_returnable, exchange_window_days, restocking fee,
    # return_shipping_paid_by...), as written in the store file
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Policies:
    returns: ReturnPolicy
    warranty: str
    payment_methods: tuple[str, ...]
    price_match: str
    support_hours: str
    live_shopping: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    topic: str
    answer: str
    answers: dict[str, str] = field(default_factory=dict)  # translations by language


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    """A return or exchange started on an order (an RMA). ``lines``: ``{sku, qty, ...}`` as requested; an
    exchange's line also names the attribute and the values (``attribute``, ``from``, ``to``)."""

    id: str
    order_id: str
    kind: str  # return | exchange
    lines: tuple[dict[str, Any], ...]
    refund_amount: Decimal
    fee: Decimal
    label_ref: str | None
    status: str  # requested | received | refunded | cancelled
    created_at: dt.datetime
