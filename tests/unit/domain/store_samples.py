"""Small store files for tests: a complete store in any currency (money keys carry its suffix)."""

from __future__ import annotations

import copy
import json
from typing import Any

from souk.data import demo_store_json


def demo() -> dict[str, Any]:
    return copy.deepcopy(demo_store_json())


def small_store(merchant_id: str = "tienda", currency: str = "MXN") -> dict[str, Any]:
    """A second store unlike the demo: Spanish first, another currency, two zones, structured policies."""
    c = "_" + currency.lower()
    return {
        "store": {"id": merchant_id, "name": "Tienda Sol", "currency": currency, "languages": ["es", "en"],
                  "ships_from": "Guadalajara, MX", "timezone": "America/Mexico_City", "country": "MX"},
        "products": [
            {"sku": "SOL-1", "category": "ceramics", f"price{c}": 450.5, "names": {"es": "Taza", "en": "Mug"},
             "description": "Taza de barro", "attributes": {"capacity_ml": 350, "colors": ["azul", "rojo"]},
             "weight_kg": 0.4, "stock": 12},
            {"sku": "SOL-2", "category": "textiles", f"price{c}": 1200, "names": {"es": "Rebozo", "en": "Shawl"},
             "stock": 0, "restock_date": "2026-12-20"},
        ],
        "customers": [{"id": "c-1", "name": "Ana", "email": "ana@example.mx", "country": "MX", "language": "es"}],
        "orders": [{
            "id": "SO-1", "customer_id": "c-1", "placed_on": "2026-11-30", "status": "shipped",
            "shipping_method": "standard", "country": "MX",
            "lines": [{"sku": "SOL-1", "qty": 2, f"unit_price{c}": 450.5}],
            f"subtotal{c}": 901, f"shipping{c}": 99, f"total{c}": 1000, "currency_paid": currency,
            "shipped_on": "2026-12-01", "carrier": "Estafeta", "tracking_number": "EST123",
            "estimated_delivery": ["2026-12-04", "2026-12-08"],
        }],
        "shipping": [
            {"region": "mexico", "countries": ["MX"], "standard_days": [2, 5], "express_days": [1, 2],
             f"free_shipping_over{c}": 1500, f"standard_fee{c}": 99, f"express_fee{c}": 199,
             "duties": "No duties inside Mexico.", "duty_rules": [{"paid": "none"}]},
            {"region": "usa", "countries": ["US"], "standard_days": [5, 9], "express_days": [3, 4],
             f"free_shipping_over{c}": 3000, f"standard_fee{c}": 250,
             "duty_rules": [{"paid": "on_delivery", "over": {"amount": 800, "currency": "USD"}},
                            {"paid": "none"}]},
        ],
        "policies": {
            "returns": {"window_days": 14, "free_return_label_regions": ["mexico"], "refund_days_after_receipt": 3,
                        "non_returnable": [{"category": "textiles", "when": "used", "unless": "defective",
                                            "reason": "hygiene"}],
                        "restocking_fee_pct": 10, "return_shipping_paid_by": {"default": "customer",
                                                                               "by_region": {"mexico": "store"}}},
            "warranty_months": {"default": None, "by_category": {"ceramics": 6}},
            "payment_methods": ["Tarjeta", "OXXO (MX)"],
            "support": {"human_hours": "09:00-18:00", "utc_offset": "-06:00", "days": ["mon", "tue", "wed"]},
        },
        "faq": [{"topic": "gift_wrap", "answer": "Envolvemos gratis.", "answers": {"en": "Free gift wrap."}}],
        "as_of": "2026-12-06",
    }


def canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """A store file with its lists in key order, for comparing an export with what was imported (with ==,
    so 149 and 149.0 are the same amount)."""
    out = copy.deepcopy(doc)
    out.pop("as_of", None)
    for key, field in (("products", "sku"), ("customers", "id"), ("orders", "id"), ("shipping", "region")):
        out[key] = sorted(out.get(key, []), key=lambda item, f=field: item[f])  # type: ignore[misc]
    for p in out.get("products", []):  # stored as numbers: absent reads back as 0
        p.setdefault("weight_kg", 0.0)
        p.setdefault("stock", 0)
    for c in out.get("customers", []):
        c.setdefault("language", "en")
        c.setdefault("vip", False)
    result: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return result
