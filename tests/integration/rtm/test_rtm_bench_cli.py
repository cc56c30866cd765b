"""``souk bench rtm`` end to end at a tiny size (processes, both servers, the JSON keys); slow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("nodes", [1, 2])
def test_bench_rtm_prints_the_required_keys(nodes: int) -> None:
    if nodes == 2:
        pytest.importorskip("redis")
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "rtm", "--json", "--nodes", str(nodes), "--hold", "2",
           "--probe", "2", "--souk-steps", "30", "--sio-steps", "20", "--receivers", "2"]
    if nodes == 2:
        cmd.append("--skip-socketio")
    out = subprocess.run(cmd, capture_output=True, timeout=240, check=True)
    result = json.loads(out.stdout)
    for key in ("souk_max_deliveries_per_s", "souk_p99_ms_at_max", "lost", "reordered", "failed",
                "load_generator_saturated"):
        assert key in result
    steps = result["souk_steps"]
    assert all(s["lost"] == 0 and s["reordered"] == 0 and s["duplicates"] == 0 for s in steps)
    assert steps[0]["received"] == steps[0]["expected_deliveries"] > 0
    # server CPU per delivery, one figure per node, each from that node's CPU time and deliveries
    per_node = result["souk_server_us_per_delivery_at_max"]
    assert len(per_node) == nodes and all(x > 0 for x in per_node), result
    assert all(abs(sum(s["deliveries_per_s_by_node"]) - s["deliveries_per_s"]) <= nodes for s in steps)  # rounding
    if nodes == 2:
        assert all(n > 0 for n in steps[0]["deliveries_per_s_by_node"])
        assert result["single_node_server_us_per_delivery_at_max"] > 0
        assert result["single_node_clients"] == max(1, result["souk_clients_at_max"] // 2)
        assert result["per_node_vs_single_node"] == round(
            max(per_node) / result["single_node_server_us_per_delivery_at_max"], 2)
    # metrics on vs off in the same run (--metrics ab, the default): the on node was scraped while loaded and
    # its counters saw the run's frames and deliveries
    assert isinstance(result["metrics_overhead_pct"], float), result
    assert result["metrics_on_us_per_delivery"] > 0 and result["metrics_off_us_per_delivery"] > 0
    scraped = result["metrics_scraped"]
    assert scraped["scrapes_ok"] > 0 and scraped["scrapes_failed"] == 0, scraped
    assert scraped["deliveries_counted"] > 0 and scraped["frames_in_counted"] > 0, scraped
    if nodes == 1:
        assert "socketio_max_deliveries_per_s" in result
        assert all(s["lost"] == 0 for s in result["socketio_steps"])
