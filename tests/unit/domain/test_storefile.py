"""Store file checks (every problem, each with its JSON path) and the export that reads back the same."""

from __future__ import annotations

from typing import Any

import pytest

from souk.core.errors import ErrorKind
from souk.domain.storecheck import check_store
from souk.domain.storefile import StoreInvalid, read_store, store_document
from tests.unit.domain.store_samples import canonical, demo, small_store


def problems(data: object, **kw: Any) -> dict[str, str]:
    found = check_store(data, **kw)
    out = {p.path: p.message for p in found}
    assert len(out) == len(found), f"two problems on one path: {found}"
    return out


def test_the_demo_store_and_a_second_store_pass() -> None:
    assert check_store(demo()) == []
    assert check_store(small_store()) == []
    assert check_store(small_store("jp", "JPY") | {"products": []} | {"orders": []}) == []


def test_every_problem_is_reported_with_its_path() -> None:
    bad = demo()
    bad["products"][3]["price_usd"] = "29.99"
    bad["products"][5]["sku"] = bad["products"][0]["sku"]
    del bad["products"][7]["names"]["zh"]
    bad["products"][8]["stock"] = -1
    bad["customers"][2]["country"] = "de"
    bad["orders"][0]["customer_id"] = "nobody"
    bad["orders"][1]["status"] = "lost_in_space"
    bad["orders"][2]["lines"][0]["qty"] = 0
    bad["orders"][3]["placed_on"] = "2026-13-01"
    bad["shipping"][1]["countries"].append("US")
    bad["shipping"][0]["duty_rules"][0]["paid"] = "sometimes"
    bad["policies"]["returns"]["free_return_label_regions"] = ["atlantis"]
    bad["policies"]["support"]["human_hours"] = "9-17"
    bad["faq"][1]["topic"] = bad["faq"][0]["topic"]
    del bad["as_of"]
    found = problems(bad)
    expected = {
        "$.products[3].price_usd": "must be a number",
        "$.products[5].sku": "repeats (first at $.products[0].sku)",
        "$.products[7].names": "has no name in 'zh'",
        "$.products[8].stock": "must be at least 0",
        "$.customers[2].country": "ISO 3166-1 alpha-2",
        "$.orders[0].customer_id": "'nobody' is not a customers[].id",
        "$.orders[1].status": "must be one of",
        "$.orders[2].lines[0].qty": "must be at least 1",
        "$.orders[3].placed_on": "must be a date YYYY-MM-DD",
        f"$.shipping[1].countries[{len(bad['shipping'][1]['countries']) - 1}]": "US is already in zone 'north_america'",
        "$.shipping[0].duty_rules[0].paid": "must be one of",
        "$.policies.returns.free_return_label_regions[0]": "'atlantis' is not a shipping[].region",
        "$.policies.support.human_hours": "HH:MM-HH:MM",
        "$.faq[1].topic": "repeats",
        "$.as_of": "required key missing",
    }
    for path, fragment in expected.items():
        assert fragment in found.get(path, ""), (path, found.get(path))
    # The SKU renamed at [5] is no longer a product: its order lines are reported too, and nothing else is.
    rest = set(found) - set(expected)
    assert rest and all(".lines[" in p and p.endswith(".sku") for p in rest), rest
    with pytest.raises(StoreInvalid) as err:
        read_store(bad)
    assert err.value.kind is ErrorKind.UNPROCESSABLE and err.value.code == "store_invalid"
    assert err.value.details["count"] == len(found)
    assert {p["path"] for p in err.value.details["problems"]} == set(found)


def test_money_keys_carry_the_store_currency() -> None:
    store = small_store(currency="MXN")
    store["products"][0]["price_usd"] = store["products"][0].pop("price_mxn")
    store["shipping"][0]["standard_fee_eur"] = 5
    found = problems(store)
    assert found == {
        "$.products[0].price_usd": "money key in USD, but store.currency is MXN: write price_mxn",
        "$.products[0].price_mxn": "required key missing",
        "$.shipping[0].standard_fee_eur": "money key in EUR, but store.currency is MXN: write standard_fee_mxn",
    }


def test_amounts_keep_no_more_decimals_than_the_currency_has() -> None:
    yen = small_store("jp", "JPY")
    yen["products"][0]["price_jpy"] = 450.5
    assert problems(yen)["$.products[0].price_jpy"] == "has more than 0 decimals, got 450.5"
    mx = small_store()
    mx["products"][0]["price_mxn"] = 1.005  # stored in hundredths: refused, not rounded
    assert "more than 2 decimals" in problems(mx)["$.products[0].price_mxn"]
    mx["products"][0]["price_mxn"] = float("nan")
    assert "must be a number" in problems(mx)["$.products[0].price_mxn"]


def test_the_file_must_be_the_merchants() -> None:
    found = problems(small_store("tienda", "MXN"), merchant_id="other", currency="USD")
    assert found == {"$.store.id": "is 'tienda', but this import is for merchant 'other'",
                     "$.store.currency": "is MXN, but merchant 'other' is priced in USD (set when the merchant "
                                         "was created)"}


def test_structured_policy_checks() -> None:
    store = small_store()
    returns = store["policies"]["returns"]
    returns["non_returnable"] = [{"category": "textiles", "skus": ["SOL-1"]}, {"skus": ["NOPE"], "when": "worn"}]
    returns["return_shipping_paid_by"] = {"default": "nobody", "by_region": {"mars": "store"}}
    store["policies"]["support"] = {"human_hours": "25:00-18:00", "utc_offset": "+6", "days": ["mon", "funday"]}
    store["policies"]["warranty_months"] = {"default": "twelve"}
    store["policies"]["payment_methods"] = ["", 5]
    store["shipping"][1]["duty_rules"][0]["countries"] = ["MX"]
    found = problems(store)
    assert found == {
        "$.policies.returns.non_returnable[0]": "a rule has exactly one of category and skus",
        "$.policies.returns.non_returnable[1].skus[0]": "'NOPE' is not a products[].sku",
        "$.policies.returns.non_returnable[1].when": "must be one of opened, seal_broken, used, got 'worn'",
        "$.policies.returns.return_shipping_paid_by.default": "must be one of customer, store, got 'nobody'",
        "$.policies.returns.return_shipping_paid_by.by_region.mars": "'mars' is not a shipping[].region",
        "$.policies.support.human_hours": "must be \"HH:MM-HH:MM\" on a 24-hour clock, got '25:00-18:00'",
        "$.policies.support.utc_offset": "must be \"+HH:MM\" or \"-HH:MM\", got '+6'",
        "$.policies.support.days[1]": "must be one of fri, mon, sat, sun, thu, tue, wed, got 'funday'",
        "$.policies.warranty_months.default": "must be an integer",
        "$.policies.payment_methods[0]": "must not be empty",
        "$.policies.payment_methods[1]": "must be a string",
        "$.shipping[1].duty_rules[0].countries[0]": "MX is not a country of zone 'usa'",
    }


@pytest.mark.parametrize("data", [None, 3, "store", [], {"store": []}, {"store": {"id": 5}, "products": {}},
                                  {"store": {}, "products": [None, 1, []], "shipping": [{}], "policies": {"returns": 1},
                                   "faq": [{"answers": [1]}], "orders": [{"lines": [None]}]}])
def test_any_json_gets_problems_never_an_exception(data: object) -> None:
    found = check_store(data)
    assert found and all(p.path.startswith("$") and p.message for p in found)
    with pytest.raises(StoreInvalid):
        read_store(data)


def test_files_written_before_the_structured_fields_take_the_defaults() -> None:
    old = demo()
    for zone in old["shipping"]:
        for key in ("duty_rules", "standard_fee_usd", "express_fee_usd"):
            zone.pop(key, None)
    for key in ("warranty_months", "support"):
        old["policies"].pop(key, None)
    for key in ("non_returnable", "return_shipping_paid_by", "restocking_fee_pct", "exchange_window_days",
                "restocking_fee_categories"):
        old["policies"]["returns"].pop(key, None)
    snap = read_store(old)
    assert snap.shipping[0].duty_rules == () and snap.shipping[0].standard_fee is None
    assert snap.policies.returns.extra == {}


@pytest.mark.parametrize("make", [demo, small_store, lambda: small_store("jp", "JPY")])
def test_export_reads_back_as_the_same_store(make: Any) -> None:
    data = make()
    if data["store"]["currency"] == "JPY":
        data["products"][0]["price_jpy"] = 450
        data["orders"][0]["lines"][0]["unit_price_jpy"] = 450
    written = store_document(read_store(data))
    assert check_store(written) == []
    assert canonical(written) == canonical(data)
    assert store_document(read_store(written)) == written
