"""The group-buy widget's pure parts under Node (pages/group-buy.js): the progress line, the seller's tier
syntax, the countdown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node
MODULE = "pages/group-buy.js"
OFFER: dict[str, Any] = {"buyers": 2, "currency": "USD", "price": "30.00", "active": True, "ended": False,
                         "next": {"min_buyers": 3, "price": "25.00", "needed": 1}}


def test_progress_says_how_many_more_unlock_the_next_price() -> None:
    out = run_module(MODULE, f"""const o = {json.dumps(OFFER)};
        return [m.progressText(o), m.progressText({{...o, next: null}}),
                m.progressText({{...o, active: false, ended: true}})];""")
    assert out == ["2 joined · 1 more for USD 25.00", "2 joined · best price unlocked",
                   "2 joined · final price USD 30.00"]


def test_the_sellers_tier_syntax() -> None:
    out = run_module(MODULE, """return [m.parseTiers("1:30, 3:25\\n10=19.90"),
        ...["", "1:30, three:2", "1:30.123"].map((t) => { try { m.parseTiers(t); return "parsed"; }
                                                   catch (e) { return e.code; } })];""")
    assert out[0] == [{"min_buyers": 1, "price": "30"}, {"min_buyers": 3, "price": "25"},
                      {"min_buyers": 10, "price": "19.90"}]
    assert out[1:] == ["bad_tiers"] * 3


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0:00"), (59.6, "1:00"), (125, "2:05"), (3725, "1:02:05"),
                                                 (-4, "0:00")])
def test_countdown(seconds: float, shown: str) -> None:
    assert run_module(MODULE, f"m.clock({seconds})", expression=True) == shown


def test_an_ended_offer_takes_only_its_end_and_a_stale_count_is_dropped() -> None:
    out = run_module(MODULE, f"""const o = {{...{json.dumps(OFFER)}, offer_id: "g1"}};
        const over = {{...o, active: false, ended: true}};
        const msg = (type, extra = {{}}) => ({{type, offer_id: "g1", buyers: 2, ...extra}});
        return [m.takes(o, msg("group_buy_progress", {{buyers: 3}})),
                m.takes(o, msg("group_buy_progress", {{buyers: 1}})),
                m.takes(over, msg("group_buy_progress", {{buyers: 3, active: true}})),
                m.takes(over, msg("group_buy_tier")),
                m.takes(over, msg("group_buy_end")),
                m.takes(null, msg("group_buy_progress")),
                m.takes(null, msg("group_buy_start")),
                m.takes(over, {{type: "group_buy_start", offer_id: "g2"}})];""")
    assert out == [True, False, False, False, True, False, True, True]
