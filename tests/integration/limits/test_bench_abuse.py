"""``souk bench abuse`` end to end at a tiny size: it serves a Souk, measures every kind and prints the JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from souk.bench.abuse import KINDS


def test_bench_abuse_runs_and_prints_every_figure() -> None:
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "abuse", "--keys", "2", "--rounds", "1", "--json"]
    out = subprocess.run(cmd, capture_output=True, timeout=180, check=False)
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    result = json.loads(out.stdout)  # --json: stdout is the one JSON object
    keys = result["api_key_401"]
    assert keys["requests_each"] == 2 and keys["failed"] == 0
    assert keys["unknown_id_ms_p50"] > 0 and keys["wrong_secret_ms_p50"] > 0
    assert sorted(result["never_reads"]) == sorted(KINDS)
    for kind, r in result["never_reads"].items():
        assert r["rounds"] == 1 and r["failed"] == 0, (kind, r)
        assert 0 < r["cut_off_s_p50"] < 60 and r["frames_sent_p50"] > 0, (kind, r)
        assert r["rss_peak_mb_max"] < 64, (kind, r)
    assert result["failed"] == 0


def test_bench_abuse_refuses_an_unknown_kind() -> None:
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "abuse", "--kinds", "signal,carrier-pigeon"]
    out = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    assert out.returncode == 2 and b"carrier-pigeon" in out.stdout
