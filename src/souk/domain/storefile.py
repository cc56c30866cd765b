"""A store file in and out (STORE_FORMAT.md): ``read_store`` checks and parses, ``store_document`` writes.

Pure: no files, no database. ``read_store`` refuses a file with every problem at once (StoreInvalid, with the
JSON path of each); ``store_document`` writes what ``read_store`` reads back to the same snapshot.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from souk.core.errors import Unprocessable
from souk.domain.models import FaqEntry, Order, Policies, Product, ShippingZone
from souk.domain.store import StoreSnapshot, parse_store
from souk.domain.storecheck import Problem, check_store

MAX_PROBLEMS_SHOWN = 200  # in one error; the count says how many there were


class StoreInvalid(Unprocessable):
    """A store file that cannot be imported; ``problems`` lists every reason with its JSON path."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        first = f": {problems[0]}" if problems else ""
        super().__init__(f"the store file has {len(problems)} problem(s){first}", code="store_invalid",
                         details={"count": len(problems), "problems": [p.to_dict() for p in shown]})


def read_store(data: object, *, merchant_id: str | None = None, currency: str | None = None) -> StoreSnapshot:
    """Check the whole file (see check_store), then parse it. Raises StoreInvalid listing every problem."""
    problems = check_store(data, merchant_id=merchant_id, currency=currency)
    if problems or not isinstance(data, dict):  # (a non-object is always a problem of check_store)
        raise StoreInvalid(problems)
    return parse_store(data)


def amount(value: Decimal) -> int | float:
    """A JSON number for an amount: an integer when whole, else the decimal's exact float."""
    return int(value) if value == value.to_integral_value() else float(value)


def store_document(snap: StoreSnapshot) -> dict[str, Any]:
    """The snapshot as a store file. Absent optional values are left out, never invented."""
    m = snap.merchant
    cur = "_" + m.currency.lower()
    store: dict[str, Any] = {"id": m.id, "name": m.name, "currency": m.currency, "languages": list(m.languages)}
    store |= _present({"ships_from": m.ships_from, "timezone": m.timezone, "country": m.country})
    return {
        "store": store,
        "products": [_product(p, cur) for p in snap.products],
        "customers": [_present({"id": c.id, "name": c.name, "email": c.email, "country": c.country,
                                "language": c.language, "vip": c.vip}) for c in snap.customers],
        "orders": [_order(o, cur) for o in snap.orders],
        "shipping": [_zone(z, cur) for z in snap.shipping],
        "policies": _policies(snap.policies),
        "faq": [_faq(f) for f in snap.faq],
        "as_of": snap.as_of.isoformat(),
    }


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Drop None and empty strings (absent optional keys)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _product(p: Product, cur: str) -> dict[str, Any]:
    return _present({
        "sku": p.sku, "category": p.category, "price" + cur: amount(p.price), "names": dict(p.names),
        "description": p.description, "attributes": dict(p.attributes) or None, "weight_kg": p.weight_kg,
        "stock": p.stock, "restock_date": p.restock_date.isoformat() if p.restock_date else None,
    })


def _order(o: Order, cur: str) -> dict[str, Any]:
    eta = o.estimated_delivery
    return _present({
        "id": o.id, "customer_id": o.customer_id, "placed_on": o.placed_on.isoformat(), "status": o.status.value,
        "shipping_method": o.shipping_method, "country": o.country,
        "lines": [{"sku": ln.sku, "qty": ln.qty, "unit_price" + cur: amount(ln.unit_price)} for ln in o.lines],
        "subtotal" + cur: amount(o.subtotal), "shipping" + cur: amount(o.shipping), "total" + cur: amount(o.total),
        "currency_paid": o.currency_paid,
        "shipped_on": o.shipped_on.isoformat() if o.shipped_on else None,
        "carrier": o.carrier, "tracking_number": o.tracking_number,
        "estimated_delivery": [eta[0].isoformat(), eta[1].isoformat()] if eta else None,
        "delivered_on": o.delivered_on.isoformat() if o.delivered_on else None,
        "refund_status": o.refund_status,
        "refunded" + cur: amount(o.refunded) if o.refunded is not None else None, "note": o.note,
    })


def _zone(z: ShippingZone, cur: str) -> dict[str, Any]:
    out = _present({
        "region": z.region, "countries": list(z.countries), "standard_days": list(z.standard_days),
        "express_days": list(z.express_days), "free_shipping_over" + cur: amount(z.free_shipping_over),
        "duties": z.duties,
        "standard_fee" + cur: amount(z.standard_fee) if z.standard_fee is not None else None,
        "express_fee" + cur: amount(z.express_fee) if z.express_fee is not None else None,
    })
    if z.duty_rules:
        out["duty_rules"] = [dict(rule) for rule in z.duty_rules]
    return out


def _policies(p: Policies) -> dict[str, Any]:
    r = p.returns
    returns = _present({"window_days": r.window_days, "condition": r.condition,
                        "free_return_label_regions": list(r.free_return_label_regions),
                        "other_regions": r.other_regions, "refund_days_after_receipt": r.refund_days_after_receipt,
                        "exchange": r.exchange}) | dict(r.extra)
    return {"returns": returns, **_present({"warranty": p.warranty}), "payment_methods": list(p.payment_methods),
            **_present({"price_match": p.price_match, "support_hours": p.support_hours,
                        "live_shopping": p.live_shopping}), **dict(p.extra)}


def _faq(f: FaqEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"topic": f.topic, "answer": f.answer}
    if f.answers:
        out["answers"] = dict(f.answers)
    return out


def parse_json(text: str | bytes) -> object:
    """A store file's text as JSON. Not JSON (or NaN/Infinity, which JSON does not have) is StoreInvalid with
    one problem at ``$`` naming the line and column."""
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise StoreInvalid([Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
                           ) from exc
    except (ValueError, RecursionError) as exc:  # NaN/Infinity, bad UTF-8, nesting too deep
        raise StoreInvalid([Problem("$", f"not valid JSON: {str(exc)[:200]}")]) from exc
