"""Aggregations of quality records (souk.domain.quality) for the ops dashboard, quality joined to sales, and the
alert rule. Pure functions over records and orders: the API reads the rows, these compute every figure.

Group figures (``stats``), over the records of a group:
- ``participants``: records; ``failed``: records with a failure (the join never got media), ``failure_rate``.
- ``connect_ms``: p50/p90/p95 of join -> first frame, over the records that got one.
- ``freeze_ratio``: total freeze time / total time receiving video; ``frozen_share``: share of the records with
  video whose freeze ratio is over ``FROZEN`` (2 %).
- ``mos``: mean and p10 of the records' MOS; ``concealment_ratio``: total concealed / total received samples.
- ``rtt_ms``, ``jitter_ms``: means of the records' means.

Quality and sales: an order counts for the participant record of the same merchant whose identity is the order's
customer, that started before the order was created and ended at most ``attribution_s`` before it (the latest
such record when several match, so an order counts once). Cancelled orders do not count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from souk.domain.quality import QualityRecord

FROZEN = 0.02  # a viewer "with freezes": more than 2 % of their video time frozen
CONNECT_BINS_MS = (250, 500, 1000, 2000, 5000)  # histogram edges; the last bin is open
MOS_BANDS = ((4.0, "good (MOS >= 4)"), (3.0, "fair (3 <= MOS < 4)"), (0.0, "poor (MOS < 3)"))
DIMENSIONS = ("region", "network", "kind", "role")


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[min(k, len(ordered) - 1)]


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def stats(records: Sequence[QualityRecord]) -> dict[str, Any]:
    """The figures of one group of records (see the module's docstring)."""
    n = len(records)
    failed = sum(1 for r in records if r.failed)
    connect = [r.first_frame_ms for r in records if r.first_frame_ms is not None]
    with_video = [r for r in records if r.video is not None and r.video.video_ms > 0]
    video_ms = sum(r.video.video_ms for r in with_video if r.video)
    frozen_ms = sum(min(r.video.total_freezes_duration_ms, r.video.video_ms) for r in with_video if r.video)
    moses = [m for r in records if (m := r.mos) is not None]
    samples = sum(r.audio.total_samples_received for r in records if r.audio)
    concealed = sum(r.audio.concealed_samples for r in records if r.audio)
    rtts = [r.rtt_ms for r in records if r.rtt_ms is not None]
    jitters = [r.jitter_ms for r in records if r.jitter_ms is not None]
    return {
        "participants": n,
        "failed": failed,
        "failure_rate": _round(failed / n, 4) if n else None,
        "connect_ms": {"n": len(connect), "p50": _round(percentile(connect, 50)),
                       "p90": _round(percentile(connect, 90)), "p95": _round(percentile(connect, 95))},
        "freeze_ratio": _round(frozen_ms / video_ms, 4) if video_ms > 0 else None,
        "frozen_share": _round(sum(1 for r in with_video if (r.freeze_ratio or 0) > FROZEN) / len(with_video), 4)
        if with_video else None,
        "freezes": sum(r.video.freeze_count for r in with_video if r.video),
        "mos": {"n": len(moses), "mean": _round(_mean(moses), 2), "p10": _round(percentile(moses, 10), 2)},
        "concealment_ratio": _round(concealed / samples, 4) if samples else None,
        "rtt_ms": _round(_mean(rtts)),
        "jitter_ms": _round(_mean(jitters)),
    }


def _groups(records: Iterable[QualityRecord], key: Callable[[QualityRecord], str]) -> dict[str, list[QualityRecord]]:
    out: dict[str, list[QualityRecord]] = {}
    for r in records:
        out.setdefault(key(r), []).append(r)
    return dict(sorted(out.items()))


def by(records: Sequence[QualityRecord], dimension: str) -> dict[str, dict[str, Any]]:
    """``stats`` per value of ``dimension`` (region, network, kind or role; '' reads ``unknown``)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {DIMENSIONS}")
    return {k: stats(g) for k, g in _groups(records, lambda r: getattr(r, dimension) or "unknown").items()}


def over_time(records: Sequence[QualityRecord], bucket_s: int) -> list[dict[str, Any]]:
    """``stats`` per time bucket of the join time (``start``: the bucket's first second, wall time)."""
    if bucket_s <= 0:
        raise ValueError("bucket_s must be positive")
    groups = _groups(records, lambda r: f"{int(r.started_at // bucket_s) * bucket_s:015d}")
    return [{"start": int(k), **stats(g)} for k, g in groups.items()]


def connect_histogram(records: Sequence[QualityRecord]) -> list[dict[str, Any]]:
    """Join -> first frame counts per bin: ``[{"le_ms": 250, "count"}, ..., {"le_ms": None, "count"}]``;
    failed joins have their own count in ``stats``."""
    counts = [0] * (len(CONNECT_BINS_MS) + 1)
    for r in records:
        if r.first_frame_ms is None:
            continue
        i = next((i for i, edge in enumerate(CONNECT_BINS_MS) if r.first_frame_ms <= edge), len(CONNECT_BINS_MS))
        counts[i] += 1
    edges: list[int | None] = [*CONNECT_BINS_MS, None]
    return [{"le_ms": e, "count": c} for e, c in zip(edges, counts, strict=True)]


def dashboard(records: Sequence[QualityRecord], *, bucket_s: int) -> dict[str, Any]:
    """Everything the ops page draws, from the records of its window."""
    return {"total": stats(records), "over_time": over_time(records, bucket_s),
            "by_region": by(records, "region"), "by_network": by(records, "network"),
            "by_kind": by(records, "kind"), "connect_histogram": connect_histogram(records)}


def record_view(r: QualityRecord) -> dict[str, Any]:
    """One participant's record as the API shows it (the drill-down)."""
    def pct(x: float | None) -> float | None:
        return None if x is None else round(x * 100, 2)

    v = r.video
    return {
        "room_id": r.room_id, "session": r.session_id, "identity": r.identity, "role": r.role, "kind": r.kind,
        "region": r.region, "network": r.network, "started_at": r.started_at, "updated_at": r.updated_at,
        "elapsed_ms": round(r.elapsed_ms), "reports": r.reports, "first_frame_ms": _round(r.first_frame_ms),
        "failure": r.failure, "codec": r.codec, "rtt_ms": _round(r.rtt_ms), "rtt_max_ms": _round(r.rtt_max_ms),
        "jitter_ms": _round(r.jitter_ms), "in_kbps": _round(r.in_kbps), "out_kbps": _round(r.out_kbps),
        "audio_loss_before_pct": pct(r.audio_loss_before), "audio_loss_after_pct": pct(r.audio_loss_after),
        "video_loss_before_pct": pct(r.video_loss_before), "video_loss_after_pct": pct(r.video_loss_after),
        "freeze_count": v.freeze_count if v else None,
        "freezes_ms": _round(v.total_freezes_duration_ms) if v else None,
        "freeze_ratio": _round(r.freeze_ratio, 4), "layer_switches": v.layer_switches if v else None,
        "frames_decoded": v.frames_decoded if v else None,
        "concealment_ratio": _round(r.concealment_ratio, 4), "mos": r.mos, "server": r.server,
    }


# ---------------------------------------------------------------- quality joined to sales


@dataclass(frozen=True, slots=True)
class Sale:
    order_id: str
    customer_id: str
    total: Decimal
    created_at: float  # wall time (s)
    cancelled: bool = False


def attribute(records: Sequence[QualityRecord], sales: Iterable[Sale],
              *, attribution_s: float) -> dict[tuple[str, str], list[Sale]]:
    """Orders per record (key: room, session): each order to the latest record of its customer that started
    before it and ended at most ``attribution_s`` before it."""
    mine: dict[str, list[QualityRecord]] = {}
    for r in records:
        mine.setdefault(r.identity, []).append(r)
    out: dict[tuple[str, str], list[Sale]] = {}
    for s in sales:
        if s.cancelled:
            continue
        fits = [r for r in mine.get(s.customer_id, ()) if r.started_at <= s.created_at <= r.ended_at + attribution_s]
        if fits:
            r = max(fits, key=lambda x: (x.started_at, x.session_id))
            out.setdefault((r.room_id, r.session_id), []).append(s)
    return out


def _quality_group(r: QualityRecord) -> str:
    if r.freeze_ratio is not None:
        return f"freezes > {FROZEN:.0%}" if r.freeze_ratio > FROZEN else f"freezes <= {FROZEN:.0%}"
    return "no video"


def _mos_band(r: QualityRecord) -> str:
    m = r.mos
    if m is None:
        return "no MOS"
    return next(label for floor, label in MOS_BANDS if m >= floor)


def quality_vs_sales(records: Sequence[QualityRecord], sales: Iterable[Sale], *, attribution_s: float,
                     currency: str) -> dict[str, Any]:
    """Conversion and revenue of participants grouped by their quality, per room kind (live viewers, consults):
    ``{"by_freezes": {kind: {group: {...}}}, "by_mos": {...}}``; each group: participants, buyers, conversion,
    orders, revenue (a decimal string in ``currency``), revenue_per_participant."""
    orders = attribute(records, sales, attribution_s=attribution_s)

    def figures(group: Sequence[QualityRecord]) -> dict[str, Any]:
        bought = [orders.get((r.room_id, r.session_id), []) for r in group]
        buyers = sum(1 for b in bought if b)
        revenue = sum((s.total for b in bought for s in b), Decimal(0))
        n = len(group)
        return {"participants": n, "buyers": buyers, "conversion": round(buyers / n, 4) if n else None,
                "orders": sum(len(b) for b in bought), "revenue": str(revenue.quantize(Decimal("0.01"))),
                "revenue_per_participant": str((revenue / n).quantize(Decimal("0.01"))) if n else None}

    def grouped(key: Callable[[QualityRecord], str]) -> dict[str, dict[str, Any]]:
        return {kind: {g: figures(rs) for g, rs in _groups(recs, key).items()}
                for kind, recs in _groups(records, lambda r: r.kind).items()}

    return {"currency": currency, "attribution_s": attribution_s, "frozen_threshold": FROZEN,
            "by_freezes": grouped(_quality_group), "by_mos": grouped(_mos_band)}


# ---------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class AlertRule:
    connect_p95_ms: float = 3000.0  # setup delay: join -> first frame p95 above this
    failure_rate: float = 0.10  # failed joins above this share
    min_participants: int = 10  # fewer records in the window: no alert (too few to mean anything)


def alerts(window: dict[str, Any], rule: AlertRule) -> list[dict[str, Any]]:
    """The alerts a window's ``stats`` raise: ``[{"metric", "value", "threshold", "participants"}]``."""
    n = int(window.get("participants") or 0)
    if n < rule.min_participants:
        return []
    out = []
    p95 = (window.get("connect_ms") or {}).get("p95")
    if p95 is not None and p95 > rule.connect_p95_ms:
        out.append({"metric": "connect_p95_ms", "value": p95, "threshold": rule.connect_p95_ms, "participants": n})
    rate = window.get("failure_rate")
    if rate is not None and rate > rule.failure_rate:
        out.append({"metric": "failure_rate", "value": rate, "threshold": rule.failure_rate, "participants": n})
    return out
