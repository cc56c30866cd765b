"""The figures of `souk bench links` from getStats snapshots (pure)."""

from __future__ import annotations

import pytest

from souk.bench.links_figures import Snapshot, freeze_events, path_rtt_ms, recovery_ms, summary, window
from souk.domain.quality import mos


def test_a_window_between_two_snapshots() -> None:
    a = Snapshot.of({"t_ms": 1_000, "frames_decoded": 20, "freezes_s": 0.5, "freeze_count": 1, "audio_received": 100,
                     "audio_lost": 2, "audio_fec": 0, "concealed": 4_800, "samples": 96_000, "in_call": True})
    b = Snapshot.of({"t_ms": 11_000, "frames_decoded": 220, "freezes_s": 0.9, "freeze_count": 3, "audio_received": 570,
                     "audio_lost": 32, "audio_fec": 10, "concealed": 52_800, "samples": 576_000, "jitter_s": 0.012,
                     "rtt_s": 0.151})
    w = window(a, b)
    assert w.seconds == 10 and w.frames == 200 and w.freezes == 2
    assert w.video_freeze_ratio == pytest.approx(0.04)
    assert w.audio_concealment_ratio == pytest.approx(0.1)
    assert w.audio_loss_pct == pytest.approx(6.0) and w.audio_loss_after_repair_pct == pytest.approx(4.0)
    assert w.jitter_ms == 12.0 and w.rtt_ms == 151.0 and w.audio_buffer_ms is None
    assert w.mos(300) == mos(300, 12.0, 10.0)  # 10 % of the samples were concealed: what the listener missed
    assert w.mos_packets(300) == mos(300, 12.0, 4.0)


def test_fec_copies_whose_packet_arrived_too_repair_nothing() -> None:
    a = Snapshot(t_ms=0)
    b = Snapshot(t_ms=10_000, audio_received=70, audio_lost=30, audio_fec=25, audio_fec_discarded=15, samples=480_000,
                 concealed=96_000)
    w = window(a, b)
    assert w.audio_loss_pct == 30.0 and w.audio_loss_after_repair_pct == 20.0  # 10 FEC copies used, not 25


def test_the_measured_audio_buffer_is_the_models_buffer_delay() -> None:
    """The E-model's one-way delay is RTT / 2 + 2 x jitter + a frame; with a measured jitter-buffer delay that
    delay replaces the 2 x jitter estimate (a playout buffer raised for video delays audio too)."""
    a = Snapshot(t_ms=0)
    b = Snapshot(t_ms=10_000, audio_received=500, samples=480_000, concealed=4_800, jitter_s=0.004,
                 audio_buffer_s=96_000.0, audio_emitted=480_000)
    w = window(a, b)
    assert w.audio_buffer_ms == 200.0
    assert w.mos(150) == mos(150, 100.0, 1.0) < mos(150, 4.0, 1.0)


def test_a_window_without_audio_has_no_audio_figures() -> None:
    w = window(Snapshot(t_ms=0), Snapshot(t_ms=2_000, frames_decoded=40))
    assert w.audio_concealment_ratio is None and w.audio_loss_pct is None and w.mos(100) is None
    assert w.mos_packets(100) is None
    assert w.video_freeze_ratio == 0.0


def test_the_voice_path_is_both_legs() -> None:
    legs = [window(Snapshot(t_ms=0), Snapshot(t_ms=1_000, rtt_s=r)) for r in (0.002, 0.150)]
    assert path_rtt_ms(legs) == 152.0
    assert path_rtt_ms([window(Snapshot(t_ms=0), Snapshot(t_ms=1_000))] * 2) == 0.0


def test_recovery_is_timed_from_the_end_of_the_outage_until_both_sides_get_video_and_audio() -> None:
    def s(frames: int, audio: int) -> Snapshot:
        return Snapshot(t_ms=0, frames_decoded=frames, audio_received=audio)

    samples = [(900.0, s(10, 50), s(10, 50)), (1_000.0, s(10, 50), s(10, 50)),  # dark until 1,000
               (1_300.0, s(10, 60), s(11, 55)),  # audio back, video only on one side
               (1_700.0, s(12, 70), s(13, 60))]
    assert recovery_ms(samples, 1_000.0) == 700.0
    assert recovery_ms(samples[:3], 1_000.0) is None
    assert recovery_ms(samples[:1], 1_000.0) is None  # nothing sampled after the end


def test_summary_keys_count_failures_at_their_worst() -> None:
    cells = [{"loss": 0.30, "audio_mos": 3.4, "audio_mos_packets": 3.9}, {"loss": 0.30, "audio_mos": None,
             "audio_mos_packets": 3.1}, {"loss": 0.05,
             "video_freeze_ratio": 0.01}, {"loss": 0.05, "video_freeze_ratio": 0.03}, {"loss": 0.0, "audio_mos": 4.3}]
    outages = [{"recovery_after_outage_ms": 900.0}, {"recovery_after_outage_ms": None}]
    assert summary(cells, outages, 30_000) == {"min_audio_mos_at_30pct_loss": 1.0,
                                               "min_audio_mos_packets_at_30pct_loss": 3.1,
                                               "max_video_freeze_ratio_at_5pct_loss": 0.03,
                                               "max_recovery_after_outage_ms": 30_000}
    assert summary(cells[2:], outages[:1], 30_000)["min_audio_mos_at_30pct_loss"] is None
    assert summary([], [], 30_000)["max_recovery_after_outage_ms"] is None


def test_a_window_without_a_new_frame_is_frozen_throughout() -> None:
    a = Snapshot(t_ms=0, frames_decoded=50, freezes_s=1.0)
    assert window(a, Snapshot(t_ms=4_000, frames_decoded=50, freezes_s=1.0)).video_freeze_ratio == 1.0


def test_each_freeze_is_placed_in_the_window_where_it_ended() -> None:
    snaps = [Snapshot.of({"t_ms": t, "freeze_count": n, "freezes_s": f})
             for t, n, f in [(1_000, 2, 0.4), (1_500, 2, 0.4), (2_000, 3, 1.1), (2_500, 3, 1.1), (3_000, 5, 1.6)]]
    assert freeze_events(snaps) == [(1.0, 0.7), (2.0, 0.5)]  # the last interval counted two (0.5 s together)
    assert freeze_events(snaps[:1]) == [] and freeze_events([]) == []
