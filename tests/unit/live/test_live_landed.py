"""Viewer prices: indicative currency conversion and the landed price from the demo store's zone rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from souk.core.errors import BadRequest
from souk.data import demo_store_json
from souk.domain.landed import DutyMode, convert, currency_for, duty_mode, landed_price
from souk.domain.store import parse_store

STORE = parse_store(demo_store_json())


@pytest.mark.parametrize(("country", "goods", "mode"), [
    ("US", "50", DutyMode.DUTY_FREE), ("US", "900", None), ("CA", "50", DutyMode.DDP), ("MX", "50", DutyMode.DDP),
    ("BR", "50", DutyMode.DDU), ("DE", "50", DutyMode.INCLUDED), ("GB", "50", DutyMode.INCLUDED),
    ("SA", "50", DutyMode.DDP), ("AE", "50", DutyMode.DDP),  # "cash on delivery" is not a duty on delivery
    ("ID", "50", DutyMode.DDU), ("ID", "2", DutyMode.DDP), ("SG", "50", DutyMode.DDP),
])
def test_duty_mode_reads_the_zone_rules_per_country(country: str, goods: str, mode: DutyMode | None) -> None:
    zone = STORE.zone_for(country)
    assert zone is not None
    assert duty_mode(zone, country, D(goods), store_currency="USD") is mode


def test_landed_price_ddp_adds_duties_now_ddu_shows_them_on_delivery() -> None:
    sa = landed_price(D(50), STORE.zone_for("SA"), "SA", shipping_fee=D("7.99"), store_currency="USD")
    assert sa is not None and sa.duty_mode is DutyMode.DDP and not sa.free_shipping
    assert (sa.duties_now, sa.duties_on_delivery, sa.pay_now) == (D("7.50"), D("0.00"), D("65.49"))
    assert sa.currency == "SAR" and sa.pay_now_local == D("245.59") and sa.indicative
    br = landed_price(D(50), STORE.zone_for("BR"), "BR", shipping_fee=D("7.99"), store_currency="USD")
    assert br is not None and br.duty_mode is DutyMode.DDU
    assert (br.duties_now, br.duties_on_delivery, br.pay_now) == (D("0.00"), D("30.00"), D("57.99"))
    sg = landed_price(D(39), STORE.zone_for("SG"), "SG", shipping_fee=D("7.99"), store_currency="USD")  # at the threshold
    assert sg is not None and sg.free_shipping and sg.shipping == D("0.00")
    assert landed_price(D(50), STORE.zone_for("SG"), "JP", shipping_fee=D("7.99"), store_currency="USD") is None
    assert landed_price(D(50), None, "JP", shipping_fee=D("7.99"), store_currency="USD") is None


def test_indicative_conversion() -> None:
    assert convert(D("10.00"), "IDR", from_currency="USD") == D("157000.00")
    assert convert(D(157000), "USD", from_currency="IDR") == D("10.00")
    assert convert(D("12.345"), "JPY", from_currency="JPY") == D("12.35")  # no rate needed for the same currency
    assert currency_for("br", "USD") == "BRL" and currency_for("JP", "MXN") == "MXN"
    with pytest.raises(BadRequest) as exc:
        convert(D(1), "XXX", from_currency="USD")
    assert exc.value.code == "unknown_currency"


def test_a_store_in_another_currency_gets_its_rules_and_local_prices_from_its_own_currency() -> None:
    from tests.unit.domain.store_samples import small_store

    mx = parse_store(small_store("tienda", "MXN"))  # usa zone: on delivery over USD 800, else none; 16 % table
    usa = mx.zone_for("US")
    assert usa is not None
    assert duty_mode(usa, "US", D(1000), store_currency="MXN") is DutyMode.DUTY_FREE  # USD 58.82
    assert duty_mode(usa, "US", D(20000), store_currency="MXN") is DutyMode.DDU  # USD 1176
    home = landed_price(D(1000), mx.zone_for("MX"), "MX", shipping_fee=D(99), store_currency="MXN")
    assert home is not None and home.currency == "MXN" and home.pay_now_local == home.pay_now == D("1099.00")
    us = landed_price(D(20000), usa, "US", shipping_fee=D(250), store_currency="MXN")
    assert us is not None and us.free_shipping and us.currency == "USD"
    assert us.pay_now_local == D("1176.47") and us.duties_on_delivery == D("0.00")  # no US rate in the table
    eur = landed_price(D(20000), usa, "US", shipping_fee=D(250), store_currency="MXN", currency="EUR")
    assert eur is not None and eur.currency == "EUR" and eur.pay_now_local == D("1082.35")


def test_rules_with_their_own_rates_and_fees() -> None:
    import dataclasses

    zone = STORE.zone_for("BR")
    assert zone is not None
    rated = dataclasses.replace(zone, duty_rules=({"paid": "at_checkout", "rates_pct": {"duty": 10, "vat": 5},
                                                    "fee": {"amount": 2, "currency": "USD"}},))
    price = landed_price(D(100), rated, "BR", shipping_fee=D("7.99"), store_currency="USD")
    assert price is not None and price.duty_mode is DutyMode.DDP and price.duties_now == D("17.00")
