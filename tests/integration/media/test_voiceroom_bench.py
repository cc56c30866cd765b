"""`souk bench voiceroom` end to end, small: 4 speakers, one probe on each of two nodes, two cheap listeners, 2 s
(needs the netns)."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.bench.voiceroom import run_bench
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(120)]


async def test_the_bench_measures_every_key_and_leaves_nothing_running(tmp_path: Path, netns: None) -> None:
    r = await run_bench(janus_settings(tmp_path), listeners=2, probes=1, seconds=2.0, workers=1, prebuffer=2,
                        period=1.0, edge=True)
    assert r["errors"] == [] and r["ok"], r
    assert r["speakers"] == 4 and r["listeners"] == 4 and r["samples"] == 8  # 4 speakers x 2 s x 1 probe
    assert 0 < r["edge_mouth_to_ear_p50_ms"] <= r["edge_mouth_to_ear_p95_ms"] <= 1000.0  # the second node's probe
    assert 0 < r["mouth_to_ear_p50_ms"] <= r["mouth_to_ear_p95_ms"] <= 1000.0
    assert r["loss_pct"] is not None and 0 <= r["loss_pct"] <= 100
    assert {"listeners_per_core", "janus_cpu_pct", "bot_cpu_pct", "saturated", "seat_ops"} <= set(r)
