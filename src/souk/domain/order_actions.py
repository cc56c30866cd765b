"""What an action may do on one order, before anything is written: a pure quote from the store snapshot.

A quote names the order, whether it is allowed and, when not, why (``refusal``, one of ``REFUSALS``), and
exactly what would happen: the items, the refund (amount and method), the fee kept, whether a return label
comes with it, and the action's own details (the new address, the exchange's variant, the tracking number).
Only the caller's own orders are quoted: a signed-in customer's, or orders an anonymous shopper proved with
the order's e-mail (``verified``). Another customer's order and an order that does not exist are refused
alike (``not_your_order``), so a quote never confirms that someone else's order exists.

The store's rules (windows, exclusions, fees, who pays return shipping) come from ``souk.domain.policy``.
Stock is kept per product in the store format, not per size or colour: an exchange's quote says so
(``details["stock_scope"] == "product"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from souk.domain import policy
from souk.domain.models import Order, OrderStatus
from souk.domain.store import StoreSnapshot

ZERO = Decimal("0.00")
REFUND_METHOD = "original_payment"  # the store format does not say how an order was paid
MAX_ADDRESS_CHARS = 300
VARIANT_ATTRIBUTES = ("sizes", "colors")  # the product attributes an exchange may change

REFUSALS = frozenset({
    "not_your_order", "already_shipped", "not_shipped_yet", "not_delivered", "window_passed", "non_returnable",
    "out_of_stock", "not_same_product", "no_tracking", "already_cancelled", "already_returned",
    "country_change", "bad_address",
})
_NOT_SHIPPED = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
_ON_ITS_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.OUT_FOR_DELIVERY,
                         OrderStatus.CUSTOMS_HOLD, OrderStatus.DELIVERED, OrderStatus.EXCEPTION, OrderStatus.LOST})


class ActionKind(str, Enum):
    CANCEL = "cancel"
    CHANGE_ADDRESS = "change_address"
    RETURN = "return"
    EXCHANGE = "exchange"
    RESEND_TRACKING = "resend_tracking"


@dataclass(frozen=True, slots=True)
class QuoteLine:
    sku: str
    qty: int
    unit_price: Decimal
    fee: Decimal = ZERO  # restocking fee kept for this line (all units)

    def to_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "qty": self.qty, "unit_price": str(self.unit_price), "fee": str(self.fee)}


@dataclass(frozen=True, slots=True)
class ActionQuote:
    kind: ActionKind
    order_id: str
    allowed: bool
    refusal: str | None = None
    items: tuple[QuoteLine, ...] = ()
    refund_amount: Decimal = ZERO
    refund_method: str | None = None
    fee: Decimal = ZERO
    label: bool = False  # a prepaid return label comes with it (the store pays return shipping)
    currency: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: what the audit row, the tool call and the webhook carry."""
        return {"kind": self.kind.value, "order_id": self.order_id, "allowed": self.allowed,
                "refusal": self.refusal, "items": [i.to_dict() for i in self.items],
                "refund_amount": str(self.refund_amount), "refund_method": self.refund_method,
                "fee": str(self.fee), "label": self.label, "currency": self.currency,
                "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One audited action (storage's ``order_actions`` row). ``replayed``: this request's idempotency key had
    already been used, and this is the first request's record (no second effect)."""

    id: str
    order_id: str
    kind: str
    status: str  # done | refused
    refusal: str | None
    idempotency_key: str
    conversation_id: str | None
    actor: str
    channel: str
    details: Mapping[str, Any]
    created_at: dt.datetime
    replayed: bool = False

    @property
    def done(self) -> bool:
        return self.status == "done"


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """Who asks for which action on which order. ``customer_id``: the write also requires the order to be
    this customer's (a shopper's request); None for staff. ``details``: the confirmed quote (JSON-able)."""

    kind: ActionKind
    order_id: str
    idempotency_key: str
    actor: str
    channel: str
    conversation_id: str | None = None
    customer_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RmaDraft:
    """The return or exchange to record: its lines, refund and fee, and whether a return label comes with it."""

    lines: tuple[dict[str, Any], ...]
    refund_amount: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    label: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose orders: the signed-in customer's, or the orders an anonymous shopper proved by e-mail."""

    customer_id: str | None
    verified: Collection[str] = ()

    def owns(self, order: Order) -> bool:
        if self.customer_id is not None:
            return order.customer_id == self.customer_id
        return order.id in self.verified


def _refused(kind: ActionKind, order_id: str, refusal: str, snap: StoreSnapshot, **details: Any) -> ActionQuote:
    return ActionQuote(kind, order_id, False, refusal, currency=snap.merchant.currency, details=details)


def _own(snap: StoreSnapshot, order_id: str, caller: Caller) -> Order | None:
    order = snap.order(str(order_id).strip().lstrip("#"))
    return order if order is not None and caller.owns(order) else None


def _all_lines(order: Order) -> tuple[QuoteLine, ...]:
    return tuple(QuoteLine(ln.sku, ln.qty, ln.unit_price) for ln in order.lines)


def _status_refusal(order: Order) -> str | None:
    if order.status is OrderStatus.CANCELLED:
        return "already_cancelled"
    if order.status in (OrderStatus.RETURNED, OrderStatus.REFUNDED):
        return "already_returned"
    return None


def _open_order(kind: ActionKind, snap: StoreSnapshot, order_id: str, caller: Caller, *,
                delivered_side: bool) -> Order | ActionQuote:
    """The caller's order an action may still consider, or the refusal: not theirs, already cancelled or
    returned, and (``delivered_side``: actions on what was sent) not handed to the carrier yet."""
    order = _own(snap, order_id, caller)
    if order is None:
        return _refused(kind, order_id, "not_your_order", snap)
    if (refusal := _status_refusal(order)) is not None:
        return _refused(kind, order.id, refusal, snap, status=order.status.value)
    if delivered_side and order.status in _NOT_SHIPPED:
        return _refused(kind, order.id, "not_shipped_yet", snap, status=order.status.value)
    return order


def quote_cancel(snap: StoreSnapshot, order_id: str, caller: Caller) -> ActionQuote:
    """Cancel an order that has not been handed to the carrier: everything paid goes back."""
    kind = ActionKind.CANCEL
    order = _open_order(kind, snap, order_id, caller, delivered_side=False)
    if isinstance(order, ActionQuote):
        return order
    if order.status not in _NOT_SHIPPED:
        return _refused(kind, order.id, "already_shipped", snap, status=order.status.value,
                        shipped_on=order.shipped_on.isoformat() if order.shipped_on else None)
    refund = (order.total - (order.refunded or ZERO)).quantize(ZERO)
    return ActionQuote(kind, order.id, True, items=_all_lines(order), refund_amount=refund,
                       refund_method=REFUND_METHOD, currency=snap.merchant.currency,
                       details={"status": order.status.value, "restock": True})


def clean_address(text: str) -> str | None:
    """The address as one line (whitespace folded), or None when it cannot be an address."""
    line = " ".join(str(text).split()).strip(" ,.;:")
    if not (8 <= len(line) <= MAX_ADDRESS_CHARS) or not any(c.isalpha() for c in line) \
            or not any(c.isdigit() for c in line):
        return None
    return line


def quote_address_change(snap: StoreSnapshot, order_id: str, caller: Caller, *, address: str,
                         country: str | None = None) -> ActionQuote:
    """Send a not-yet-shipped order to another address in the same country (``country`` None: the order's)."""
    kind = ActionKind.CHANGE_ADDRESS
    order = _open_order(kind, snap, order_id, caller, delivered_side=False)
    if isinstance(order, ActionQuote):
        return order
    if order.status not in _NOT_SHIPPED:
        return _refused(kind, order.id, "already_shipped", snap, status=order.status.value)
    to_country = (country or order.country).strip().upper()
    if to_country != order.country.upper():
        # shipping, duties and the zone's price were set for the destination at checkout
        return _refused(kind, order.id, "country_change", snap, country=order.country, new_country=to_country)
    line = clean_address(address)
    if line is None:
        return _refused(kind, order.id, "bad_address", snap, country=order.country)
    return ActionQuote(kind, order.id, True, items=_all_lines(order), currency=snap.merchant.currency,
                       details={"address": {"text": line, "country": order.country},
                                "previous": dict(order.shipping_address) if order.shipping_address else None})


def _returned_skus(snap: StoreSnapshot, order_id: str) -> set[str]:
    return {str(ln.get("sku")) for r in snap.returns_of(order_id) if r.status != "cancelled" for ln in r.lines}


def quote_return(snap: StoreSnapshot, order_id: str, caller: Caller, *, skus: Sequence[str] = (),
                 defect: str | None = None, opened: bool = False, today: dt.date | None = None) -> ActionQuote:
    """Return the order's items (``skus`` empty: every item), per the store's return rules. Items that cannot
    go back are left out and named in ``details["excluded"]``; the quote is refused when none can."""
    kind = ActionKind.RETURN
    order = _open_order(kind, snap, order_id, caller, delivered_side=True)
    if isinstance(order, ActionQuote):
        return order
    wanted = {s.upper() for s in skus}
    lines = [ln for ln in order.lines if not wanted or ln.sku.upper() in wanted]
    if not lines:
        return _refused(kind, order.id, "not_same_product", snap, skus=sorted(wanted))
    done = _returned_skus(snap, order.id)
    items: list[QuoteLine] = []
    excluded: list[dict[str, Any]] = []
    paid_by = "customer"
    deadline: dt.date | None = None
    days_left: int | None = None
    for ln in lines:
        product = snap.product(ln.sku)
        if ln.sku in done:
            excluded.append({"sku": ln.sku, "reason": "already_returned"})
            continue
        if product is None:
            excluded.append({"sku": ln.sku, "reason": "non_returnable"})
            continue
        check = policy.check_return(snap, product, order=order, opened=opened, defect=defect, today=today)
        deadline, days_left = check.deadline or deadline, check.days_left if check.days_left is not None else days_left
        if not check.returnable:
            excluded.append({"sku": ln.sku, "reason": check.reason,
                             "rule_reason": check.rule.reason if check.rule else None})
            continue
        paid_by = check.return_shipping_paid_by
        items.append(QuoteLine(ln.sku, ln.qty, ln.unit_price, (check.restocking_fee * ln.qty).quantize(ZERO)))
    common = {"excluded": excluded, "deadline": deadline.isoformat() if deadline else None, "days_left": days_left,
              "defect": defect, "refund_days": policy.return_rules(snap).refund_days_after_receipt}
    if not items:
        reasons = [e["reason"] for e in excluded]
        first = next((r for r in ("window_passed", "not_delivered", "already_returned", "cancelled",
                                  "non_returnable") if r in reasons), "non_returnable")
        refusal = {"cancelled": "already_cancelled"}.get(first, first)
        return _refused(kind, order.id, refusal, snap, **common)
    fee = sum((i.fee for i in items), ZERO)
    goods = sum((i.unit_price * i.qty for i in items), ZERO)
    return ActionQuote(kind, order.id, True, items=tuple(items), refund_amount=(goods - fee).quantize(ZERO),
                       refund_method=REFUND_METHOD, fee=fee, label=paid_by == "store",
                       currency=snap.merchant.currency, details={**common, "return_shipping_paid_by": paid_by})


def _match(values: Any, wanted: str) -> str | None:
    if not isinstance(values, list):
        return None
    return next((str(v) for v in values if str(v).casefold() == wanted.strip().casefold()), None)


def quote_exchange(snap: StoreSnapshot, order_id: str, caller: Caller, *, sku: str | None, to_value: str,
                   attribute: str | None = None, today: dt.date | None = None) -> ActionQuote:
    """Swap one item for another size or colour of the SAME product (``to_value`` must be one the product
    lists under ``sizes`` or ``colors``) while the product is in stock and the exchange window is open."""
    kind = ActionKind.EXCHANGE
    order = _open_order(kind, snap, order_id, caller, delivered_side=True)
    if isinstance(order, ActionQuote):
        return order
    if sku is not None:
        line = next((ln for ln in order.lines if ln.sku.upper() == sku.upper()), None)
    else:  # the one item that comes in the value asked for ("a size L"), or the order's only item
        offering = [ln for ln in order.lines if (p := snap.product(ln.sku)) is not None
                    and any(_match(p.attributes.get(a), to_value) for a in VARIANT_ATTRIBUTES)]
        line = offering[0] if len(offering) == 1 else (order.lines[0] if len(order.lines) == 1 else None)
    if line is None:
        return _refused(kind, order.id, "not_same_product", snap, sku=sku)
    product = snap.product(line.sku)
    attrs = (attribute,) if attribute in VARIANT_ATTRIBUTES else VARIANT_ATTRIBUTES
    found = next(((a, v) for a in attrs if product is not None
                  and (v := _match(product.attributes.get(a), to_value)) is not None), None)
    if product is None or found is None:
        offered = {a: list(product.attributes.get(a) or []) for a in VARIANT_ATTRIBUTES} if product else {}
        return _refused(kind, order.id, "not_same_product", snap, sku=line.sku, to=to_value, offered=offered)
    ok, why = policy.exchange_allowed(snap, order, today)
    if not ok:
        refusal = {"cancelled": "already_cancelled"}.get(why or "", why or "window_passed")
        return _refused(kind, order.id, refusal, snap, sku=line.sku)
    if line.sku in _returned_skus(snap, order.id):
        return _refused(kind, order.id, "already_returned", snap, sku=line.sku)
    check = policy.check_return(snap, product, order=order, today=today, used=False)
    if check.reason == "non_returnable":
        return _refused(kind, order.id, "non_returnable", snap, sku=line.sku,
                        rule_reason=check.rule.reason if check.rule else None)
    if product.stock <= 0:
        return _refused(kind, order.id, "out_of_stock", snap, sku=line.sku, stock_scope="product",
                        restock_date=product.restock_date.isoformat() if product.restock_date else None)
    attribute_name, value = found
    return ActionQuote(kind, order.id, True, items=(QuoteLine(line.sku, line.qty, line.unit_price),),
                       label=check.return_shipping_paid_by == "store", currency=snap.merchant.currency,
                       details={"sku": line.sku, "attribute": attribute_name, "to": value,
                                "stock_scope": "product", "stock": product.stock,
                                "return_shipping_paid_by": check.return_shipping_paid_by})


def quote_resend_tracking(snap: StoreSnapshot, order_id: str, caller: Caller) -> ActionQuote:
    """Send the carrier and tracking number of a shipped order again."""
    kind = ActionKind.RESEND_TRACKING
    order = _own(snap, order_id, caller)
    if order is None:
        return _refused(kind, order_id, "not_your_order", snap)
    if order.status is OrderStatus.CANCELLED:
        return _refused(kind, order.id, "already_cancelled", snap)
    if order.status in _NOT_SHIPPED:
        return _refused(kind, order.id, "not_shipped_yet", snap, status=order.status.value)
    if not order.tracking_number or order.status not in _ON_ITS_WAY | {OrderStatus.RETURNED, OrderStatus.REFUNDED}:
        return _refused(kind, order.id, "no_tracking", snap, status=order.status.value)
    return ActionQuote(kind, order.id, True, currency=snap.merchant.currency,
                       details={"carrier": order.carrier, "tracking_number": order.tracking_number,
                                "status": order.status.value})
