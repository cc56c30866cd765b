"""Prices as a viewer abroad sees them: the store's price in their currency and, where the store's shipping
zone allows, the landed price for their country (goods + shipping + duties paid now, and what customs
collects on delivery). Pure functions, no I/O.

The exchange rates and duty rates below are a small FIXED table: INDICATIVE only, for display. Orders are
always charged in the store currency at the catalog or sale price.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, Literal

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


def can_convert(from_currency: str, to_currency: str) -> bool:
    src, dst = from_currency.upper(), to_currency.upper()
    return src == dst or (src in INDICATIVE_USD_RATES and dst in INDICATIVE_USD_RATES)


def convert(amount: Decimal, to_currency: str, *, from_currency: str) -> Decimal:
    """``amount`` in ``to_currency`` at the INDICATIVE fixed rate, to the cent."""
    src, dst = from_currency.upper(), to_currency.upper()
    if src == dst:
        return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    if not can_convert(src, dst):
        raise BadRequest(f"no indicative rate for {src}->{dst}", code="unknown_currency",
                         details={"currencies": sorted(INDICATIVE_USD_RATES)})
    usd = Decimal(amount) / INDICATIVE_USD_RATES[src]
    return (usd * INDICATIVE_USD_RATES[dst]).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_for(country: str, default: str) -> str:
    """The currency of ``country``, or ``default`` (the store's) for a country not in the table."""
    return COUNTRY_CURRENCY.get(country.upper(), default)


def local_currency(country: str, store_currency: str, wanted: str | None = None) -> str:
    """The currency to show a viewer: ``wanted`` if given, else their country's when there is an indicative
    rate from the store's currency, else the store's own."""
    if wanted:
        return wanted.upper()
    cur = currency_for(country, store_currency)
    return cur if can_convert(store_currency, cur) else store_currency


_PAID_MODE = {"none": "duty_free", "included": "included", "at_checkout": "ddp", "on_delivery": "ddu"}
_CLAUSE = re.compile(r"[.;]|\bexcept\b")


def duty_mode(zone: ShippingZone, country: str, goods: Decimal, *, store_currency: str) -> DutyMode | None:
    """How duties are paid for ``goods`` (in the store currency) sent to ``country``; None when the store says
    nothing we can apply.

    The zone's structured ``duty_rules`` (STORE_FORMAT.md) decide when it has them: the first rule naming the
    country (or naming none) whose ``up_to``/``over`` bounds hold. Without them, the free-text ``duties`` is
    read: a clause naming the country ("... except in ID, where orders over USD 3 pay import duty on
    delivery") beats the zone's general clauses (those naming none of the zone's countries).
    """
    code = country.upper()
    if zone.duty_rules:
        rule = duty_rule(zone, code, goods, store_currency=store_currency)
        return DutyMode(_PAID_MODE[rule["paid"]]) if rule is not None and rule.get("paid") in _PAID_MODE else None
    clauses = [c for c in _CLAUSE.split(zone.duties) if c.strip()]
    named = [c for c in clauses if re.search(rf"\b{code}\b", c)]
    general = [c for c in clauses if not any(re.search(rf"\b{k}\b", c) for k in zone.countries)]
    for clause in (*named, *general):
        mode = _mode_of(clause, goods, store_currency)
        if mode is not None:
            return mode
    return None


def duty_rule(zone: ShippingZone, country: str, goods: Decimal, *, store_currency: str) -> Mapping[str, Any] | None:
    """The first of the zone's duty rules that applies to ``goods`` sent to ``country`` (None if none does).
    A bound in a currency with no indicative rate to the store's cannot be decided: that rule is skipped."""
    for rule in zone.duty_rules:
        countries = rule.get("countries")
        if countries and country not in countries:
            continue
        up_to, over = _bound(rule.get("up_to"), store_currency), _bound(rule.get("over"), store_currency)
        if up_to is False or over is False:
            continue
        if (up_to is None or goods <= up_to) and (over is None or goods > over):
            return rule
    return None


def _bound(value: Any, store_currency: str) -> Decimal | None | Literal[False]:
    """A rule's ``{amount, currency}`` in the store currency; None when absent; False when not convertible."""
    if not isinstance(value, Mapping):
        return None
    cur = str(value.get("currency") or store_currency)
    if not can_convert(cur, store_currency):
        return False
    return convert(Decimal(str(value.get("amount", 0))), store_currency, from_currency=cur)


def _amount(pattern: str, text: str, store_currency: str) -> Decimal | None:
    m = re.search(pattern, text)
    if not m:
        return None
    cur, amount = m.group(1).upper(), Decimal(m.group(2).replace(",", ""))
    return convert(amount, store_currency, from_currency=cur) if can_convert(cur, store_currency) else None


def _mode_of(clause: str, goods: Decimal, store_currency: str) -> DutyMode | None:
    low = clause.lower()
    if "duty-free" in low or "duty free" in low:
        under = _amount(r"under ([a-z]{3})\s*([\d,.]*\d)", low, store_currency)
        return DutyMode.DUTY_FREE if under is None or goods < under else None
    if "ddu" in low or re.search(r"(dut|tax|vat)[^.]*on delivery", low):
        over = _amount(r"over ([a-z]{3})\s*([\d,.]*\d)", low, store_currency)
        return DutyMode.DDU if over is None or goods > over else None
    if "included" in low:
        return DutyMode.INCLUDED
    if "prepaid" in low or "ddp" in low:
        return DutyMode.DDP
    return None


@dataclass(frozen=True, slots=True)
class LandedPrice:
    """All amounts in the store's currency; ``currency``/``*_local`` are the viewer's, INDICATIVE."""

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


def landed_price(goods: Decimal, zone: ShippingZone | None, country: str, *, shipping_fee: Decimal,
                 store_currency: str, currency: str | None = None) -> LandedPrice | None:
    """The landed price of ``goods`` (in ``store_currency``) for ``country``; None when the store does not ship
    there. The local amounts are in ``currency`` (default: see local_currency)."""
    if zone is None or country.upper() not in zone.countries:
        return None
    goods = Decimal(goods).quantize(CENT)
    free = goods >= zone.free_shipping_over
    shipping = Decimal("0.00") if free else Decimal(shipping_fee).quantize(CENT)
    mode = duty_mode(zone, country, goods, store_currency=store_currency)
    rule = duty_rule(zone, country.upper(), goods, store_currency=store_currency) if zone.duty_rules else None
    duty = (goods * _duty_rate(rule, country)).quantize(CENT, ROUND_HALF_UP) + _rule_fee(rule, store_currency)
    now = duty if mode is DutyMode.DDP else Decimal("0.00")
    later = duty if mode is DutyMode.DDU else Decimal("0.00")
    cur = local_currency(country, store_currency, currency)
    pay_now = goods + shipping + now
    return LandedPrice(country=country.upper(), goods=goods, shipping=shipping, duty_mode=mode, duties_now=now,
                       duties_on_delivery=later, pay_now=pay_now, free_shipping=free, currency=cur,
                       pay_now_local=convert(pay_now, cur, from_currency=store_currency),
                       on_delivery_local=convert(later, cur, from_currency=store_currency))


def _duty_rate(rule: Mapping[str, Any] | None, country: str) -> Decimal:
    """The store's own rates (``rates_pct``: duty + vat) when its rule gives them, else the indicative table."""
    rates = rule.get("rates_pct") if rule is not None else None
    if isinstance(rates, Mapping) and rates:
        return sum((Decimal(str(v)) for v in rates.values()), Decimal(0)) / 100
    return INDICATIVE_DUTY_RATES.get(country.upper(), Decimal(0))


def _rule_fee(rule: Mapping[str, Any] | None, store_currency: str) -> Decimal:
    fee = _bound(rule.get("fee"), store_currency) if rule is not None else None
    return fee if isinstance(fee, Decimal) else Decimal("0.00")
