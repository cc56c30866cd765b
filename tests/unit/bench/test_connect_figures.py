"""`souk bench connect` figures without media: every key names its join, failed rounds count at the timeout."""

from __future__ import annotations

from souk.bench.connect import FAILED_MS, KEYS, join_figures, summary


def test_a_failed_round_counts_at_the_timeout_in_every_percentile() -> None:
    souk = {"ms": [50.0, 60.0, 70.0], "connect_ms": [5.0], "phases_p50_ms": {"switched": 10.0}, "primed": 2}
    raw = {"ms": [40.0, 45.0, 41.0, 42.0]}
    out = join_figures(KEYS["warm"], 4, souk, raw)
    assert out["warm_switch_failed"] == 1 and out["warm_switch_raw_failed"] == 0
    assert out["warm_switch_p50_ms"] == 60.0 and out["warm_switch_p95_ms"] == FAILED_MS
    assert out["warm_switch_max_ms"] == FAILED_MS and out["warm_switch_slow"] == 1
    assert out["warm_switch_raw_p50_ms"] == 41.0 and out["warm_switch_raw_p95_ms"] == 45.0
    assert out["warm_switch_ok"] == 3 and out["warm_switch_primed"] == 2
    assert out["warm_switch_rounds_ms"] == [50, 60, 70]


def test_cold_joins_have_their_own_keys_and_the_summary_names_both() -> None:
    cold = join_figures(KEYS["cold"], 2, {"ms": [100.0, 600.0]}, {"ms": [80.0]})
    assert cold["cold_join_p50_ms"] == 100.0 and cold["cold_join_slow"] == 1
    assert cold["cold_join_raw_failed"] == 1 and cold["cold_join_raw_p95_ms"] == FAILED_MS
    assert "cold_join_primed" not in cold
    warm = join_figures(KEYS["warm"], 2, {"ms": [50.0, 55.0], "primed": 2}, {"ms": [40.0, 41.0]})
    text = summary({"rounds": 2, **warm, **cold})
    assert "warm switch (feed switch on a connection warmed while ringing): p50 50.0 ms" in text
    assert text.splitlines()[1].startswith("cold join") and "0 of 2 failed, 1 over 500 ms" in text.splitlines()[1]
