"""Bundled demo data (a copy of the demo seller's store)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def demo_store_json() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("demo_store.json").read_text(encoding="utf-8"))


def demo_product_sku() -> str:
    """The first product of the bundled demo store (the demo's product page, the benches' call subject): read
    from the data, so no SKU is written in code."""
    return str(demo_store_json()["products"][0]["sku"])
