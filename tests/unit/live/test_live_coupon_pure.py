"""Coupon rules as pure values: codes, specs, discounts (rounding, caps), refusals in their order; and the
cart changes the database applies under its row lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from souk.core.errors import BadRequest, TooLarge
from souk.domain.coupons import Coupon, CouponSpec, normalize_code
from souk.live.cart import add_to, remove_from

NOW = dt.datetime(2026, 11, 21, 18, 0, tzinfo=dt.UTC)


def make(**kw: Any) -> Coupon:
    base: dict[str, Any] = {"room_id": "live-1", "code": "SAVE", "kind": "percent", "value": Decimal("12.5"),
                            "min_spend": Decimal("0.00"), "max_redemptions": None, "redeemed": 0,
                            "created_at": NOW, "ends_at": None, "ended": False}
    return Coupon(**{**base, **kw})


def test_codes_are_case_insensitive_and_validated() -> None:
    assert normalize_code("  live-10 ") == "LIVE-10"
    for bad in ("", "x", "with space", "ü10", "A" * 33, "-LEAD"):
        with pytest.raises(BadRequest) as exc:
            normalize_code(bad)
        assert exc.value.code == "bad_coupon"


def test_specs_refuse_nonsense() -> None:
    ok = CouponSpec(room_id="r", code="vip", kind="amount", value=Decimal(5), min_spend=Decimal(20))
    assert (ok.code, ok.value, ok.min_spend) == ("VIP", Decimal(5), Decimal("20.00"))
    bad: list[dict[str, Any]] = [{"value": Decimal(0)}, {"value": Decimal(-1)}, {"value": Decimal("100.01")},
                                 {"value": Decimal("NaN")}, {"kind": "bogo"}, {"min_spend": Decimal(-1)},
                                 {"max_redemptions": 0}, {"max_redemptions": True}, {"duration_s": -5},
                                 {"room_id": ""}]
    for change in bad:
        args: dict[str, Any] = {"room_id": "r", "code": "X1", "kind": "percent", "value": Decimal(10), **change}
        with pytest.raises(BadRequest) as exc:
            CouponSpec(**args)
        assert exc.value.code == "bad_coupon", change


def test_discounts_round_half_up_to_cents_and_never_exceed_the_goods() -> None:
    assert make().discount(Decimal("19.99")) == Decimal("2.50")  # 2.49875
    assert make(value=Decimal(100)).discount(Decimal("7.77")) == Decimal("7.77")
    assert make(kind="amount", value=Decimal(10)).discount(Decimal("30.00")) == Decimal("10.00")
    assert make(kind="amount", value=Decimal(10)).discount(Decimal("4.50")) == Decimal("4.50")


def test_refusals_come_in_order_expired_exhausted_min_spend() -> None:
    assert make().refusal(NOW, Decimal(1)) is None and make().remaining is None and make().active(NOW)
    ended = make(ended=True, max_redemptions=1, redeemed=1)
    assert ended.refusal(NOW).code == "coupon_expired"  # type: ignore[union-attr]
    late = make(ends_at=NOW)
    assert late.refusal(NOW).code == "coupon_expired" and late.refusal(NOW - dt.timedelta(seconds=1)) is None  # type: ignore[union-attr]
    gone = make(max_redemptions=3, redeemed=3, min_spend=Decimal(50))
    assert gone.remaining == 0 and not gone.active(NOW)
    assert gone.refusal(NOW, Decimal(1)).code == "coupon_exhausted"  # type: ignore[union-attr]
    small = make(min_spend=Decimal(50))
    refusal = small.refusal(NOW, Decimal("49.99"))
    assert refusal is not None and refusal.code == "coupon_min_spend" and refusal.details["min_spend"] == "50"
    assert small.refusal(NOW, Decimal(50)) is None and small.refusal(NOW) is None


def test_cart_changes_are_pure_and_bounded() -> None:
    cart: dict[str, int] = {}
    one = add_to("X", 2, max_lines=2, max_qty=5)(cart)
    assert cart == {} and one == {"X": 2}
    two = add_to("Y", max_lines=2, max_qty=5)(one)
    assert list(two) == ["X", "Y"]  # the order lines were added in
    with pytest.raises(TooLarge) as exc:
        add_to("Z", max_lines=2, max_qty=5)(two)
    assert exc.value.code == "cart_full"
    with pytest.raises(TooLarge) as exc:
        add_to("X", 4, max_lines=2, max_qty=5)(two)
    assert exc.value.code == "cart_qty_limit"
    with pytest.raises(BadRequest):
        add_to("X", 0)
    assert remove_from("X", 1)(two) == {"X": 1, "Y": 1} and remove_from("X")(two) == {"Y": 1}
    assert remove_from("NOPE")(two) == two and two == {"X": 2, "Y": 1}
