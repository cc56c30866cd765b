"""A new merchant as an operator describes it: checked here (pure), written by storage.onboarding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from souk.core.errors import Unprocessable
from souk.domain.jsoncheck import JsonChecker
from souk.domain.models import Merchant
from souk.domain.storecheck import MERCHANT_ID

UNSET_CURRENCY = ""  # a merchant created without one: its first store file decides (then fixed)
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def new_merchant(merchant_id: str, *, name: str, currency: str, region: str, languages: Sequence[str] = ("en",),
                 timezone: str = "UTC", ships_from: str = "", country: str = "") -> Merchant:
    """The Merchant record, or Unprocessable ``bad_merchant`` listing every problem (``details.problems``)."""
    values: dict[str, Any] = {"id": merchant_id, "name": name, "currency": currency, "region": region,
                              "languages": list(languages), "timezone": timezone, "ships_from": ships_from,
                              "country": country or None}
    c = JsonChecker()
    c.get(values, "id", "$", c.matching(MERCHANT_ID, "a merchant id ([a-z0-9_-]+, at most 64)"), required=True)
    c.get(values, "name", "$", c.name, required=True)
    if currency != UNSET_CURRENCY:  # "": the first store import sets it (souk merchant create ID, then import)
        c.get(values, "currency", "$", c.currency, required=True)
    c.get(values, "region", "$", c.matching(REGION, "a region label ([a-z0-9-], e.g. \"eu\" or \"us-east\")", 32),
          required=True)
    c.get(values, "languages", "$", lambda v, p: c.listing(v, p, c.language, empty=False), required=True)
    c.get(values, "timezone", "$", c.timezone, required=True)
    c.get(values, "ships_from", "$", lambda v, p: c.text(v, p, max_len=200))
    c.get(values, "country", "$", c.country)
    if c.problems:
        first = c.problems[0]
        raise Unprocessable(f"invalid merchant: {first}" + (f" (and {len(c.problems) - 1} more)"
                                                         if len(c.problems) > 1 else ""),
                         code="bad_merchant", details={"problems": [p.to_dict() for p in c.problems]})
    return Merchant(id=merchant_id, name=name, ships_from=ships_from, currency=currency,
                    languages=tuple(languages), timezone=timezone, region=region, country=country)
