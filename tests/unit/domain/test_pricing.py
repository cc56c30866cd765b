"""souk.domain.pricing: the sums behind every order (plain order, live cart with coupon, flash sale)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from souk.core.errors import Conflict
from souk.domain.coupons import Coupon
from souk.domain.models import OrderLine
from souk.domain.pricing import ZERO, Totals, cart_totals, goods, order_totals, sale_totals

D = Decimal
LINES = (OrderLine(sku="a", qty=2, unit_price=D("19.99")), OrderLine(sku="b", qty=1, unit_price=D("5.50")))


def coupon(**kw: Any) -> Coupon:
    base: dict[str, Any] = {"room_id": "r1", "code": "TEN", "kind": "percent", "value": D("10"),
                            "min_spend": D("0.00"), "max_redemptions": None, "redeemed": 0,
                            "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "ends_at": None, "ended": False}
    return Coupon(**{**base, **kw})


def test_goods_add_every_line_at_its_quantity() -> None:
    assert goods(LINES) == D("45.48")
    assert goods(()) == ZERO and str(goods(())) == "0.00"


def test_an_order_adds_its_shipping_charge() -> None:
    t = order_totals(LINES, shipping=D("7.00"))
    assert (t.goods, t.discount, t.shipping, t.net, t.total) == (D("45.48"), ZERO, D("7.00"), D("45.48"), D("52.48"))


def test_a_flash_sale_is_one_line_without_shipping() -> None:
    t = sale_totals(OrderLine(sku="a", qty=3, unit_price=D("9.90")))
    assert t == Totals(goods=D("29.70")) and t.total == D("29.70") and t.shipping == ZERO


def test_a_cart_without_coupon_pays_shipping_below_the_threshold() -> None:
    t = cart_totals(LINES, coupon=None, shipping_fee=D("12.00"), free_shipping_over=D("50.00"))
    assert (t.discount, t.shipping, t.total) == (ZERO, D("12.00"), D("57.48"))


def test_shipping_is_free_from_the_threshold_on() -> None:
    t = cart_totals(LINES, coupon=None, shipping_fee=D("12.00"), free_shipping_over=D("45.48"))
    assert t.shipping == ZERO and t.total == D("45.48")


def test_the_threshold_counts_the_goods_after_the_discount() -> None:
    # 45.48 reaches 45.00, but 45.48 - 10 % = 40.93 does not: shipping is charged
    t = cart_totals(LINES, coupon=coupon(), shipping_fee=D("12.00"), free_shipping_over=D("45.00"))
    assert (t.goods, t.discount, t.net, t.shipping, t.total) == (
        D("45.48"), D("4.55"), D("40.93"), D("12.00"), D("52.93"))


def test_a_fixed_coupon_never_takes_more_than_the_goods() -> None:
    t = cart_totals(LINES, coupon=coupon(kind="amount", value=D("100.00")), shipping_fee=D("12.00"),
                    free_shipping_over=D("50.00"))
    assert t.discount == D("45.48") and t.net == ZERO and t.total == D("12.00")


def test_a_coupon_below_its_minimum_spend_is_refused() -> None:
    with pytest.raises(Conflict) as err:
        cart_totals(LINES, coupon=coupon(min_spend=D("50.00")), shipping_fee=D("12.00"),
                    free_shipping_over=D("99.00"))
    assert err.value.code == "coupon_min_spend"
    assert err.value.details == {"code": "TEN", "goods": "45.48", "min_spend": "50.00"}
