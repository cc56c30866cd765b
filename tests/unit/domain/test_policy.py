"""domain/policy.py: the structured policy fields of a store file, applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from souk.domain.policy import (
    check_return,
    exchange_allowed,
    return_rules,
    support_hours,
    warranty_months,
)
from souk.domain.store import StoreSnapshot, parse_store
from tests.unit.domain.store_samples import demo, small_store

UTC = dt.UTC


def _snap(data: dict[str, Any]) -> StoreSnapshot:
    return parse_store(data)


def _product(snap: StoreSnapshot, sku: str) -> Any:
    product = snap.product(sku)
    assert product is not None
    return product


def _order(snap: StoreSnapshot, order_id: str) -> Any:
    order = snap.order(order_id)
    assert order is not None
    return order


# --- the demo store -------------------------------------------------------------------------------------------


def test_demo_return_rules_read_from_the_file() -> None:
    rules = return_rules(_snap(demo()))
    assert rules.window_days == 30 and rules.exchange_window_days == 30 and rules.refund_days_after_receipt == 5
    assert rules.restocking_fee_pct == 0 and rules.restocking_fee_categories is None
    assert rules.free_label_regions == ("north_america", "europe")
    assert rules.paid_by_default == "customer"
    assert dict(rules.paid_by_region) == {"north_america": "store", "europe": "store"}
    assert rules.store_pays_when == ("defective", "wrong_item")
    assert [(r.category, r.skus, r.when, r.unless, r.reason) for r in rules.non_returnable] == [
        ("beauty", (), "opened", "defective", "hygiene"), (None, ("JW-4002",), None, "defective", "hygiene")]


def test_demo_window_days_left_and_deadline() -> None:
    snap = _snap(demo())
    order = _order(snap, "1030")  # delivered 2026-11-08 to GB, as_of 2026-11-21
    check = check_return(snap, _product(snap, "HM-5003"), order=order)
    assert check.returnable and check.reason is None
    assert check.deadline == dt.date(2026, 12, 8) and check.days_left == 17
    assert check.return_shipping_paid_by == "store" and check.free_label
    late = check_return(snap, _product(snap, "HM-5003"), order=order, today=dt.date(2026, 12, 9))
    assert not late.returnable and late.reason == "window_passed" and late.days_left == -1


def test_demo_opened_beauty_is_hygiene_unless_defective() -> None:
    snap = _snap(demo())
    beauty = _product(snap, "BT-2002")
    sealed = check_return(snap, beauty)
    assert sealed.returnable and sealed.rule is not None and sealed.rule.when == "opened"
    opened = check_return(snap, beauty, opened=True)
    assert not opened.returnable and opened.reason == "non_returnable" and opened.rule is not None
    assert opened.rule.reason == "hygiene"
    assert check_return(snap, beauty, opened=True, defect="defective").returnable
    assert not check_return(snap, beauty, opened=True, defect="wrong_item").returnable


def test_demo_sku_rule_applies_always() -> None:
    snap = _snap(demo())
    check = check_return(snap, _product(snap, "JW-4002"))
    assert not check.returnable and check.reason == "non_returnable"
    assert check_return(snap, _product(snap, "JW-4001")).rule is None


def test_demo_order_states() -> None:
    snap = _snap(demo())
    assert check_return(snap, _product(snap, "EL-3002"), order=_order(snap, "1001")).reason == "not_delivered"
    assert check_return(snap, _product(snap, "OD-6001"), order=_order(snap, "1010")).reason == "already_returned"
    assert check_return(snap, _product(snap, "HM-5003"), order=_order(snap, "1022")).reason == "cancelled"


def test_demo_return_shipping_by_region() -> None:
    snap = _snap(demo())
    sg = check_return(snap, _product(snap, "HM-5001"), order=_order(snap, "1008"))
    assert sg.return_shipping_paid_by == "customer" and not sg.free_label
    assert check_return(snap, _product(snap, "HM-5001"), order=_order(snap, "1008"),
                        defect="defective").return_shipping_paid_by == "store"
    general = check_return(snap, _product(snap, "AP-1001"), country="US")
    assert general.return_shipping_paid_by == "store" and general.free_label
    assert check_return(snap, _product(snap, "AP-1001")).return_shipping_paid_by == "customer"


def test_demo_warranty_precedence_and_null() -> None:
    snap = _snap(demo())
    assert warranty_months(snap, _product(snap, "EL-3003")) == 18  # the product's own
    assert warranty_months(snap, _product(snap, "JW-4003")) == 24  # own beats by_category
    assert warranty_months(snap, _product(snap, "JW-4001")) == 12  # by_category
    assert warranty_months(snap, _product(snap, "AP-1001")) is None  # default null: none stated


def test_demo_support_hours_daily() -> None:
    hours = support_hours(_snap(demo()))
    assert hours is not None
    assert hours.start == dt.time(8) and hours.end == dt.time(22) and hours.utc_offset == dt.timedelta(hours=8)
    assert len(hours.days) == 7 and hours.offset_text == "+08:00"
    assert hours.open_at(dt.datetime(2026, 11, 21, 0, 0, tzinfo=UTC))  # 08:00 at +08:00
    assert not hours.open_at(dt.datetime(2026, 11, 21, 14, 0, tzinfo=UTC))  # 22:00 local: closed
    assert hours.next_open(dt.datetime(2026, 11, 21, 14, 0, tzinfo=UTC)) == dt.datetime(2026, 11, 22, 0, 0,
                                                                                         tzinfo=UTC)


# --- hand-made stores -----------------------------------------------------------------------------------------


def _store(**returns: Any) -> dict[str, Any]:
    data = small_store()
    data["policies"]["returns"].update(returns)
    return data


def test_fourteen_day_window_and_default_exchange_window() -> None:
    data = _store()
    data["orders"][0].update(status="delivered", delivered_on="2026-11-25")
    snap = _snap(data)
    order, mug = _order(snap, "SO-1"), _product(snap, "SOL-1")
    check = check_return(snap, mug, order=order)
    assert check.returnable and check.deadline == dt.date(2026, 12, 9) and check.days_left == 3
    assert exchange_allowed(snap, order) == (True, None)
    assert exchange_allowed(snap, order, today=dt.date(2026, 12, 10)) == (False, "window_passed")
    assert check_return(snap, mug, order=order, today=dt.date(2026, 12, 10)).reason == "window_passed"


def test_exchange_window_shorter_than_returns() -> None:
    data = _store(exchange_window_days=3)
    data["orders"][0].update(status="delivered", delivered_on="2026-12-01")
    snap = _snap(data)
    order = _order(snap, "SO-1")
    assert return_rules(snap).exchange_window_days == 3
    assert exchange_allowed(snap, order) == (False, "window_passed")
    assert check_return(snap, _product(snap, "SOL-1"), order=order).returnable
    assert exchange_allowed(snap, _order(_snap(small_store()), "SO-1")) == (False, "not_delivered")


def test_restocking_fee_by_category() -> None:
    snap = _snap(_store(restocking_fee_categories=["ceramics"]))
    mug, shawl = _product(snap, "SOL-1"), _product(snap, "SOL-2")
    assert check_return(snap, mug).restocking_fee == Decimal("45.05")  # 10 % of 450.50
    assert check_return(snap, mug, defect="defective").restocking_fee == 0
    assert check_return(snap, mug, defect="wrong_item").restocking_fee == 0
    assert check_return(snap, shawl).restocking_fee == 0  # not a listed category
    every = _snap(_store())  # no category list: every category
    assert check_return(every, _product(every, "SOL-2")).restocking_fee == Decimal("120.00")
    none = _snap(_store(restocking_fee_pct=0))
    assert check_return(none, _product(none, "SOL-1")).restocking_fee == 0


def test_fee_uses_the_price_paid_on_the_order() -> None:
    data = _store()
    data["orders"][0].update(status="delivered", delivered_on="2026-12-01")
    data["orders"][0]["lines"][0]["unit_price_mxn"] = 400
    snap = _snap(data)
    check = check_return(snap, _product(snap, "SOL-1"), order=_order(snap, "SO-1"))
    assert check.restocking_fee == Decimal("40.00")


def test_seal_broken_rule_unless_defective() -> None:
    snap = _snap(_store(non_returnable=[{"category": "textiles", "when": "seal_broken", "unless": "defective",
                                         "reason": "hygiene"}]))
    shawl = _product(snap, "SOL-2")
    assert check_return(snap, shawl).returnable
    assert check_return(snap, shawl, opened=True).returnable  # opened, seal intact
    broken = check_return(snap, shawl, seal_broken=True)
    assert not broken.returnable and broken.reason == "non_returnable" and broken.restocking_fee == 0
    assert check_return(snap, shawl, seal_broken=True, defect="defective").returnable
    assert not check_return(snap, shawl, seal_broken=True, defect="wrong_item").returnable


def test_used_and_opened_conditions() -> None:
    snap = _snap(small_store())  # textiles: not returnable when used
    shawl = _product(snap, "SOL-2")
    assert check_return(snap, shawl, opened=True).returnable
    assert not check_return(snap, shawl, used=True).returnable
    opened = _snap(_store(non_returnable=[{"skus": ["SOL-1"], "when": "opened", "reason": "final_sale"}]))
    assert not check_return(opened, _product(opened, "SOL-1"), seal_broken=True).returnable
    assert not check_return(opened, _product(opened, "SOL-1"), opened=True, defect="defective").returnable


def test_return_shipping_payer_by_region_and_store_pays_when() -> None:
    snap = _snap(small_store())  # default customer, mexico: store, no store_pays_when
    mug = _product(snap, "SOL-1")
    assert check_return(snap, mug, country="MX").return_shipping_paid_by == "store"
    us = check_return(snap, mug, country="US")
    assert us.return_shipping_paid_by == "customer" and not us.free_label
    assert check_return(snap, mug, country="US", defect="defective").return_shipping_paid_by == "customer"
    pays = _snap(_store(return_shipping_paid_by={"default": "customer", "store_pays_when": ["defective"]}))
    mug = _product(pays, "SOL-1")
    assert check_return(pays, mug, country="US", defect="defective").return_shipping_paid_by == "store"
    assert check_return(pays, mug, country="US", defect="wrong_item").return_shipping_paid_by == "customer"
    assert check_return(pays, mug, country="MX").return_shipping_paid_by == "store"  # by_region absent: labels
    given = _snap(_store(return_shipping_paid_by={"default": "store", "by_region": {"usa": "customer"}}))
    assert check_return(given, _product(given, "SOL-1"), country="MX").return_shipping_paid_by == "store"
    assert check_return(given, _product(given, "SOL-1"), country="US").return_shipping_paid_by == "customer"


def test_return_shipping_defaults_from_free_label_regions() -> None:
    data = _store()
    del data["policies"]["returns"]["return_shipping_paid_by"]
    rules = return_rules(_snap(data))
    assert rules.paid_by_default == "customer" and dict(rules.paid_by_region) == {"mexico": "store"}
    assert rules.store_pays_when == ()


def test_old_file_without_structured_fields_takes_defaults() -> None:
    data = small_store()
    data["policies"] = {"returns": {"window_days": 21}, "payment_methods": ["Card"]}
    snap = _snap(data)
    rules = return_rules(snap)
    assert (rules.window_days, rules.exchange_window_days, rules.restocking_fee_pct) == (21, 21, 0)
    assert rules.non_returnable == () and rules.free_label_regions == () and dict(rules.paid_by_region) == {}
    assert warranty_months(snap, _product(snap, "SOL-1")) is None
    assert support_hours(snap) is None


def test_warranty_default_and_by_category() -> None:
    data = small_store()
    data["policies"]["warranty_months"] = {"default": 24, "by_category": {"ceramics": 6}}
    data["products"][1]["attributes"] = {"warranty_months": 36}
    snap = _snap(data)
    assert warranty_months(snap, _product(snap, "SOL-1")) == 6
    assert warranty_months(snap, _product(snap, "SOL-2")) == 36
    data["products"][1]["attributes"] = {}
    snap = _snap(data)
    assert warranty_months(snap, _product(snap, "SOL-2")) == 24


def test_support_hours_listed_days_and_negative_offset() -> None:
    hours = support_hours(_snap(small_store()))  # 09:00-18:00 -06:00, mon-wed
    assert hours is not None and hours.offset_text == "-06:00"
    monday_10_local = dt.datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Mon 10:00 at -06:00
    assert hours.open_at(monday_10_local)
    thursday = dt.datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    assert not hours.open_at(thursday)
    assert hours.next_open(thursday) == dt.datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # next Monday 09:00
    sunday_late_utc = dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # still Sunday 20:00 local
    assert not hours.open_at(sunday_late_utc)
    assert hours.next_open(sunday_late_utc) == dt.datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert hours.next_open(monday_10_local) == monday_10_local
    naive = dt.datetime(2026, 12, 7, 16, 0)
    assert hours.open_at(naive)


def test_support_hours_across_midnight() -> None:
    data = small_store()
    data["policies"]["support"] = {"human_hours": "22:00-06:00", "utc_offset": "+03:00", "days": ["fri"]}
    hours = support_hours(_snap(data))
    assert hours is not None
    fri_23 = dt.datetime(2026, 12, 11, 20, 0, tzinfo=UTC)  # Fri 23:00 at +03:00
    sat_03 = dt.datetime(2026, 12, 12, 0, 0, tzinfo=UTC)  # Sat 03:00: still Friday's shift
    sat_23 = dt.datetime(2026, 12, 12, 20, 0, tzinfo=UTC)
    fri_03 = dt.datetime(2026, 12, 11, 0, 0, tzinfo=UTC)  # Thursday's shift: Thursday does not work
    assert hours.open_at(fri_23) and hours.open_at(sat_03)
    assert not hours.open_at(sat_23) and not hours.open_at(fri_03)
    assert hours.next_open(sat_23) == dt.datetime(2026, 12, 18, 19, 0, tzinfo=UTC)


def test_support_hours_to_midnight_and_all_day() -> None:
    data = small_store()
    data["policies"]["support"] = {"human_hours": "10:00-24:00", "utc_offset": "+05:30", "days": "daily"}
    hours = support_hours(_snap(data))
    assert hours is not None and hours.utc_offset == dt.timedelta(hours=5, minutes=30)
    assert hours.open_at(dt.datetime(2026, 12, 7, 18, 29, tzinfo=UTC))  # 23:59 local
    assert not hours.open_at(dt.datetime(2026, 12, 7, 18, 30, tzinfo=UTC))  # 00:00 local
    data["policies"]["support"] = {"human_hours": "00:00-24:00", "utc_offset": "+00:00"}
    always = support_hours(_snap(data))
    assert always is not None and always.open_at(dt.datetime(2026, 12, 7, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize("support", [
    {"human_hours": "9-17", "utc_offset": "+01:00"},
    {"human_hours": "09:00-17:00", "utc_offset": "UTC+1"},
    {"human_hours": "09:00-17:00", "utc_offset": "+01:00", "days": ["someday"]},
])
def test_support_hours_unparseable_is_none(support: dict[str, Any]) -> None:
    data = small_store()
    data["policies"]["support"] = support
    assert support_hours(_snap(data)) is None
