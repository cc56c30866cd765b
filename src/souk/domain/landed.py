"""Prices as a viewer abroad sees them: the store's price in their currency and, where the store's shipping
zone allows, the landed price for their country (goods + shipping + duties paid now, and what customs
collects on delivery). Pure functions, no I/O.

The exchange rates and duty rates below are a small FIXED table: INDICATIVE only, for display. Orders are
always charged in the store currency at the catalog or sale price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from souk.core.errors import BadRequest
from souk.domain.models import ShippingZone

CENT = Decimal("0.01")

#: Units of each currency per 1 USD. INDICATIVE (fixed table, not a live rate).
INDICATIVE_USD_RATES: dict[str, Decimal] = {
    "USD": Decimal(1), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "CNY": Decimal("7.20"),
    "IDR": Decimal(15700), "SGD": Decimal("1.35"), "MYR": Decimal("4.70"), "THB": Decimal("36.0"),
    "PHP": Decimal("56.0"), "VND": Decimal(24500), "SAR": Decimal("3.75"), "AED": Decimal("3.67"),
    "QAR": Decimal("3.64"), "KWD": Decimal("0.31"), "EGP": Decimal("48.0"), "BRL": Decimal("5.00"),
    "MXN": Decimal("17.0"), "CLP": Decimal(930), "COP": Decimal(3900), "PEN": Decimal("3.75"),
    "ARS": Decimal(900), "CAD": Decimal("1.36"), "PLN": Decimal("4.00"), "SEK": Decimal("10.5"),
}

COUNTRY_CURRENCY: dict[str, str] = {
    "US": "USD", "CA": "CAD", "MX": "MXN", "BR": "BRL", "CL": "CLP", "CO": "COP", "PE": "PEN", "AR": "ARS",
    "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "GB": "GBP", "PL": "PLN", "SE": "SEK",
    "SA": "SAR", "AE": "AED", "QA": "QAR", "KW": "KWD", "EG": "EGP", "ID": "IDR", "SG": "SGD", "MY": "MYR",
    "TH": "THB", "PH": "PHP", "VN": "VND", "CN": "CNY",
}

#: Import duty + VAT as a share of the goods' value. INDICATIVE (fixed table) for the landed estimate.
INDICATIVE_DUTY_RATES: dict[str, Decimal] = {
    "CA": Decimal("0.13"), "MX": Decimal("0.16"), "BR": Decimal("0.60"), "CL": Decimal("0.19"),
    "CO": Decimal("0.19"), "PE": Decimal("0.18"), "AR": Decimal("0.50"), "SA": Decimal("0.15"),
    "AE": Decimal("0.05"), "QA": Decimal("0.05"), "KW": Decimal("0.05"), "EG": Decimal("0.14"),
    "ID": Decimal("0.11"), "SG": Decimal("0.09"), "MY": Decimal("0.10"), "TH": Decimal("0.07"),
    "PH": Decimal("0.12"), "VN": Decimal("0.10"),
}


class DutyMode(str, Enum):
    DDP = "ddp"  # prepaid at checkout: part of the price paid now
    DDU = "ddu"  # collected by customs on delivery
    INCLUDED = "included"  # already in the price (EU IOSS, UK VAT)
    DUTY_FREE = "duty_free"  # e.g. US under the de minimis


def convert(amount: Decimal, to_currency: str, *, from_currency: str = "USD") -> Decimal:
    """``amount`` in ``to_currency`` at the INDICATIVE fixed rate, to the cent."""
    src, dst = from_currency.upper(), to_currency.upper()
    if src not in INDICATIVE_USD_RATES or dst not in INDICATIVE_USD_RATES:
        raise BadRequest(f"no indicative rate for {src}->{dst}", code="unknown_currency",
                         details={"currencies": sorted(INDICATIVE_USD_RATES)})
    usd = Decimal(amount) / INDICATIVE_USD_RATES[src]
    return (usd * INDICATIVE_USD_RATES[dst]).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_for(country: str) -> str:
    return COUNTRY_CURRENCY.get(country.upper(), "USD")


_CLAUSE = re.compile(r"[.;]|\bexcept\b")


def duty_mode(zone: ShippingZone, country: str, goods_usd: Decimal) -> DutyMode | None:
    """Read the zone's duties text for one country; None when the text says nothing we can apply.

    A clause naming the country ("... except in ID, where orders over USD 3 pay import duty on delivery")
    beats the zone's general clauses (those naming none of the zone's countries).
    """
    code = country.upper()
    clauses = [c for c in _CLAUSE.split(zone.duties) if c.strip()]
    named = [c for c in clauses if re.search(rf"\b{code}\b", c)]
    general = [c for c in clauses if not any(re.search(rf"\b{k}\b", c) for k in zone.countries)]
    for clause in (*named, *general):
        mode = _mode_of(clause, goods_usd)
        if mode is not None:
            return mode
    return None


def _amount(pattern: str, text: str) -> Decimal | None:
    m = re.search(pattern, text)
    return Decimal(m.group(1).replace(",", "")) if m else None


def _mode_of(clause: str, goods_usd: Decimal) -> DutyMode | None:
    low = clause.lower()
    if "duty-free" in low or "duty free" in low:
        under = _amount(r"under usd\s*([\d,.]*\d)", low)
        return DutyMode.DUTY_FREE if under is None or goods_usd < under else None
    if "ddu" in low or re.search(r"(dut|tax|vat)[^.]*on delivery", low):
        over = _amount(r"over usd\s*([\d,.]*\d)", low)
        return DutyMode.DDU if over is None or goods_usd > over else None
    if "included" in low:
        return DutyMode.INCLUDED
    if "prepaid" in low or "ddp" in low:
        return DutyMode.DDP
    return None


@dataclass(frozen=True, slots=True)
class LandedPrice:
    """All amounts in the store currency (USD); ``currency``/``*_local`` are the viewer's, INDICATIVE."""

    country: str
    goods: Decimal
    shipping: Decimal
    duty_mode: DutyMode | None
    duties_now: Decimal  # prepaid at checkout (DDP)
    duties_on_delivery: Decimal  # collected by customs (DDU), NOT in pay_now
    pay_now: Decimal
    free_shipping: bool
    currency: str
    pay_now_local: Decimal
    on_delivery_local: Decimal
    indicative: bool = True


def landed_price(goods_usd: Decimal, zone: ShippingZone | None, country: str, *,
                 shipping_fee_usd: Decimal) -> LandedPrice | None:
    """The landed price of ``goods_usd`` for ``country``; None when the store does not ship there."""
    if zone is None or country.upper() not in zone.countries:
        return None
    goods = Decimal(goods_usd).quantize(CENT)
    free = goods >= zone.free_shipping_over
    shipping = Decimal("0.00") if free else Decimal(shipping_fee_usd).quantize(CENT)
    mode = duty_mode(zone, country, goods)
    duty = (goods * INDICATIVE_DUTY_RATES.get(country.upper(), Decimal(0))).quantize(CENT, ROUND_HALF_UP)
    now = duty if mode is DutyMode.DDP else Decimal("0.00")
    later = duty if mode is DutyMode.DDU else Decimal("0.00")
    cur = currency_for(country)
    pay_now = goods + shipping + now
    return LandedPrice(country=country.upper(), goods=goods, shipping=shipping, duty_mode=mode, duties_now=now,
                       duties_on_delivery=later, pay_now=pay_now, free_shipping=free, currency=cur,
                       pay_now_local=convert(pay_now, cur), on_delivery_local=convert(later, cur))
