"""The ops page's pure JavaScript (static/pages/ops-format.js), run with node (skipped without it): labels and
the chart specs drawn from the quality API's figures."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node


def run(body: str) -> Any:
    return run_module("pages/ops-format.js", body, expression=True)


def stats(n: int, mos: float | None, freeze: float | None, failed: int) -> dict[str, Any]:
    return {"participants": n, "failed": failed, "failure_rate": failed / n if n else None,
            "mos": {"n": n, "mean": mos, "p10": mos}, "freeze_ratio": freeze}


def test_labels() -> None:
    assert run("[m.pct(0.01234, 2), m.pct(null), m.ms(640), m.ms(2500), m.ms(undefined), m.num(4.123)]") == \
        ["1.23%", "–", "640 ms", "2.50 s", "–", "4.12"]
    assert run("[m.bucketLabel(1765065600, 3600), m.bucketLabel(1765065600, 86400)]") == ["12-07 00:00", "2025-12-07"]


def test_histogram_rows_are_ranges() -> None:
    bins = [{"le_ms": 250, "count": 2}, {"le_ms": 500, "count": 0}, {"le_ms": None, "count": 1}]
    spec = run(f"m.histogramSpec({json.dumps(bins)})")
    assert spec["rows"] == ["0 ms – 250 ms", "250 ms – 500 ms", "> 500 ms"]
    assert spec["series"][0]["values"] == [2, 0, 1]


def test_time_and_group_specs_scale_mos_to_one() -> None:
    buckets = [{"start": 1765065600, **stats(4, 4.5, 0.01, 1)}, {"start": 1765069200, **stats(1, None, None, 0)}]
    spec = run(f"m.timeSpec({json.dumps(buckets)}, 3600)")
    assert spec["max"] == 1 and spec["rows"] == ["12-07 00:00", "12-07 01:00"]
    mos, freeze, failed = spec["series"]
    assert mos["values"] == [1, None] and mos["labels"][0] == "4.50 (n=4)"
    assert freeze["values"] == [0.01, None] and failed["labels"][0] == "25.0% (1/4)"
    group = run(f"m.groupSpec({json.dumps({'Asia': stats(2, 3.6, 0, 0)})})")
    assert group["rows"] == ["Asia (n=2)"] and group["series"][0]["values"] == [0.8]


def test_sales_spec_rows_per_kind_and_group() -> None:
    by = {"live": {"freezes <= 2%": {"participants": 4, "buyers": 1, "conversion": 0.25, "orders": 1,
                                      "revenue": "10.00", "revenue_per_participant": "2.50"}},
          "consult": {"no video": {"participants": 1, "buyers": 0, "conversion": 0.0, "orders": 0,
                                   "revenue": "0.00", "revenue_per_participant": "0.00"}}}
    conv = run(f"m.salesSpec({json.dumps(by)}, 'conversion', 'USD')")
    assert conv["rows"] == ["live viewers · freezes <= 2%", "consults · no video"] and conv["max"] == 1
    assert conv["series"][0]["values"] == [0.25, 0] and conv["series"][0]["labels"][0] == "25.0% (1/4)"
    rev = run(f"m.salesSpec({json.dumps(by)}, 'revenue', 'USD')")
    assert rev["series"][0]["values"] == [2.5, 0] and rev["series"][0]["labels"][0] == "2.50 USD (10.00 from 4)"
