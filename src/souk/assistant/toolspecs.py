"""JSON-schema descriptions of the commerce tools, offered to an LLM as function calls."""

from __future__ import annotations

from typing import Any

from souk.agent.llm.types import ToolSpec

_STR: dict[str, Any] = {"type": "string"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or [], "additionalProperties": False}


TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("get_order", "Status, carrier, tracking and items of one order of the current shopper. Anonymous "
             "shoppers must give the order's e-mail address.",
             _obj({"order_id": _STR, "email": _STR}, ["order_id"])),
    ToolSpec("list_my_orders", "The signed-in shopper's recent orders.", _obj({"limit": {"type": "integer"}})),
    ToolSpec("shipping_info", "Shipping zone, standard/express delivery days and free-shipping threshold for a "
             "country (ISO 3166 alpha-2 code).", _obj({"country": _STR}, ["country"])),
    ToolSpec("duties_info", "Import duties and taxes for a destination country (ISO code).",
             _obj({"country": _STR}, ["country"])),
    ToolSpec("return_policy", "Return window and conditions, with category exceptions (opened beauty, pierced "
             "earrings).", _obj({"sku": _STR, "category": _STR, "opened": {"type": "boolean"}})),
    ToolSpec("warranty_info", "Warranty of a product (by SKU) or the general warranty policy.", _obj({"sku": _STR})),
    ToolSpec("search_products", "Semantic product search with an optional maximum price in the store's currency.",
             _obj({"query": _STR, "max_price": {"type": "number"}, "limit": {"type": "integer"}}, ["query"])),
    ToolSpec("product_info", "Price, description and attributes of a product by SKU.", _obj({"sku": _STR}, ["sku"])),
    ToolSpec("stock_info", "Stock and restock date of a product by SKU.", _obj({"sku": _STR}, ["sku"])),
    ToolSpec("payment_methods", "Payment methods, optionally for a country (ISO code).", _obj({"country": _STR})),
    ToolSpec("handoff_to_human", "Hand the conversation to a human agent (explicit request, anger, damaged or "
             "lost parcel claims).", _obj({"reason": _STR, "summary": _STR}, ["reason"])),
    ToolSpec("offer_video_consultation", "Offer a 1-on-1 video consultation to see a high-value product "
             "(jewelry, watches, furniture).", _obj({"sku": _STR, "reason": _STR})),
)
