"""Server-side page rendering: string.Template files, every dynamic value HTML-escaped here."""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from souk.domain.models import Product

STATIC_DIR = Path(str(resources.files("souk.web").joinpath("static")))


@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    return Template(resources.files("souk.web").joinpath("templates", name).read_text(encoding="utf-8"))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def page(name: str, **values: Any) -> str:
    """Render a template; values ending in ``_html`` are trusted fragments, everything else is escaped."""
    safe = {k: (v if k.endswith("_html") else esc(v)) for k, v in values.items()}
    return _template(name).substitute(safe)


def call_panel_html(status: str = "") -> str:
    """The call UI shared by the shop page and the seller console (timer, quality, videos, controls)."""
    return _template("_call.html").substitute(status=esc(status))


def product_card_html(p: Product, merchant_id: str, currency: str, lang: str = "en") -> str:
    return (
        f'<a class="card" href="/shop/{esc(p.sku)}?m={esc(merchant_id)}">'
        f'<span class="cat">{esc(p.category)}</span><strong>{esc(p.name(lang))}</strong>'
        f'<span class="price">{esc(currency)} {esc(p.price)}</span></a>'
    )


# Attribute-key suffixes that carry a unit: "diameter_mm": 20 -> "Diameter", "20 mm".
_UNITS = {"mm": "mm", "cm": "cm", "m": "m", "kg": "kg", "g": "g", "ml": "ml", "l": "L", "kpa": "kPa",
          "hours": "h", "days": "days", "months": "months", "minutes": "min", "min": "min"}


def attribute_row(key: str, value: object) -> tuple[str, str]:
    """A product attribute as a (label, value) pair a shopper reads: units moved to the value, yes/no."""
    words = key.split("_")
    unit = _UNITS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    label = " ".join(words)
    label = label[:1].upper() + label[1:]
    if isinstance(value, bool):
        shown = "Yes" if value else "No"
    elif isinstance(value, list):
        shown = ", ".join(map(str, value))
    else:
        shown = f"{value} {unit}" if unit else str(value)
    return label, shown


def attributes_html(p: Product) -> str:
    rows = []
    for key, value in p.attributes.items():
        label, shown = attribute_row(key, value)
        rows.append(f"<tr><th>{esc(label)}</th><td>{esc(shown)}</td></tr>")
    return "".join(rows)
