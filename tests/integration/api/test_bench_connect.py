"""`souk bench connect` end to end (a few rounds): it runs, and prints the one JSON object with the keys the
issue asks for. Figures are not asserted here (benchmarks are commands, not timed tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.janus]

KEYS = {"rounds", "failed", "warm_switch_p50_ms", "warm_switch_p95_ms", "warm_switch_raw_p50_ms",
        "warm_switch_raw_p95_ms", "warm_switch_slow", "warm_switch_failed"}
COLD = {"cold_join_p50_ms", "cold_join_p95_ms", "cold_join_raw_p50_ms", "cold_join_raw_p95_ms", "cold_join_slow",
        "cold_join_failed"}


@pytest.mark.parametrize("netem", [None, "delay 20ms loss 1%"])
def test_bench_connect_prints_one_json_object(netem: str | None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("janus") is None:
        pytest.skip("janus is not installed")
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "connect", "--rounds", "3", "--ring-s", "1", "--json"]
    if netem:
        cmd += ["--netem", netem]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr[-2000:]
    out = json.loads(lines[0])
    assert KEYS | COLD <= out.keys()
    assert out["join"] == "both"  # the consult's warm switch and, beside it, the cold join
    assert out["rounds"] == 3 and out["warm_switch_ok"] == 3 and out["warm_switch_raw_ok"] == 3, out
    assert out["cold_join_ok"] == 3 and out["cold_join_raw_ok"] == 3, out
    assert out["failed"] == 0 and out["warm_switch_failed"] == 0 and out["cold_join_failed"] == 0, out
    assert "switched" in out["warm_switch_phases_p50_ms"] and "dtls_connected" in out["cold_join_phases_p50_ms"]
    assert out["netem"] == netem
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.browser
def test_bench_consult_prints_one_json_object(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("janus") is None or shutil.which("chromium") is None:
        pytest.skip("janus and chromium are needed")
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "consult", "--rounds", "2", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr[-2000:]
    out = json.loads(lines[0])
    assert out["rounds"] == 2 and out["ok"] == 2, out
    assert out["accept_to_both_video_p50_ms"] > 0 and "shopper_first_frame" in out["after_accept_p50_ms"]
