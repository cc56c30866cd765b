"""Each commerce tool against the demo store, and the privacy rules enforced inside the tools."""

from __future__ import annotations

from souk.assistant.offline import OfflineBrain
from souk.assistant.tools import TOOL_NAMES, Caller, CommerceTools
from souk.assistant.toolspecs import TOOL_SPECS
from souk.domain.store import StoreSnapshot


def tools(brain: OfflineBrain, snap: StoreSnapshot, customer: str | None = None) -> CommerceTools:
    return CommerceTools(snap, brain.index_for(snap), Caller(customer_id=customer))


def test_get_order_own_order(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    r = tools(brain, snap, "C-518").get_order("1036")
    assert r["found"] and r["order"]["tracking_number"] == "1Z5760225209" and r["order"]["carrier"] == "UPS"
    assert "customer_id" not in r["order"] and "email" not in str(r)


def test_get_order_other_customers_order_looks_like_unknown(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap, "C-518")
    other = t.get_order("1040")  # C-501's order
    unknown = t.get_order("9999")
    assert other["found"] is False and unknown["found"] is False
    assert "1Z1041119883" not in str(other) and other["reason"] == unknown["reason"]


def test_anonymous_must_prove_ownership(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    assert t.get_order("1027") == {"found": False, "order_id": "1027", "needs": "email",
                                   "reason": "anonymous visitors must confirm the order's e-mail address"}
    wrong = t.get_order("1027", email="emily.johnson@example.com")
    assert wrong["found"] is False and "1Z3050836078" not in str(wrong)
    ok = t.get_order("1027", email=" Jessica.Miller@example.com ")
    assert ok["found"] and ok["order"]["tracking_number"] == "1Z3050836078"
    assert t.get_order("1027")["found"]  # verified for the rest of the conversation
    assert not t.get_order("1036")["found"]  # ... but only that order
    assert [o["order_id"] for o in t.list_my_orders()["orders"]] == ["1027"]


def test_list_my_orders(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    r = tools(brain, snap, "C-518").list_my_orders(limit=10)
    assert r["signed_in"] and {o["order_id"] for o in r["orders"]} == {"1027", "1031", "1036", "1038"}
    assert tools(brain, snap).list_my_orders() == {"signed_in": False, "orders": []}


def test_shipping_and_duties(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    de = t.shipping_info("de")
    assert de["ships"] and de["express_days"] == [4, 6] and de["free_shipping_over"] == "59.00"
    assert t.shipping_info("JP")["ships"] is False
    def paid(code: str) -> list[tuple[str, object, object]]:
        return [(r["paid"], r.get("up_to"), r.get("over")) for r in t.duties_info(code)["rules"]]

    assert paid("BR") == [("on_delivery", None, None)]
    assert paid("US") == [("none", {"amount": 800, "currency": "USD"}, None)]
    assert paid("SA") == [("at_checkout", None, None)]  # "Cash on delivery" in the zone's words is not DDU
    assert paid("ID") == [("on_delivery", None, {"amount": 3, "currency": "USD"}), ("at_checkout", None, None)]
    assert paid("SG") == [("at_checkout", None, None)]  # the ID rule names ID only
    assert paid("GB") == [("included", {"amount": 135, "currency": "GBP"}, None)]
    assert t.duties_info("JP") == {"country": "JP", "ships": False}


def test_return_policy_exceptions(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    assert t.return_policy()["window_days"] == 30
    opened = t.return_policy(sku="BT-2001", opened=True)
    assert opened["returnable"] is False and opened["refusal"] == "non_returnable"
    assert opened["rule"] == {"when": "opened", "unless": "defective", "reason": "hygiene"}
    assert t.return_policy(sku="BT-2001", opened=True, defect="defective")["returnable"] is True
    assert t.return_policy(sku="BT-2001", opened=False)["returnable"] is True
    assert t.return_policy(sku="JW-4002")["refusal"] == "non_returnable"
    assert t.return_policy(sku="JW-4001")["returnable"] is True
    assert t.return_policy(country="FR")["free_label"] is True
    us, sg = t.return_policy(country="US"), t.return_policy(country="SG")
    assert us["return_shipping_paid_by"] == "store" and sg["return_shipping_paid_by"] == "customer"


def test_warranty_product_payment(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    assert t.warranty_info("HM-5002")["warranty_months"] == 36
    assert t.warranty_info("JW-4001")["warranty_months"] == 12  # warranty_months.by_category
    assert t.warranty_info("AP-1001")["warranty_months"] is None  # the store states none
    assert t.product_info("el-3001")["product"]["attributes"]["battery_hours"] == 30
    assert t.product_info("NOPE")["found"] is False
    assert t.stock_info("BT-2003") == {"found": True, "sku": "BT-2003", "names": snap.product("BT-2003").names,
                                      "in_stock": False, "stock": 0, "restock_date": "2026-12-10"}
    br = [m["name"] for m in t.payment_methods("BR")["methods"]]
    mx = [m["name"] for m in t.payment_methods("MX")["methods"]]
    assert "PIX" in br and "PIX" not in mx and "Klarna" not in mx and "Visa" in mx


def test_search_products_with_price_limit(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    hits = t.search_products("something for camping", max_price=150)["products"]
    assert hits and hits[0]["category"] == "outdoor" and all(float(p["price"]) <= 150 for p in hits)
    assert t.search_products("earbuds", max_price=0.01)["products"] == []


def test_escalation_tools_and_specs(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    t = tools(brain, snap)
    assert t.handoff_to_human("requested")["handoff"] == "human"
    assert t.offer_video_consultation("JW-4002")["eligible"] is True
    assert t.offer_video_consultation("AP-1003")["eligible"] is False
    assert [s.name for s in TOOL_SPECS] == list(TOOL_NAMES) == list(t.registry())
