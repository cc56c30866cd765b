"""Payment methods by country, read from the store's policy strings ("Klarna (US, DE, GB, SE)")."""

from __future__ import annotations

import re

_RESTRICTED = re.compile(r"^(?P<name>.+?)\s*\((?P<codes>[A-Z]{2}(?:\s*,\s*[A-Z]{2})*)\)\s*$")


def parse_method(text: str) -> tuple[str, tuple[str, ...] | None]:
    """("Klarna", ("US","DE",...)) or ("Visa", None) for a method offered everywhere."""
    m = _RESTRICTED.match(text.strip())
    if not m:
        return text.strip(), None
    return m.group("name").strip(), tuple(c.strip() for c in m.group("codes").split(","))


def methods_for(methods: tuple[str, ...], country: str | None) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for raw in methods:
        name, countries = parse_method(raw)
        if country is None or countries is None or country in countries:
            out.append({"name": name, "countries": list(countries) if countries else None})
    return out
