"""JSON-schema descriptions of the commerce tools, offered to an LLM as function calls."""

from __future__ import annotations

from typing import Any

from souk.agent.llm.types import ToolSpec

_STR: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}


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
    ToolSpec("return_policy", "The store's return rules (window, non-returnable items, restocking fee, who pays "
             "return shipping for a country); with a SKU whether that product may be returned in the case "
             "described; with an order id that order's return and exchange windows.",
             _obj({"sku": _STR, "opened": _BOOL, "used": _BOOL, "seal_broken": _BOOL,
                   "defect": {"type": "string", "enum": ["defective", "wrong_item"]}, "country": _STR,
                   "order_id": _STR})),
    ToolSpec("warranty_info", "Warranty of a product (by SKU) or the general warranty policy.", _obj({"sku": _STR})),
    ToolSpec("search_products", "Semantic product search with an optional maximum price in the store's currency.",
             _obj({"query": _STR, "max_price": {"type": "number"}, "limit": {"type": "integer"}}, ["query"])),
    ToolSpec("product_info", "Price, description and attributes of a product by SKU.", _obj({"sku": _STR}, ["sku"])),
    ToolSpec("stock_info", "Stock and restock date of a product by SKU.", _obj({"sku": _STR}, ["sku"])),
    ToolSpec("payment_methods", "Payment methods, optionally for a country (ISO code).", _obj({"country": _STR})),
    ToolSpec("handoff_to_human", "Hand the conversation to a human agent (explicit request, anger, damaged or "
             "lost parcel claims).", _obj({"reason": _STR, "summary": _STR}, ["reason"])),
    ToolSpec("offer_video_consultation", "Offer a 1-on-1 video consultation to see a product; whether it suits "
             "the product comes from the store's data.", _obj({"sku": _STR, "reason": _STR})),
    ToolSpec("faq", "The store's own answer (FAQ) closest to a question the other tools do not cover, in the "
             "shopper's language when the store translated it.", _obj({"query": _STR, "lang": _STR}, ["query"])),
)
