"""The ops dashboard's aggregations and quality joined to sales: pure functions over records and orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from souk.domain.quality import AudioCounters, QualityRecord, VideoCounters
from souk.domain.quality_agg import (
    AlertRule,
    Sale,
    alerts,
    attribute,
    by,
    connect_histogram,
    dashboard,
    over_time,
    percentile,
    quality_vs_sales,
    record_view,
    stats,
)


def rec(identity: str, *, session: str = "", started: float = 1000.0, elapsed_ms: float = 60_000,
        first_frame: float | None = 500, failure: str | None = None, freezes_ms: float = 0, video_ms: float = 50_000,
        concealed: int = 0, kind: str = "live", region: str = "Asia", network: str = "wifi",
        rtt: float | None = 100) -> QualityRecord:
    return QualityRecord(
        merchant_id="m1", room_id="room-1", session_id=session or f"s-{identity}", identity=identity, role="viewer",
        kind=kind, region=region, network=network, started_at=started, updated_at=started + elapsed_ms / 1000,
        elapsed_ms=elapsed_ms, first_frame_ms=first_frame, failure=failure, rtt_ms=rtt, jitter_ms=10 if rtt else None,
        audio=AudioCounters(packets_received=1000, total_samples_received=100_000, concealed_samples=concealed),
        video=VideoCounters(video_ms=video_ms, total_freezes_duration_ms=freezes_ms, freeze_count=1 if freezes_ms else 0))


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5, 1, 3], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 99) == 7


def test_stats_of_a_group() -> None:
    rs = [rec("a", first_frame=400), rec("b", first_frame=800, freezes_ms=5000), rec("c", first_frame=None,
                                                                                     failure="ice_failed")]
    s = stats(rs)
    assert s["participants"] == 3 and s["failed"] == 1 and s["failure_rate"] == pytest.approx(0.3333)
    assert s["connect_ms"] == {"n": 2, "p50": 400, "p90": 800, "p95": 800}
    assert s["freeze_ratio"] == pytest.approx(5000 / 150_000, abs=1e-4)
    assert s["frozen_share"] == pytest.approx(1 / 3, abs=1e-4)  # b: 10 % frozen
    assert s["freezes"] == 1
    assert s["mos"]["n"] == 3 and s["rtt_ms"] == 100
    assert stats([])["participants"] == 0 and stats([])["failure_rate"] is None


def test_groups_by_dimension_and_time() -> None:
    rs = [rec("a", region="Asia", network="cellular", started=0), rec("b", region="", started=59),
          rec("c", region="Asia", started=61)]
    regions = by(rs, "region")
    assert list(regions) == ["Asia", "unknown"] and regions["Asia"]["participants"] == 2
    assert by(rs, "network")["cellular"]["participants"] == 1
    buckets = over_time(rs, 60)
    assert [(b["start"], b["participants"]) for b in buckets] == [(0, 2), (60, 1)]
    with pytest.raises(ValueError):
        by(rs, "colour")
    with pytest.raises(ValueError):
        over_time(rs, 0)


def test_connect_histogram_bins() -> None:
    rs = [rec(str(i), first_frame=f) for i, f in enumerate([100, 250, 251, 900, 4000, 9000])]
    rs.append(rec("x", first_frame=None, failure="no_media"))
    assert [b["count"] for b in connect_histogram(rs)] == [2, 1, 1, 0, 1, 1]
    assert connect_histogram(rs)[-1]["le_ms"] is None


def test_dashboard_has_every_part() -> None:
    d = dashboard([rec("a")], bucket_s=3600)
    assert set(d) == {"total", "over_time", "by_region", "by_network", "by_kind", "connect_histogram"}


def test_record_view_in_percent() -> None:
    v = record_view(rec("a", freezes_ms=1000, video_ms=10_000, concealed=1000))
    assert v["freeze_ratio"] == 0.1 and v["concealment_ratio"] == 0.01 and v["identity"] == "a"
    assert v["mos"] is not None


def test_orders_go_to_the_latest_matching_record_once() -> None:
    early = rec("buyer", session="s-early", started=1000, elapsed_ms=60_000)
    late = rec("buyer", session="s-late", started=2000, elapsed_ms=60_000)
    other = rec("browser", started=1000)
    sales = [Sale("o1", "buyer", Decimal(10), created_at=2030),  # during the late one
             Sale("o2", "buyer", Decimal(5), created_at=1500),  # after early ended, within attribution
             Sale("o3", "buyer", Decimal(7), created_at=999),  # before any
             Sale("o4", "buyer", Decimal(9), created_at=2100, cancelled=True),
             Sale("o5", "buyer", Decimal(3), created_at=2060 + 3601)]  # past the attribution window
    got = attribute([early, late, other], sales, attribution_s=3600)
    assert [s.order_id for s in got[("room-1", "s-late")]] == ["o1"]
    assert [s.order_id for s in got[("room-1", "s-early")]] == ["o2"]
    assert ("room-1", "s-browser") not in got


def test_quality_vs_sales_groups_by_freezes_and_mos() -> None:
    rs = [rec("smooth1"), rec("smooth2"), rec("frozen1", freezes_ms=5000), rec("frozen2", freezes_ms=5000),
          rec("caller", kind="consult", concealed=30_000)]
    sales = [Sale("o1", "smooth1", Decimal("20.00"), created_at=1100),
             Sale("o2", "smooth1", Decimal("5.50"), created_at=1200),
             Sale("o3", "frozen2", Decimal(3), created_at=1100)]
    q = quality_vs_sales(rs, sales, attribution_s=3600, currency="USD")
    live = q["by_freezes"]["live"]
    assert live["freezes <= 2%"] == {"participants": 2, "buyers": 1, "conversion": 0.5, "orders": 2,
                                     "revenue": "25.50", "revenue_per_participant": "12.75"}
    assert live["freezes > 2%"]["conversion"] == 0.5 and live["freezes > 2%"]["revenue"] == "3.00"
    assert q["by_mos"]["consult"] == {"poor (MOS < 3)": {"participants": 1, "buyers": 0, "conversion": 0.0,
                                                        "orders": 0, "revenue": "0.00",
                                                        "revenue_per_participant": "0.00"}}
    assert q["currency"] == "USD"


def test_alerts_need_enough_participants_and_a_breach() -> None:
    rule = AlertRule(connect_p95_ms=1000, failure_rate=0.2, min_participants=5)
    slow = [rec(str(i), first_frame=3000) for i in range(5)]
    assert [a["metric"] for a in alerts(stats(slow), rule)] == ["connect_p95_ms"]
    failing = [rec(str(i), first_frame=None, failure="ice_failed") for i in range(2)] + [rec(str(i + 9)) for i in
                                                                                         range(3)]
    assert [a["metric"] for a in alerts(stats(failing), rule)] == ["failure_rate"]
    assert alerts(stats(slow[:4]), rule) == []
    assert alerts(stats([rec(str(i)) for i in range(5)]), rule) == []
