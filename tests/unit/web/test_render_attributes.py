from __future__ import annotations

import re

from souk.data import demo_store_json
from souk.domain.store import parse_store
from souk.web.render import attribute_row, attributes_html


def test_units_move_from_the_key_to_the_value_and_booleans_read_yes_no() -> None:
    assert attribute_row("diameter_mm", 20) == ("Diameter", "20 mm")
    assert attribute_row("max_load_kg", 150) == ("Max load", "150 kg")
    assert attribute_row("battery_hours", 30) == ("Battery", "30 h")
    assert attribute_row("certificate", True) == ("Certificate", "Yes")
    assert attribute_row("anc", False) == ("Anc", "No")
    assert attribute_row("sizes", ["S", "M"]) == ("Sizes", "S, M")
    assert attribute_row("material", "100% linen") == ("Material", "100% linen")


def test_every_demo_product_renders_escaped_rows_without_raw_keys() -> None:
    store = parse_store(demo_store_json())
    for product in store.products:
        html = attributes_html(product)
        assert html.count("<tr>") == len(product.attributes)
        labels = re.findall(r"<th>(.*?)</th>", html)
        assert labels and not any("_" in label for label in labels)
        assert "True" not in html and "False" not in html
    hostile = store.products[0].__class__(**{**{f: getattr(store.products[0], f) for f in (
        "sku", "category", "price", "weight_kg", "names", "description", "stock", "restock_date")},
        "attributes": {"<script>x</script>": "<b>bold</b>"}})
    assert "<script>" not in attributes_html(hostile) and "&lt;b&gt;" in attributes_html(hostile)
