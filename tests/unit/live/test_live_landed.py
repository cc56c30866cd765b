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
    assert duty_mode(zone, country, D(goods)) is mode


def test_landed_price_ddp_adds_duties_now_ddu_shows_them_on_delivery() -> None:
    sa = landed_price(D(50), STORE.zone_for("SA"), "SA", shipping_fee_usd=D("7.99"))
    assert sa is not None and sa.duty_mode is DutyMode.DDP and not sa.free_shipping
    assert (sa.duties_now, sa.duties_on_delivery, sa.pay_now) == (D("7.50"), D("0.00"), D("65.49"))
    assert sa.currency == "SAR" and sa.pay_now_local == D("245.59") and sa.indicative
    br = landed_price(D(50), STORE.zone_for("BR"), "BR", shipping_fee_usd=D("7.99"))
    assert br is not None and br.duty_mode is DutyMode.DDU
    assert (br.duties_now, br.duties_on_delivery, br.pay_now) == (D("0.00"), D("30.00"), D("57.99"))
    sg = landed_price(D(39), STORE.zone_for("SG"), "SG", shipping_fee_usd=D("7.99"))  # at the threshold
    assert sg is not None and sg.free_shipping and sg.shipping == D("0.00")
    assert landed_price(D(50), STORE.zone_for("SG"), "JP", shipping_fee_usd=D("7.99")) is None
    assert landed_price(D(50), None, "JP", shipping_fee_usd=D("7.99")) is None


def test_indicative_conversion() -> None:
    assert convert(D("10.00"), "IDR") == D("157000.00")
    assert convert(D(157000), "USD", from_currency="IDR") == D("10.00")
    assert currency_for("br") == "BRL" and currency_for("JP") == "USD"
    with pytest.raises(BadRequest) as exc:
        convert(D(1), "XXX")
    assert exc.value.code == "unknown_currency"
