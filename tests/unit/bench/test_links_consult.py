"""The consult rounds' summary of `souk bench links` (pure)."""

from __future__ import annotations

from souk.bench.consult import warm_sides
from souk.bench.links_consult import consult_figures


def _round(connect: float | None, **steps: float) -> dict[str, object]:
    return {"connect_ms": connect, "steps": steps} if connect is not None else {"connect_ms": None}


def test_failed_rounds_count_at_the_timeout_and_warm_sides_are_counted() -> None:
    rows = [
        _round(400.0, shopper_warm=-100.0, seller_prep_warm=-500.0, shopper_first_frame=400.0),
        _round(500.0, shopper_warm=120.0, seller_prep_warm=-20.0, shopper_first_frame=500.0),
        _round(None),
    ]
    out = consult_figures(rows, 30_000.0, 2000.0)
    assert out["consult_p50_ms_at_150ms_2pct"] == 500.0
    assert out["consult_p95_ms_at_150ms_2pct"] == 30_000.0
    assert out["consult_warm_at_accept"] == {"shopper": 1, "seller": 2}
    assert out["consult_ring_ms"] == 2000.0
    # the steps' medians, earliest first
    assert list(out["consult_after_accept_p50_ms"]) == ["seller_prep_warm", "shopper_warm", "shopper_first_frame"]


def test_a_side_without_its_warm_mark_was_not_warm() -> None:
    assert warm_sides({"shopper_first_frame": 300.0}) == {"shopper": False, "seller": False}
    assert warm_sides({"shopper_warm": -1.0, "seller_prep_warm": 0.0}) == {"shopper": True, "seller": False}
