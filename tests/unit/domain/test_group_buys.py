"""Group-buy rules: tiers, validation, the price every buyer pays, refusals (souk.domain.group_buys)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest
from souk.domain.group_buys import GroupBuy, GroupBuySpec, Tier, check_qty, refusal, tier_index

T0 = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
TIERS = (Tier(1, Decimal("30.00")), Tier(3, Decimal("25.00")), Tier(10, Decimal("19.90")))


def offer(buyers: int = 0, units: int = 0, *, ended: bool = False, cap: int = 50) -> GroupBuy:
    return GroupBuy(id="gb1", room_id="r", sku="HOT", tiers=TIERS, cap=cap, max_qty=2, buyers=buyers, units=units,
                    starts_at=T0, ends_at=T0 + dt.timedelta(minutes=10), ended=ended)


def test_the_highest_unlocked_tier_sets_the_price_for_everyone() -> None:
    assert [tier_index(TIERS, n) for n in (0, 1, 2, 3, 9, 10, 500)] == [0, 0, 0, 1, 1, 2, 2]
    assert offer(0).price == Decimal("30.00") and offer(2).price == Decimal("30.00")
    assert offer(3).price == Decimal("25.00") and offer(3).next_tier == TIERS[2]
    assert offer(10).price == Decimal("19.90") and offer(10).next_tier is None


@pytest.mark.parametrize(("tiers", "cap", "field"), [
    ((), 10, "tiers"),
    ((Tier(2, Decimal(10)),), 10, "tiers[0].min_buyers"),
    ((Tier(1, Decimal(10)), Tier(1, Decimal(9))), 10, "tiers[1].min_buyers"),
    ((Tier(1, Decimal(10)), Tier(3, Decimal(10))), 10, "tiers[1].price"),
    ((Tier(1, Decimal(10)), Tier(3, Decimal(11))), 10, "tiers[1].price"),
    ((Tier(1, Decimal(-1)),), 10, "tiers[0].price"),
    ((Tier(1, Decimal("1.001")),), 10, "tiers[0].price"),
    ((Tier(1, Decimal(10)), Tier(0, Decimal(9))), 10, "tiers[1].min_buyers"),
    ((Tier(1, Decimal(10)), Tier(11, Decimal(9))), 10, "cap"),
    (tuple(Tier(i + 1, Decimal(100 - i)) for i in range(11)), 100, "tiers"),
])
def test_bad_tiers_are_refused_naming_the_field(tiers: tuple[Tier, ...], cap: int, field: str) -> None:
    with pytest.raises(BadRequest) as exc:
        GroupBuySpec(room_id="r", sku="HOT", tiers=tiers, cap=cap, duration_s=60)
    assert exc.value.code == "bad_group_buy" and exc.value.details == {"field": field}


@pytest.mark.parametrize(("kw", "field"), [({"cap": 0}, "cap"), ({"max_qty": 21}, "max_qty"),
                                           ({"duration_s": 0}, "duration_s"), ({"cap": True}, "cap")])
def test_bad_limits_are_refused(kw: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"room_id": "r", "sku": "HOT", "tiers": TIERS[:1], "cap": 5, "duration_s": 60, **kw}
    with pytest.raises(BadRequest) as exc:
        GroupBuySpec(**args)  # type: ignore[arg-type]
    assert exc.value.details == {"field": field}


def test_refusals_ended_expired_full_and_quantities() -> None:
    assert refusal(offer(), T0, 1) is None
    assert (refusal(offer(ended=True), T0, 1) or BadRequest("")).code == "group_buy_ended"
    assert (refusal(offer(), T0 + dt.timedelta(minutes=10), 1) or BadRequest("")).code == "group_buy_ended"
    full = refusal(offer(units=49), T0, 2)
    assert full is not None and full.code == "group_buy_full" and full.details["available"] == 1
    assert not offer(units=50).active(T0) and offer(units=49).active(T0)
    check_qty(offer(), 2)
    for bad in (0, 3, True):
        with pytest.raises(BadRequest):
            check_qty(offer(), bad)  # type: ignore[arg-type]
