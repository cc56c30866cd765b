"""Typed view of a store file's structured policy fields (STORE_FORMAT.md, ``policies``).

``domain/store.py`` keeps the keys it does not model in ``policies.returns.extra`` and ``policies.extra``;
this module reads them, applies the format's defaults, and answers the questions the assistant and the
order actions ask: may this item be returned (and at what cost), may this order be exchanged, how long is
a product's warranty, are people answering support now. Pure: the caller passes ``today`` / the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from souk.domain.models import Order, OrderStatus, Product
from souk.domain.store import StoreSnapshot

CENT = Decimal("0.01")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.OUT_FOR_DELIVERY,
                      OrderStatus.CUSTOMS_HOLD})


@dataclass(frozen=True, slots=True)
class NonReturnable:
    """Items that cannot be returned: those of ``category`` or listed in ``skus``, when ``when`` holds
    (None = always), except in the ``unless`` case; ``reason`` is how to word it."""

    category: str | None
    skus: tuple[str, ...]
    when: str | None  # None | "opened" | "seal_broken" | "used"
    unless: str | None  # None | "defective" | "wrong_item"
    reason: str | None  # None | "hygiene" | "safety" | "final_sale" | "custom_made"

    def matches(self, product: Product) -> bool:
        return (self.category is not None and product.category == self.category) or product.sku in self.skus


@dataclass(frozen=True, slots=True)
class ReturnRules:
    window_days: int
    exchange_window_days: int
    refund_days_after_receipt: int
    non_returnable: tuple[NonReturnable, ...]
    restocking_fee_pct: Decimal
    restocking_fee_categories: tuple[str, ...] | None  # None = every category
    free_label_regions: tuple[str, ...]
    paid_by_default: str  # "customer" | "store"
    paid_by_region: Mapping[str, str]
    store_pays_when: tuple[str, ...]  # of "defective", "wrong_item"

    def rule_for(self, product: Product) -> NonReturnable | None:
        """The first non-returnable rule naming this product (whether or not its condition holds)."""
        return next((r for r in self.non_returnable if r.matches(product)), None)

    def fee_applies_to(self, category: str) -> bool:
        if self.restocking_fee_pct <= 0:
            return False
        return self.restocking_fee_categories is None or category in self.restocking_fee_categories

    def shipping_payer(self, region: str | None, defect: str | None = None) -> str:
        """Who pays return shipping from ``region`` (None = unknown region: the default)."""
        if defect is not None and defect in self.store_pays_when:
            return "store"
        if region is not None and region in self.paid_by_region:
            return self.paid_by_region[region]
        return self.paid_by_default


def return_rules(snap: StoreSnapshot) -> ReturnRules:
    r = snap.policies.returns
    extra: Mapping[str, Any] = r.extra or {}
    paid_by: Mapping[str, Any] = extra.get("return_shipping_paid_by") or {}
    labels = tuple(str(x) for x in r.free_return_label_regions)
    by_region = paid_by.get("by_region")
    categories = extra.get("restocking_fee_categories")
    exchange_days = extra.get("exchange_window_days")
    return ReturnRules(
        window_days=int(r.window_days),
        exchange_window_days=int(exchange_days) if exchange_days is not None else int(r.window_days),
        refund_days_after_receipt=int(r.refund_days_after_receipt),
        non_returnable=tuple(_non_returnable(x) for x in extra.get("non_returnable") or ()),
        restocking_fee_pct=Decimal(str(extra.get("restocking_fee_pct") or 0)),
        restocking_fee_categories=tuple(str(c) for c in categories) if categories is not None else None,
        free_label_regions=labels,
        paid_by_default=str(paid_by.get("default") or "customer"),
        paid_by_region=({str(k): str(v) for k, v in by_region.items()} if by_region is not None
                        else {region: "store" for region in labels}),
        store_pays_when=tuple(str(x) for x in paid_by.get("store_pays_when") or ()),
    )


def _non_returnable(raw: Mapping[str, Any]) -> NonReturnable:
    return NonReturnable(category=raw.get("category"), skus=tuple(str(s) for s in raw.get("skus") or ()),
                         when=raw.get("when"), unless=raw.get("unless"), reason=raw.get("reason"))


def region_of(snap: StoreSnapshot, country: str | None) -> str | None:
    """The shipping zone (region) of ``country``, None when not given or not served."""
    zone = snap.zone_for(country) if country else None
    return zone.region if zone else None


@dataclass(frozen=True, slots=True)
class ReturnCheck:
    """Whether one item may be returned. ``rule`` is the product's non-returnable rule when it has one,
    also when its condition does not hold for this return (so a reply can say "unless opened")."""

    returnable: bool
    reason: str | None  # None | "window_passed" | "non_returnable" | "not_delivered" | "already_returned" | "cancelled"
    rule: NonReturnable | None
    days_left: int | None
    deadline: dt.date | None
    restocking_fee: Decimal  # kept from the refund of one unit; 0 when defective/wrong_item or not charged
    return_shipping_paid_by: str  # "customer" | "store"
    free_label: bool


def _condition_holds(when: str | None, *, opened: bool, seal_broken: bool, used: bool) -> bool:
    if when is None:
        return True
    if when == "opened":
        return opened or seal_broken or used
    if when == "seal_broken":
        return seal_broken
    if when == "used":
        return used
    return True  # an unknown condition: the stricter reading


def check_return(snap: StoreSnapshot, product: Product, *, order: Order | None = None, opened: bool = False,
                 seal_broken: bool = False, used: bool = False, defect: str | None = None,
                 today: dt.date | None = None, country: str | None = None) -> ReturnCheck:
    """May ``product`` (a line of ``order``, or the product in general when ``order`` is None) be returned?

    ``defect`` is None, ``"defective"`` or ``"wrong_item"``. ``country`` (the shopper's) gives the region
    for return shipping when there is no order; an order's destination wins.
    """
    rules = return_rules(snap)
    today = today or snap.as_of
    region = region_of(snap, order.country if order is not None else country)
    rule = rules.rule_for(product)
    reason: str | None = None
    days_left: int | None = None
    deadline: dt.date | None = None
    if order is not None:
        if order.status is OrderStatus.CANCELLED:
            reason = "cancelled"
        elif order.status in (OrderStatus.RETURNED, OrderStatus.REFUNDED) or order.refund_status == "refunded":
            reason = "already_returned"
        elif order.status is not OrderStatus.DELIVERED or order.delivered_on is None:
            reason = "not_delivered"
        else:
            deadline = order.delivered_on + dt.timedelta(days=rules.window_days)
            days_left = (deadline - today).days
            if days_left < 0:
                reason = "window_passed"
    if (reason is None and rule is not None and (rule.unless is None or rule.unless != defect)
            and _condition_holds(rule.when, opened=opened, seal_broken=seal_broken, used=used)):
        reason = "non_returnable"
    price = product.price
    if order is not None:
        price = next((ln.unit_price for ln in order.lines if ln.sku == product.sku), price)
    fee = Decimal(0)
    if reason is None and defect is None and rules.fee_applies_to(product.category):
        fee = (price * rules.restocking_fee_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return ReturnCheck(
        returnable=reason is None, reason=reason, rule=rule, days_left=days_left, deadline=deadline,
        restocking_fee=fee, return_shipping_paid_by=rules.shipping_payer(region, defect),
        free_label=region is not None and region in rules.free_label_regions,
    )


def exchange_allowed(snap: StoreSnapshot, order: Order, today: dt.date | None = None) -> tuple[bool, str | None]:
    """(allowed, refusal): refusal is "cancelled", "already_returned", "not_delivered" or "window_passed"."""
    today = today or snap.as_of
    if order.status is OrderStatus.CANCELLED:
        return False, "cancelled"
    if order.status in (OrderStatus.RETURNED, OrderStatus.REFUNDED) or order.refund_status == "refunded":
        return False, "already_returned"
    if order.status is not OrderStatus.DELIVERED or order.delivered_on is None:
        return False, "not_delivered"
    deadline = order.delivered_on + dt.timedelta(days=return_rules(snap).exchange_window_days)
    return (True, None) if today <= deadline else (False, "window_passed")


def order_in_transit(order: Order) -> bool:
    return order.status in _SHIPPED


def warranty_months(snap: StoreSnapshot, product: Product) -> int | None:
    """``attributes.warranty_months`` > ``warranty_months.by_category`` > ``default``; None = none stated."""
    own = product.attributes.get("warranty_months")
    if own is not None:
        return int(own)
    table: Mapping[str, Any] = snap.policies.extra.get("warranty_months") or {}
    by_category: Mapping[str, Any] = table.get("by_category") or {}
    if by_category.get(product.category) is not None:
        return int(by_category[product.category])
    default = table.get("default")
    return int(default) if default is not None else None


@dataclass(frozen=True, slots=True)
class SupportHours:
    """When people answer (``start``-``end`` on the clock ``utc_offset``, on ``days``). ``end <= start``
    means the shift runs past midnight (or all day when equal); the part after midnight belongs to the
    day the shift started."""

    start: dt.time
    end: dt.time
    utc_offset: dt.timedelta
    days: frozenset[str]

    def _local(self, when_utc: dt.datetime) -> dt.datetime:
        if when_utc.tzinfo is not None:
            when_utc = when_utc.astimezone(dt.UTC).replace(tzinfo=None)
        return when_utc + self.utc_offset

    def open_at(self, when_utc: dt.datetime) -> bool:
        local = self._local(when_utc)
        now, day = local.time(), WEEKDAYS[local.weekday()]
        if self.start < self.end:
            return day in self.days and self.start <= now < self.end
        if now >= self.start:
            return day in self.days
        return now < self.end and WEEKDAYS[(local.weekday() - 1) % 7] in self.days

    def next_open(self, when_utc: dt.datetime) -> dt.datetime:
        """The first moment at or after ``when_utc`` when people answer (an aware UTC datetime)."""
        aware = when_utc if when_utc.tzinfo is not None else when_utc.replace(tzinfo=dt.UTC)
        if self.open_at(aware):
            return aware.astimezone(dt.UTC)
        local = self._local(aware)
        for ahead in range(8):
            date = local.date() + dt.timedelta(days=ahead)
            start = dt.datetime.combine(date, self.start)
            if start >= local and WEEKDAYS[date.weekday()] in self.days:
                return (start - self.utc_offset).replace(tzinfo=dt.UTC)
        raise ValueError("support hours name no working day")

    @property
    def offset_text(self) -> str:
        """The offset as ``+HH:MM`` (how the store wrote it)."""
        minutes = int(self.utc_offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def support_hours(snap: StoreSnapshot) -> SupportHours | None:
    """``policies.support`` parsed; None when the store gave no structured hours (or they do not parse)."""
    raw = snap.policies.extra.get("support")
    if not isinstance(raw, Mapping):
        return None
    hours = _HOURS.match(str(raw.get("human_hours") or ""))
    offset = _OFFSET.match(str(raw.get("utc_offset") or ""))
    if hours is None or offset is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in hours.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    delta = dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
    days_raw = raw.get("days", "daily")
    if days_raw in (None, "daily"):
        days = frozenset(WEEKDAYS)
    else:
        days = frozenset(str(d) for d in days_raw if str(d) in WEEKDAYS)
        if not days:
            return None
    return SupportHours(start=dt.time(h1, m1), end=dt.time(h2 % 24, m2), days=days,
                        utc_offset=-delta if offset.group(1) == "-" else delta)
