"""``souk bench desk`` end to end at a small size: a souk serve process, 20 shoppers on the assistant socket and
4 agents on the staff socket, then the same on a DeskService in the bench's process; one JSON object out. The
voice path (Janus, the speech models, a network namespace) is its own slow test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest


def test_bench_desk_runs_small_and_loses_nothing() -> None:
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "desk", "--conversations", "20", "--agents", "4",
           "--replies", "2", "--messages", "1", "--voice-rounds", "0", "--json"]
    out = subprocess.run(cmd, capture_output=True, timeout=240, check=False)
    assert out.returncode == 0, (out.stdout.decode()[-2000:], out.stderr.decode()[-3000:])
    result = json.loads(out.stdout)  # --json: stdout is the one JSON object
    for key in ("conversations", "handoff_notify_p50_ms", "handoff_notify_p95_ms", "reply_delivery_p95_ms", "lost"):
        assert key in result, key
    assert result["conversations"] == 20 and result["mode"] == "api"
    assert result["handoffs"] == result["notified"] == 20
    assert result["replies_sent"] == result["replies_received"] == 40
    assert result["shopper_messages_sent"] == result["shopper_messages_received"] == 20
    assert result["lost"] == 0 and result["failed"] == 0 and result["duplicates"] == 0, result["errors"]
    assert 0 < result["handoff_notify_p50_ms"] <= result["handoff_notify_p95_ms"] < 10_000
    assert 0 < result["reply_delivery_p95_ms"] < 10_000
    assert result["baseline_ws_ping_failed"] == 0 and result["baseline_ws_ping_p50_ms"] > 0
    assert result["server_cpu_core_share"] is not None
    local = result["local"]  # the same scenario in-process: the accounting agrees without any transport
    assert local["lost"] == 0 and local["failed"] == 0 and local["handoff_notify_p95_ms"] < 10_000
    assert result["voice_path"] == {"measured": False, "reason": "--voice-rounds 0"}


@pytest.mark.slow
@pytest.mark.janus
@pytest.mark.models
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_bench_desk_measures_the_voice_path() -> None:
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "desk", "--conversations", "10", "--agents", "2",
           "--mode", "api", "--voice-rounds", "2", "--json"]
    out = subprocess.run(cmd, capture_output=True, timeout=400, check=False)
    assert out.returncode == 0, (out.stdout.decode()[-2000:], out.stderr.decode()[-3000:])
    voice = json.loads(out.stdout)["voice_path"]
    assert voice["measured"] is True and voice["rounds"] == 2 and voice["failed"] == 0, voice
    assert 0 < voice["speech_to_ai_audio_p50_ms"] <= voice["speech_to_ai_audio_p95_ms"] < 10_000


def test_bench_desk_refuses_more_than_an_agent_can_hold() -> None:
    cmd = [sys.executable, "-m", "souk.cli.main", "bench", "desk", "--conversations", "500", "--agents", "2"]
    out = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    assert out.returncode == 2 and b"at most 50" in out.stdout
