"""Quotes of actions on orders (souk.domain.order_actions) on the demo store (as of 2026-11-21) and on
copies of it with other policies: what is allowed, what would happen, and why a refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from souk.data import demo_store_json
from souk.domain import policy
from souk.domain.models import ReturnRecord
from souk.domain.order_actions import (
    REFUND_METHOD,
    REFUSALS,
    VARIANT_ATTRIBUTES,
    ActionKind,
    Caller,
    clean_address,
    quote_address_change,
    quote_cancel,
    quote_exchange,
    quote_resend_tracking,
    quote_return,
)
from souk.domain.store import StoreSnapshot, parse_store


@pytest.fixture(scope="module")
def snap() -> StoreSnapshot:
    return parse_store(demo_store_json())


def with_returns(snap: StoreSnapshot, **extra: Any) -> StoreSnapshot:
    r = snap.policies.returns
    returns = dataclasses.replace(r, extra={**r.extra, **extra})
    return dataclasses.replace(snap, policies=dataclasses.replace(snap.policies, returns=returns))


def me(cid: str) -> Caller:
    return Caller(customer_id=cid)


def test_cancel_a_processing_order_refunds_everything(snap: StoreSnapshot) -> None:
    q = quote_cancel(snap, "1001", me("C-517"))
    assert q.allowed and q.kind is ActionKind.CANCEL and q.refusal is None
    assert [(i.sku, i.qty) for i in q.items] == [("EL-3002", 1)]
    assert q.refund_amount == Decimal("26.80") and q.refund_method == REFUND_METHOD and q.fee == 0
    assert q.to_dict()["refund_amount"] == "26.80" and q.currency == "USD"
    assert quote_cancel(snap, "#1001", me("C-517")).allowed  # typed with a '#'


@pytest.mark.parametrize(("oid", "cid", "refusal"), [
    ("1002", "C-511", "already_shipped"), ("1011", "C-516", "already_cancelled"),
    ("1010", "C-509", "already_returned"), ("1001", "C-511", "not_your_order"), ("9999", "C-511", "not_your_order"),
])
def test_cancel_refusals(snap: StoreSnapshot, oid: str, cid: str, refusal: str) -> None:
    q = quote_cancel(snap, oid, me(cid))
    assert not q.allowed and q.refusal == refusal and refusal in REFUSALS
    assert q.items == () and q.refund_amount == 0


def test_an_anonymous_shopper_acts_only_on_orders_proved_by_e_mail(snap: StoreSnapshot) -> None:
    assert quote_cancel(snap, "1001", Caller(None)).refusal == "not_your_order"
    assert quote_cancel(snap, "1001", Caller(None, verified={"1001"})).allowed
    assert quote_cancel(snap, "1012", Caller(None, verified={"1001"})).refusal == "not_your_order"


def test_address_change_same_country_only(snap: StoreSnapshot) -> None:
    q = quote_address_change(snap, "1001", me("C-517"), address="  88 Ayala Ave,\n Makati 1226 ")
    assert q.allowed and q.details["address"] == {"text": "88 Ayala Ave, Makati 1226", "country": "PH"}
    moved = quote_address_change(snap, "1001", me("C-517"), address="5 Orchard Rd 238801", country="sg")
    assert moved.refusal == "country_change" and moved.details["new_country"] == "SG"
    assert quote_address_change(snap, "1001", me("C-517"), address="home").refusal == "bad_address"
    assert quote_address_change(snap, "1002", me("C-511"), address="12 King Fahd Rd").refusal == "already_shipped"
    assert clean_address("x" * 400 + " 1") is None and clean_address("Calle 5 #12, Bogotá") == "Calle 5 #12, Bogotá"


def test_return_of_a_delivered_order_in_the_window(snap: StoreSnapshot) -> None:
    q = quote_return(snap, "1006", me("C-509"), today=dt.date(2026, 11, 21))  # FR, europe: the store pays
    assert q.allowed and q.label and q.details["return_shipping_paid_by"] == "store"
    assert [(i.sku, i.qty) for i in q.items] == [("OD-6002", 1), ("EL-3005", 2)]
    assert q.refund_amount == Decimal("187.00") and q.fee == 0 and q.refund_method == REFUND_METHOD
    assert q.details["deadline"] == "2026-11-24" and q.details["days_left"] == 3
    asia = quote_return(snap, "1008", me("C-515"))  # SG: the customer pays return shipping, no label
    assert asia.allowed and not asia.label and asia.refund_amount == Decimal("45.00")


def test_return_refusals(snap: StoreSnapshot) -> None:
    assert quote_return(snap, "1040", me("C-501"), today=dt.date(2026, 12, 1)).refusal == "window_passed"
    assert quote_return(snap, "1001", me("C-517")).refusal == "not_shipped_yet"
    assert quote_return(snap, "1002", me("C-511")).refusal == "not_delivered"
    assert quote_return(snap, "1006", me("C-501")).refusal == "not_your_order"
    opened = quote_return(snap, "1040", me("C-501"), skus=["BT-2002"], opened=True)
    assert opened.refusal == "non_returnable" and opened.details["excluded"][0]["rule_reason"] == "hygiene"
    defective = quote_return(snap, "1040", me("C-501"), skus=["BT-2002"], opened=True, defect="defective")
    assert defective.allowed
    partial = quote_return(snap, "1040", me("C-501"), opened=True)  # the rest still goes back
    assert partial.allowed and "BT-2002" not in [i.sku for i in partial.items]
    assert [e["sku"] for e in partial.details["excluded"]] == ["BT-2002"]


def test_restocking_fee_only_on_its_categories_and_never_on_defects(snap: StoreSnapshot) -> None:
    fee_snap = with_returns(snap, restocking_fee_pct=10, restocking_fee_categories=["electronics"])
    q = quote_return(fee_snap, "1006", me("C-509"))
    assert [i.fee for i in q.items] == [Decimal("0.00"), Decimal("15.80")]  # 10 % of 2 x 79.00
    assert q.fee == Decimal("15.80") and q.refund_amount == Decimal("171.20")
    assert quote_return(fee_snap, "1006", me("C-509"), defect="defective").fee == 0


def test_an_item_already_in_a_return_is_not_returned_twice(snap: StoreSnapshot) -> None:
    rma = ReturnRecord(id="RMA-1", order_id="1006", kind="return", lines=({"sku": "OD-6002", "qty": 1},),
                       refund_amount=Decimal("29.00"), fee=Decimal(0), label_ref=None, status="requested",
                       created_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    again = dataclasses.replace(snap, returns=(rma,))
    q = quote_return(again, "1006", me("C-509"))
    assert [i.sku for i in q.items] == ["EL-3005"]
    assert quote_return(again, "1006", me("C-509"), skus=["OD-6002"]).refusal == "already_returned"
    assert quote_exchange(again, "1006", me("C-509"), sku="OD-6002", to_value="x").refusal == "not_same_product"


def test_exchange_for_another_size_or_colour_of_the_same_product(snap: StoreSnapshot) -> None:
    q = quote_exchange(snap, "1019", me("C-520"), sku=None, to_value="l")
    assert q.allowed and q.details["attribute"] == "sizes" and q.details["to"] == "L"
    assert q.details["stock_scope"] == "product" and q.refund_amount == 0
    colour = quote_exchange(snap, "1019", me("C-520"), sku="AP-1001", to_value="Olive")
    assert colour.allowed and colour.details["attribute"] == "colors"
    nope = quote_exchange(snap, "1019", me("C-520"), sku=None, to_value="XXXL")
    assert nope.refusal == "not_same_product" and nope.details["offered"]["sizes"][0] == "XS"
    late = quote_exchange(snap, "1019", me("C-520"), sku=None, to_value="L", today=dt.date(2026, 12, 20))
    assert late.refusal == "window_passed"
    assert quote_exchange(snap, "1002", me("C-511"), sku=None, to_value="L").refusal == "not_delivered"
    empty = dataclasses.replace(snap, products=tuple(dataclasses.replace(p, stock=0) if p.sku == "AP-1001" else p
                                                     for p in snap.products))
    out = quote_exchange(empty, "1019", me("C-520"), sku=None, to_value="L")
    assert out.refusal == "out_of_stock" and out.details["stock_scope"] == "product"


def test_exchange_window_is_its_own(snap: StoreSnapshot) -> None:
    short = with_returns(snap, exchange_window_days=3)
    assert quote_exchange(short, "1019", me("C-520"), sku=None, to_value="L").refusal == "window_passed"
    assert quote_return(short, "1019", me("C-520")).allowed  # the return window is still 30 days


def test_resend_tracking(snap: StoreSnapshot) -> None:
    q = quote_resend_tracking(snap, "1002", me("C-511"))
    assert q.allowed and q.details == {"carrier": "Aramex", "tracking_number": "AX1733124982", "status": "shipped"}
    assert quote_resend_tracking(snap, "1001", me("C-517")).refusal == "not_shipped_yet"
    assert quote_resend_tracking(snap, "1011", me("C-516")).refusal == "already_cancelled"
    assert quote_resend_tracking(snap, "1002", me("C-517")).refusal == "not_your_order"


STORES = sorted(p.stem for p in Path(__file__).resolve().parents[2].joinpath("fixtures", "stores").glob("*.json"))


@pytest.mark.parametrize("store_id", STORES)
def test_quotes_follow_each_stores_own_rules(store_id: str) -> None:
    """On the other test stores (other windows, fees, exclusions, who pays return shipping): every quote is what
    that store's rules say, computed here from its file."""
    path = Path(__file__).resolve().parents[2] / "fixtures" / "stores" / f"{store_id}.json"
    snap = parse_store(json.loads(path.read_text(encoding="utf-8")))
    rules = policy.return_rules(snap)
    seen = set()
    for order in snap.orders:
        me_ = Caller(order.customer_id)
        cancel = quote_cancel(snap, order.id, me_)
        assert cancel.allowed is (order.status.value in ("processing", "pending"))
        if cancel.allowed:
            assert cancel.refund_amount == order.total
        if order.status.value != "delivered" or order.delivered_on is None:
            continue
        age = (snap.as_of - order.delivered_on).days
        q = quote_return(snap, order.id, me_)
        if age > rules.window_days:
            assert q.refusal == "window_passed"
            seen.add("window_passed")
            continue
        if not q.allowed:
            assert q.refusal == "non_returnable"
            seen.add("non_returnable")
            continue
        fee = sum(((i.unit_price * i.qty * rules.restocking_fee_pct / 100).quantize(Decimal("0.01"))
                   for i in q.items if rules.fee_applies_to(snap.product(i.sku).category)),  # type: ignore[union-attr]
                  Decimal("0.00"))
        assert q.fee == fee and q.refund_amount == sum((i.unit_price * i.qty for i in q.items), Decimal(0)) - fee
        seen.add("fee" if fee else "no_fee")
        assert q.label is (policy.check_return(snap, snap.product(q.items[0].sku), order=order)  # type: ignore[arg-type]
                           .return_shipping_paid_by == "store")
        variant = next(((ln.sku, v) for ln in order.lines if (p := snap.product(ln.sku)) is not None
                        for a in VARIANT_ATTRIBUTES for v in (p.attributes.get(a) or [])[:1]), None)
        if variant is not None:
            ex = quote_exchange(snap, order.id, me_, sku=variant[0], to_value=str(variant[1]))
            if age > rules.exchange_window_days:
                assert ex.refusal == "window_passed"
                seen.add("exchange_window_passed")
    assert {"window_passed", "fee"} <= seen, seen
