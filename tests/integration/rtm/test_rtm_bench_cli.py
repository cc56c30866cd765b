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
    for key in ("souk_max_deliveries_per_s", "souk_p99_ms_at_max", "lost", "reordered"):
        assert key in result
    steps = result["souk_steps"]
    assert all(s["lost"] == 0 and s["reordered"] == 0 and s["duplicates"] == 0 for s in steps)
    assert steps[0]["received"] == steps[0]["expected_deliveries"] > 0
    if nodes == 1:
        assert "socketio_max_deliveries_per_s" in result
        assert all(s["lost"] == 0 for s in result["socketio_steps"])
