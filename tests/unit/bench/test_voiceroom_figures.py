"""`souk bench voiceroom` figures (pure) and the ear's tone measurement."""

from __future__ import annotations

import numpy as np
import pytest

from souk.bench.voiceroom_bots import RATE, SAMPLES, level
from souk.bench.voiceroom_figures import listeners_per_core, loss_pct, match_bursts, percentile


def test_a_burst_is_heard_at_the_first_onset_of_its_pitch_within_the_timeout() -> None:
    bursts = {"440.0": [10.0, 11.0, 12.0, 13.0], "700.0": [10.25, 11.25]}
    onsets = {"440.0": [10.12, 11.5, 12.05], "700.0": [10.3]}
    lat = match_bursts(bursts, onsets, window=(10.0, 13.5), timeout_s=1.0)
    # 440: 120 ms, 500 ms, 50 ms; 13.0 is too late for the window (could not be heard in time): left out
    # 700: 50 ms, then 11.25 never heard: a failed sample counted at the timeout
    assert sorted(lat.samples_ms) == pytest.approx([50.0, 50.0, 120.0, 500.0, 1000.0])
    assert lat.failed == 1
    assert match_bursts(bursts, {}, window=(10.0, 13.5), timeout_s=1.0).failed == 5
    # an onset before its burst (the previous burst's) never counts for it
    assert match_bursts({"p": [5.0]}, {"p": [4.99]}, window=(0, 10), timeout_s=1.0).failed == 1


def test_percentiles_loss_and_listeners_per_core() -> None:
    assert percentile([], 50) is None
    assert percentile([10.0, 20.0, 30.0, 40.0], 50) == 20.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 95) == 40.0
    before = {"a": {"received": 100, "lost": 0}}
    after = {"a": {"received": 1100, "lost": 5}, "b": {"received": 995, "lost": 5}}  # b joined in the window
    assert loss_pct(before, after) == round(100 * 10 / 2005, 3)
    assert loss_pct({}, {}) is None
    assert listeners_per_core(100, 30.0, 10.0) == (0.2, 500)
    assert listeners_per_core(100, 10.0, 12.0) == (None, None)
    assert listeners_per_core(0, 10.0, 5.0) == (None, None)


def test_the_ear_reads_a_tone_level_and_tells_pitches_apart() -> None:
    t = np.arange(SAMPLES) / RATE
    tone = np.sin(2 * np.pi * 440 * t) * 6000
    assert level(tone, 440.0) == pytest.approx(6000, rel=0.02)
    assert level(tone, 1000.0) < 10  # 560 Hz away: the window keeps leakage out
    assert level(np.zeros(SAMPLES), 440.0) == 0.0


def test_seat_ops_verdict() -> None:
    from souk.bench.voiceroom_seats import judge

    seats = [{"identity": f"l{i}"} for i in range(16)]
    answers = [(200, "", 10.0)] * 16 + [(409, "seats_full", 20.0)] * 48
    good = judge(answers=answers, room={"seats": seats, "version": 16}, ops=64, seats=16, wall_ms=30.0)
    assert good["consistent"] and good["granted"] == 16 and good["p50_ms"] == 20.0
    # a seat given twice, a 17th grant, another refusal code or a version that missed a change: not consistent
    twice = [*seats[:15], {"identity": "l0"}]
    assert not judge(answers=answers, room={"seats": twice, "version": 16}, ops=64, seats=16, wall_ms=1)["consistent"]
    extra = [(200, "", 1.0)] * 17 + [(409, "seats_full", 1.0)] * 47
    assert not judge(answers=extra, room={"seats": seats, "version": 16}, ops=64, seats=16, wall_ms=1)["consistent"]
    other = [(200, "", 1.0)] * 16 + [(409, "seat_taken", 1.0)] * 48
    assert not judge(answers=other, room={"seats": seats, "version": 16}, ops=64, seats=16, wall_ms=1)["consistent"]
    assert not judge(answers=answers, room={"seats": seats, "version": 15}, ops=64, seats=16, wall_ms=1)["consistent"]
