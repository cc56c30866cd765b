"""`souk bench live` end to end at a tiny size (one step of 4 viewers, 3 s) on two real Janus nodes, and its
clean shutdown on Ctrl-C (no Janus or worker left behind). Needs the media network namespace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.janus import _need_janus

pytestmark = [pytest.mark.janus, pytest.mark.timeout(120)]


def _cmd(workdir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "souk.cli.main", "--log-level", "INFO", "bench", "live", "--probes", "1",
            "--workers", "1", "--workdir", str(workdir), *extra]


def _leftovers(workdir: Path) -> list[str]:
    """Command lines of live processes that mention the bench's workdir (Janus -F <workdir>/..., workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(workdir) in cmdline:
            found.append(f"{entry.name}: {cmdline}")
    return found


def test_one_small_step_gives_every_figure(tmp_path: Path, netns: None) -> None:
    _need_janus()
    workdir = tmp_path / "bench"
    done = subprocess.run(_cmd(workdir, "--steps", "4", "--step-s", "3", "--json"), check=False,
                          capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout)
    assert len(r["steps"]) == 1 and r["viewer_kind"] == "cheap"
    step = r["steps"][0]
    assert step["viewers"] == 4 and step["viewers_silent"] == 0 and not step["bots_saturated"]
    # a machine kept busy by others holds nothing (its figures measure the machine), and says so
    assert r["viewers"] == (0 if step["machine_saturated"] else 4)
    assert step["peers_measured"] == 4 + 2  # every bulk viewer and both probes, each counted once
    assert step["loss_pct"] is not None and step["loss_pct"] >= 0
    assert step["glass_to_glass_p50_ms"] > 0 and step["glass_to_glass_p95_ms"] >= step["glass_to_glass_p50_ms"]
    assert step["edge_glass_to_glass_p50_ms"] > 0  # the edge probe got frames through the relay
    # the cheap viewers timed frames (their lag is over their own fastest frame: >= 0)
    assert step["viewer_lag_p50_ms"] is not None and step["viewer_lag_p50_ms"] >= 0
    assert step["viewer_freezes"] >= 0 and step["bot_cpu_pct_per_viewer"] >= 0
    assert step["publisher_send_lag_p95_ms"] is not None  # the publisher's frames were timed as they left
    trace = step["probe_trace"]  # the origin probe's frames, split into where their time went
    assert trace["traced_frames"] > 0 and trace["slow_ms"] == 150.0
    assert set(trace["slow_dominated_by"]) == {"send_ms", "assemble_ms", "decode_ms"}
    assert sum(trace["slow_dominated_by"].values()) == trace["slow_frames"]
    assert step["unreadable_stamps"] == 0
    assert step["publisher_kbps"] > 100  # the publisher really sent video (capped at 600 kbit/s)
    assert step["janus_cpu_pct"] > 0 and step["edge_janus_cpu_pct"] > 0
    assert set(step["bot_cpu_pct"]) == {"publisher", "probes", "edge-probes", "viewers1"}
    assert isinstance(r["ok"], bool) and set(r["checks"]) == {"loss_pct", "glass_to_glass_p95_ms",
                                                               "cascade_extra_p50_ms", "viewers"}
    assert r["checks"]["viewers"] is False  # 4 < 60: the target is judged, not assumed
    assert _leftovers(workdir) == []


def test_ctrl_c_mid_step_leaves_no_janus_or_worker(tmp_path: Path, netns: None) -> None:
    _need_janus()
    workdir = tmp_path / "bench"
    proc = subprocess.Popen(_cmd(workdir, "--steps", "4,8", "--step-s", "60", "--json"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stderr is not None
        seen = ""
        deadline = time.monotonic() + 60
        while "baseline" not in seen:  # two Janus, publisher, probes up: now inside the first step's setup
            line = proc.stderr.readline()
            assert line or proc.poll() is None, f"bench exited early: {seen[-2000:]}"
            seen += line
            assert time.monotonic() < deadline, seen[-2000:]
        assert len(_leftovers(workdir)) >= 6  # 2 Janus + publisher, two probe workers and a viewer worker
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert _leftovers(workdir) == []
