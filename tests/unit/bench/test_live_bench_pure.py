"""`souk bench live` without media: argument checks, step summaries, targets (see test_live_bench for the run)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from souk.bench.live.figures import Snapshot, View, format_table, summarize, summarize_step
from souk.bench.live.live import parse_steps
from souk.bench.live.probe import split_slow
from souk.core.errors import BadRequest


@pytest.mark.parametrize("text", ["", "20,10", "0,5", "5,5", "a,b", "-4"])
def test_bad_steps_are_refused_with_a_code(text: str) -> None:
    with pytest.raises(BadRequest) as err:
        parse_steps(text)
    assert err.value.code == "bad_steps"


def test_steps_parse() -> None:
    assert parse_steps("20,40, 60") == [20, 40, 60]


class _W:
    def __init__(self, name: str) -> None:
        self.name = name


def _snap(at: float, janus: float, viewers: dict[tuple[str, int], dict[str, Any]], cpu: float,
          sent: int, busy: float) -> Snapshot:
    return Snapshot(at, {"node1": janus, "node2": janus / 4}, {"publisher": cpu, "probes": cpu,
                                                                 "viewers1": cpu}, sent, (busy, at * 200),
                    viewers)


def _peer(received: int, lost: int, delays: list[float]) -> dict[str, Any]:
    return {"received": received, "lost": lost, "frames": received, "delays_ms": delays, "bad_stamps": 0}


def test_a_step_sums_loss_over_peers_and_splits_probe_delays() -> None:
    w = _W("viewers1")
    views = [View(w, 1, "bulk", None), View(w, 2, "origin_probe", None),  # type: ignore[arg-type]
             View(w, 3, "edge_probe", None)]  # type: ignore[arg-type]
    s0 = _snap(10.0, 1.0, {("viewers1", i): _peer(100, 0, []) for i in (1, 2, 3)}, 1.0, 0, 0.0)
    s1 = _snap(20.0, 2.0, {("viewers1", 1): _peer(1090, 10, []), ("viewers1", 2): _peer(1100, 0, [40.0, 50.0]),
                           ("viewers1", 3): _peer(100, 0, [41.0])}, 2.0, 750_000, 1000.0)
    step = summarize_step(1, views, s0, s1, {"node1": 5.0, "node2": 1.0})
    assert step["loss_pct"] == round(100 * 10 / 2000, 3)
    assert step["viewers_silent"] == 1 and step["peers_measured"] == 3  # the edge probe got nothing new
    assert step["_origin_delays"] == [40.0, 50.0]
    # the silent edge probe failed: its 10 s x 30 frames count at the step's 10 s
    assert step["_edge_delays"] == [41.0] + [10_000.0] * 300 and step["failed"] == 1
    assert step["edge_glass_to_glass_p50_ms"] == 10_000.0
    assert step["janus_cpu_pct"] == 10.0 and step["janus_cpu_pct_per_viewer"] == 5.0
    assert step["bot_cpu_pct_max"] == 10.0 and not step["bots_saturated"]
    assert step["publisher_kbps"] == 600.0
    assert step["machine_cpu_pct"] == 50.0
    # the rest of the machine's busy time is not this bench's: Janus 10 + 2.5, three bot processes at 10 % each
    assert step["other_cpu_pct"] == round(50.0 - 42.5 / (os.cpu_count() or 1), 1)


def _step(viewers: int, *, saturated: bool = False, loss: float = 0.1, p95: float = 100.0) -> dict[str, Any]:
    return {"viewers": viewers, "loss_pct": loss, "glass_to_glass_p50_ms": 50.0, "glass_to_glass_p95_ms": p95,
            "edge_glass_to_glass_p50_ms": 55.0, "janus_cpu_pct": 20.0, "edge_janus_cpu_pct": 2.0,
            "janus_cpu_pct_per_viewer": 0.25, "bot_cpu_pct_max": 90.0 if saturated else 40.0,
            "bots_saturated": saturated, "viewers_silent": 0, "publisher_kbps": 600.0}


def test_a_saturated_step_is_reported_but_not_counted_as_held() -> None:
    steps = [_step(40), _step(60), _step(80, saturated=True, loss=3.0, p95=900.0)]
    r = summarize(steps, [50.0] * 10, [60.0] * 10, {"node1": 2.0}, 600_000, 2, 2, 10.0, [])
    assert r["viewers"] == 60 and r["bots_saturated"] and r["stopped_early"]
    assert r["loss_pct"] == 0.1 and r["glass_to_glass_p95_ms"] == 100.0
    assert r["cascade_extra_p50_ms"] == 10.0 and r["viewers_per_core"] == 400 and r["failed"] == 0
    assert r["ok"] and all(r["checks"].values())
    assert "bots saturated" in format_table(r)


def test_targets_fail_when_not_met() -> None:
    r = summarize([_step(40, p95=450.0)], [50.0], [120.0], {"node1": 2.0}, 600_000, 2, 2, 10.0, [])
    assert r["checks"] == {"loss_pct": True, "glass_to_glass_p95_ms": False, "cascade_extra_p50_ms": False,
                           "viewers": False}
    assert r["ok"] is False



def test_cheap_viewer_lags_pool_and_the_worst_viewer_stands_out() -> None:
    w = _W("viewers1")
    views = [View(w, i, "bulk", None) for i in (1, 2)]  # type: ignore[arg-type]

    def cheap(received: int, lags: list[float], freezes: int) -> dict[str, Any]:
        return {**_peer(received, 0, []), "lags_ms": lags, "freezes": freezes, "freeze_ms": 200.0 * freezes}

    s0 = _snap(0.0, 0.0, {("viewers1", 1): cheap(0, [], 0), ("viewers1", 2): cheap(0, [], 0)}, 0.0, 0, 0.0)
    s1 = _snap(10.0, 1.0, {("viewers1", 1): cheap(600, [1.0] * 19 + [2.0], 0),
                           ("viewers1", 2): cheap(600, [1.0] * 10 + [300.0] * 10, 1)}, 1.0, 0, 100.0)
    s1.send_lags = [0.0] * 19 + [5.0]  # the publisher sent on time: the viewers' 300 ms came downstream
    step = summarize_step(2, views, s0, s1, {"node1": 0.0, "node2": 0.0})
    assert step["publisher_send_lag_p95_ms"] == 0.0
    assert step["viewer_lag_p50_ms"] == 1.0 and step["viewer_lag_p95_ms"] == 300.0
    assert step["slowest_viewer_lag_p95_ms"] == 300.0 and step["viewer_lag_max_ms"] == 300.0
    assert step["viewer_freezes"] == 1 and step["viewer_freeze_ms"] == 200.0
    assert step["bot_cpu_pct_per_viewer"] == 5.0  # one viewer worker at 10 % for 2 viewers


def test_a_busy_machine_is_not_the_bots_but_holds_nothing() -> None:
    steps = [{**_step(20), "machine_saturated": True}]
    r = summarize(steps, [], [], {"node1": 2.0}, 600_000, 2, 2, 10.0, [])
    assert r["viewers"] == 0 and not r["bots_saturated"] and r["machine_saturated"] and not r["ok"]
    assert "machine saturated" in format_table(r)


def test_slow_probe_frames_are_split_by_what_made_them_slow() -> None:
    traces = [(40.0, 10.0, 20.0, 10.0)] * 18 + [(600.0, 20.0, 560.0, 20.0), (400.0, 350.0, 30.0, 20.0)]
    out = split_slow(traces, 150.0)
    assert out["traced_frames"] == 20 and out["slow_frames"] == 2
    assert out["slow_dominated_by"] == {"send_ms": 1, "assemble_ms": 1, "decode_ms": 0}
    assert out["assemble_ms"] == {"p50": 20.0, "p95": 30.0}
    assert split_slow([], 150.0)["slow_frames"] == 0
