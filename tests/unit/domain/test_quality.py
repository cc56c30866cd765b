"""The pure quality definitions: E-model MOS, the W3C freeze rule, reports folded into records."""

from __future__ import annotations

import pytest

from souk.core.errors import BadRequest
from souk.domain.quality import (
    AudioCounters,
    Participant,
    Report,
    VideoCounters,
    count_freezes,
    is_freeze,
    merge,
    mos,
    mos_or_none,
    r_factor,
    r_to_mos,
    tz_region,
)

WHO = Participant(merchant_id="m1", identity="shopper-1", role="shopper", kind="consult")


def report(seq: int = 0, **kw: object) -> Report:
    base: dict[str, object] = {"session_id": "sess-0001", "room_id": "room-1", "seq": seq, "elapsed_ms": 5000.0}
    base.update(kw)
    return Report(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- E-model


def test_r_to_mos_bounds_and_known_points() -> None:
    assert r_to_mos(-5) == 1.0
    assert r_to_mos(120) == 4.5
    assert r_to_mos(93.2) == pytest.approx(4.41, abs=0.01)  # G.107's default R gives MOS 4.41
    assert r_to_mos(50) == pytest.approx(2.58, abs=0.01)


def test_mos_of_a_clean_path_is_the_default() -> None:
    # 20 ms codec frame only: Id = 0.024 * 20 = 0.48
    assert r_factor(0, 0, 0) == pytest.approx(93.2 - 0.48)
    assert mos(0, 0, 0) == pytest.approx(4.4, abs=0.01)


def test_mos_falls_with_delay_and_loss() -> None:
    clean, slow, lossy = mos(50, 5, 0), mos(600, 5, 0), mos(50, 5, 5)
    assert clean > slow and clean > lossy
    # delay past 177.3 ms one-way adds the steep term of Id
    assert r_factor(400, 0, 0) - r_factor(500, 0, 0) > 0.024 * 50 + 0.11 * 20
    # Ie_eff = 95 * Ppl / (Ppl + Bpl) for Opus (Ie 0, Bpl 20): 5 % loss costs 19 R points
    assert r_factor(0, 0, 0) - r_factor(0, 0, 5) == pytest.approx(95 * 5 / 25)


def test_bursty_loss_hurts_more() -> None:
    assert mos(50, 5, 10, burst_ratio=2.0) < mos(50, 5, 10)


def test_unknown_codec() -> None:
    with pytest.raises(KeyError):
        mos(0, 0, 0, codec="speex")
    assert mos_or_none(0, 0, 1, "speex") is None
    assert mos_or_none(None, None, None, "opus") is None
    assert mos_or_none(None, None, 0, "opus") == mos(0, 0, 0)


# ---------------------------------------------------------------- W3C freezes


def test_freeze_rule() -> None:
    assert not is_freeze(99, 33.3)  # 3 x mean = 99.9; mean + 150 = 183.3 is the larger
    assert not is_freeze(183, 33.3)
    assert is_freeze(184, 33.3)
    assert is_freeze(301, 100) and not is_freeze(300, 100)  # 3 x mean wins above 75 ms


def test_count_freezes_over_frame_times() -> None:
    t = [i * 33.0 for i in range(60)]
    t += [t[-1] + 500 + i * 33.0 for i in range(30)]  # one 500 ms gap
    t += [t[-1] + 150 + i * 33.0 for i in range(30)]  # 150 ms: under mean + 150
    count, total = count_freezes(t)
    assert count == 1
    assert total == pytest.approx(500)
    assert count_freezes([]) == (0, 0.0)
    assert count_freezes([0.0, 1000.0]) == (0, 0.0)  # the first interval has no mean to compare with


# ---------------------------------------------------------------- reports and records


def test_first_report_opens_the_record() -> None:
    r = merge(None, report(rtt_ms=100, jitter_ms=10, first_frame_ms=800, timezone="Asia/Jakarta",
                           network="cellular"), WHO, now=1000.0)
    assert r is not None
    assert (r.merchant_id, r.identity, r.room_id, r.session_id) == ("m1", "shopper-1", "room-1", "sess-0001")
    assert r.started_at == pytest.approx(995.0)
    assert r.region == "Asia" and r.network == "cellular" and r.first_frame_ms == 800
    assert r.rtt_ms == 100 and r.reports == 1


def test_token_region_wins_over_time_zone() -> None:
    who = Participant(merchant_id="m1", identity="v", role="viewer", kind="live", region="mx")
    r = merge(None, report(timezone="Asia/Jakarta"), who, now=10.0)
    assert r is not None and r.region == "mx"
    assert tz_region("UTC") == "" and tz_region("Etc/GMT+3") == "" and tz_region("America/Sao_Paulo") == "America"


def test_later_reports_replace_counters_and_average_rtt() -> None:
    r = merge(None, report(0, rtt_ms=100, audio=AudioCounters(packets_received=100)), WHO, now=10.0)
    r = merge(r, report(1, elapsed_ms=10000, rtt_ms=200, audio=AudioCounters(packets_received=90, packets_lost=10,
                                                                          fec_packets_received=4)), WHO, now=15.0)
    assert r is not None
    assert r.rtt_ms == pytest.approx(150) and r.rtt_max_ms == 200 and r.reports == 2
    assert r.audio_loss_before == pytest.approx(0.10)
    assert r.audio_loss_after == pytest.approx(0.06)
    assert r.started_at == pytest.approx(5.0)  # from the first report, not moved by later ones


def test_a_retried_report_changes_nothing() -> None:
    r = merge(None, report(3), WHO, now=10.0)
    assert r is not None
    assert merge(r, report(3), WHO, now=11.0) is None
    assert merge(r, report(2), WHO, now=11.0) is None


def test_derived_video_figures() -> None:
    v = VideoCounters(packets_received=950, packets_lost=50, retransmitted_packets_received=30, freeze_count=2,
                      total_freezes_duration_ms=600, video_ms=20000, layer_switches=3)
    r = merge(None, report(elapsed_ms=21000, first_frame_ms=1000, video=v), WHO, now=100.0)
    assert r is not None
    assert r.video_loss_before == pytest.approx(0.08)
    assert r.video_loss_after == pytest.approx(0.05)
    assert r.freeze_ratio == pytest.approx(0.03)


def test_mos_uses_the_concealment_heard() -> None:
    a = AudioCounters(packets_received=700, packets_lost=300, fec_packets_received=250, concealed_samples=2000,
                      total_samples_received=100000)
    r = merge(None, report(rtt_ms=150, jitter_ms=10, audio=a), WHO, now=10.0)
    assert r is not None
    assert r.concealment_ratio == pytest.approx(0.02)
    assert r.mos == mos(150, 10, 2.0)


def test_first_failure_and_first_frame_stick() -> None:
    r = merge(None, report(0, failure="ice_failed"), WHO, now=10.0)
    r = merge(r, report(1, first_frame_ms=4000), WHO, now=11.0)
    r = merge(r, report(2, first_frame_ms=200), WHO, now=12.0)
    assert r is not None and r.failed and r.failure == "ice_failed" and r.first_frame_ms == 4000


@pytest.mark.parametrize(("kw", "field"), [
    ({"session_id": "short"}, "session"),
    ({"first_frame_ms": 6000.0}, "first_frame_ms"),
    ({"network": "5g"}, "network"),
    ({"failure": "bad_luck"}, "failure"),
    ({"rtt_ms": float("nan")}, "rtt_ms"),
    ({"audio": AudioCounters(concealed_samples=5, total_samples_received=4)}, "audio.concealed_samples"),
    ({"video": VideoCounters(video_ms=9000)}, "video.video_ms"),
    ({"video": VideoCounters(video_ms=1000, total_freezes_duration_ms=3000)}, "video.total_freezes_duration_ms"),
])
def test_inconsistent_reports_are_refused_naming_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(BadRequest) as e:
        merge(None, report(**kw), WHO, now=10.0)
    assert e.value.code == "bad_report" and e.value.details == {"field": field}
