"""Every product, order, zone and template rendered in every language reads as that language (the rule the
eval scorer applies), whatever English store text (descriptions, carriers) it carries."""

from __future__ import annotations

import string

import pytest
from assistant_scoring import script_language

from souk.assistant import policy_text, render
from souk.assistant.messages import T
from souk.assistant.messages_policy import P
from souk.assistant.tools import Caller, CommerceTools, order_dict, product_dict
from souk.domain.store import StoreSnapshot

LANGS = ("en", "es", "pt", "id", "zh", "ar")
# Fragments that are only ever appended to a full sentence of the same language.
FRAGMENTS = {"refund_line", "order_items", "probe_has", "probe_yes", "in_stock_short",
             "search_cap", "where", "why_angry", "why_damage", "why_confused", "why_requested", "too_long", "label_free",
             "other_orders", "order_change_ok", "order_change_shipped", "order_id_example", "nr_rule", "nr_category",
             "nr_products", "fee_all", "fee_cats", "fee_product", "ship_except", "ship_store", "ship_customer",
             "ship_summary_customer", "ship_summary_store", "return_other_items", "duty_gap", "warranty_cat",
             "warranty_own", "warranty_default", "warranty_default_none", "hours_daily", "hours_open_now",
             "hours_next", "size_none", "duty_rates", "duty_rate_duty", "duty_rate_vat", "duty_fee", "duty_up_to",
             "duty_over", "duty_other", "shipping_fees", "shipping_fee_standard", "shipping_fee_express",
             "fee_order_line", "product_desc", "days_range", "warranty_own_one"}
FRAGMENTS |= {k for k in P if k.startswith(("when_", "reason_", "unless_", "case_"))}


@pytest.mark.parametrize("lang", LANGS)
def test_store_facts_render_in_the_language(snap: StoreSnapshot, lang: str) -> None:
    tools = CommerceTools(snap, None, Caller(None))  # type: ignore[arg-type]  # no catalog search here
    cur = snap.merchant.currency
    texts = [render.product_text(product_dict(p, cur), lang, cur) for p in snap.products]
    texts += [render.stock_text(product_dict(p, cur), lang) for p in snap.products]
    texts += [render.order_text(order_dict(o, snap), lang, "USD", focus=f) for o in snap.orders
              for f in (None, "carrier")]
    codes = [c for z in snap.shipping for c in z.countries] + ["JP"]
    texts += [render.shipping_text(tools.shipping_info(c), lang, m) for c in codes for m in (None, "express")]
    texts += [policy_text.duties_text(tools.duties_info(c), lang, "en") for c in codes if c != "JP"]
    wrong = [t for t in texts if script_language(t) != lang]
    assert not wrong, wrong[:3]


@pytest.mark.parametrize("lang", LANGS)
def test_standalone_templates_read_as_the_language(lang: str) -> None:
    wrong = []
    for key, row in {**T, **P}.items():
        if key in FRAGMENTS:
            continue
        fields = [f for _, f, _, _ in string.Formatter().parse(row[lang]) if f]
        text = row[lang].format(**{f: "X" for f in fields})
        if script_language(text) != lang:
            wrong.append((key, text))
    assert not wrong, wrong
