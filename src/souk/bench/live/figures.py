"""`souk bench live`'s figures as pure functions over worker snapshots: one step's, the run's, the table.

Loss is video ``received``/``lost`` summed over every viewer (cheap viewers count it from RTP sequence numbers,
aiortc peers from inbound-rtp). Glass-to-glass percentiles are nearest rank over the origin probes' decoded
frames (a silent probe's frames count at the step's length); ``probe_trace`` splits those frames (see
:mod:`souk.bench.live.probe`) and says which part made the ones over the target slow. ``viewer_lag_*`` are the
cheap viewers' frame arrival lags (each over that viewer's fastest frame: no decoding, so no absolute delay),
pooled, with the worst viewer's own p95 beside them, and their W3C freezes on arrival.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from souk.bench.live.probe import split_slow
from souk.core.stats import percentile

SATURATED_PCT = 85.0  # of one core, for a viewer worker process
MACHINE_SATURATED_PCT = 95.0  # of all cores
TARGETS = {"loss_pct": 0.5, "glass_to_glass_p95_ms": 150.0, "cascade_extra_p50_ms": 50.0, "viewers": 60}
FPS = 30  # souk.bench.bots.TimestampVideoTrack's frame rate


class Named(Protocol):
    name: str


@dataclass
class View:
    worker: Named
    vid: int
    kind: str  # "bulk", "origin_probe", "edge_probe"
    sub: Any


@dataclass
class Snapshot:
    at: float
    janus_cpu: dict[str, float]
    worker_cpu: dict[str, float]
    bytes_sent: int
    machine: tuple[float, float] = (0.0, 0.0)
    viewers: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    send_lags: list[float] = field(default_factory=list)  # the publisher's, drained at this snapshot
    own_cpu: float = 0.0  # the orchestrator's CPU seconds


def _viewer_lags(views: list[View], s0: Snapshot, s1: Snapshot) -> dict[str, Any]:
    pooled: list[float] = []
    worst: float | None = None
    freezes = 0
    freeze_ms = 0.0
    for v in views:
        key = (v.worker.name, v.vid)
        a, b = s0.viewers.get(key), s1.viewers.get(key)
        if v.kind != "bulk" or a is None or b is None or "lags_ms" not in b:
            continue
        lags = b["lags_ms"]
        pooled += lags
        own = percentile(lags, 0.95)
        if own is not None and (worst is None or own > worst):
            worst = own
        freezes += b["freezes"] - a["freezes"]
        freeze_ms += b["freeze_ms"] - a["freeze_ms"]
    return {"viewer_lag_p50_ms": percentile(pooled, 0.5), "viewer_lag_p95_ms": percentile(pooled, 0.95),
            "viewer_lag_max_ms": max(pooled) if pooled else None, "slowest_viewer_lag_p95_ms": worst,
            "viewer_freezes": freezes, "viewer_freeze_ms": round(freeze_ms, 1)}


def summarize_step(target: int, views: list[View], s0: Snapshot, s1: Snapshot,
                   baseline: dict[str, float]) -> dict[str, Any]:
    dt = s1.at - s0.at
    received = lost = silent = measured = 0
    origin: list[float] = []
    edge: list[float] = []
    traces: list[Any] = []
    bad = skips = 0
    for v in views:
        key = (v.worker.name, v.vid)
        a, b = s0.viewers.get(key), s1.viewers.get(key)
        if a is None or b is None:
            continue
        measured += 1
        d_recv, d_lost = b["received"] - a["received"], max(0, b["lost"] - a["lost"])
        received += d_recv
        lost += d_lost
        silent += d_recv == 0
        bad += b["bad_stamps"] - a["bad_stamps"]
        # a silent probe's frames never came: each counts at the step's length
        stalled = [round(dt * 1000, 1)] * int(dt * FPS) if d_recv == 0 else []
        skips += b.get("skips", 0) - a.get("skips", 0)
        if v.kind == "origin_probe":
            origin += b["delays_ms"] + stalled
            traces += b.get("traces", [])
        elif v.kind == "edge_probe":
            edge += b["delays_ms"] + stalled
    janus = {n: round(100 * (s1.janus_cpu[n] - s0.janus_cpu[n]) / dt, 1) for n in s1.janus_cpu}
    bots = {n: round(100 * (s1.worker_cpu[n] - s0.worker_cpu[n]) / dt, 1) for n in s1.worker_cpu}
    viewer_bots = [c for n, c in bots.items() if n.startswith("viewers")]
    busiest_bot = max(bots.values(), default=0.0)  # viewers, probes, publisher: each one aiortc event loop
    total = s1.machine[1] - s0.machine[1]
    machine = round(100 * (s1.machine[0] - s0.machine[0]) / total, 1) if total > 0 else 0.0
    cores = os.cpu_count() or 1
    bench = sum(janus.values()) + sum(bots.values()) + 100 * (s1.own_cpu - s0.own_cpu) / dt  # % of one core
    other = round(max(0.0, machine - bench / cores), 1)  # % of all cores used by processes not of this bench
    return {
        "viewers": target,
        "loss_pct": round(100 * lost / (received + lost), 3) if received + lost else None,
        "glass_to_glass_p50_ms": percentile(origin, 0.5), "glass_to_glass_p95_ms": percentile(origin, 0.95),
        "edge_glass_to_glass_p50_ms": percentile(edge, 0.5),
        **_viewer_lags(views, s0, s1),
        # the same lag taken where frames leave the publisher: viewers' lag well above it was added downstream
        "publisher_send_lag_p95_ms": percentile(s1.send_lags, 0.95),
        "janus_cpu_pct": janus.get("node1"), "edge_janus_cpu_pct": janus.get("node2"),
        "janus_cpu_pct_per_viewer": round((janus["node1"] - baseline["node1"]) / target, 3),
        "bot_cpu_pct": bots, "bot_cpu_pct_max": max(viewer_bots, default=0.0),
        "bot_cpu_pct_per_viewer": round(sum(viewer_bots) / target, 3),
        "machine_cpu_pct": machine, "other_cpu_pct": other,
        # past these the bots (or the machine, whoever keeps it busy) are measured, not Janus
        "bots_saturated": busiest_bot >= SATURATED_PCT,
        "machine_saturated": machine >= MACHINE_SATURATED_PCT,
        "viewers_silent": silent, "failed": silent, "peers_measured": measured, "unreadable_stamps": bad,
        "probe_skips": skips,  # holes a probe gave up on (then asked for a keyframe), see souk.bench.bots
        "publisher_kbps": round(8 * (s1.bytes_sent - s0.bytes_sent) / dt / 1000, 1),
        "probe_trace": split_slow(traces, TARGETS["glass_to_glass_p95_ms"]),
        "held_s": round(dt, 2), "_origin_delays": origin, "_edge_delays": edge,
    }


def held_back(step: dict[str, Any]) -> bool:
    """A step whose figures measure the bots or a busy machine, or with a silent viewer: reported, not held."""
    return bool(step["bots_saturated"] or step.get("machine_saturated") or step["viewers_silent"])


def summarize(steps: list[dict[str, Any]], origin_all: list[float], edge_all: list[float],
              baseline: dict[str, float], bitrate: int, workers: int, probes: int, step_s: float,
              errors: list[str], viewer_kind: str = "cheap") -> dict[str, Any]:
    held = [s for s in steps if not held_back(s)]
    top = held[-1] if held else None
    o50, e50 = percentile(origin_all, 0.5), percentile(edge_all, 0.5)
    per_viewer = top["janus_cpu_pct_per_viewer"] if top else None

    def at_top(key: str) -> Any:
        return top.get(key) if top else None

    out: dict[str, Any] = {
        "viewers": top["viewers"] if top else 0,
        "steps": steps,
        "janus_cpu_pct_per_viewer": per_viewer,
        "viewers_per_core": round(100 / per_viewer) if per_viewer and per_viewer > 0 else None,
        "loss_pct": at_top("loss_pct"),
        "glass_to_glass_p50_ms": at_top("glass_to_glass_p50_ms"),
        "glass_to_glass_p95_ms": at_top("glass_to_glass_p95_ms"),
        "edge_glass_to_glass_p50_ms": e50,
        "cascade_extra_p50_ms": round(e50 - o50, 1) if e50 is not None and o50 is not None else None,
        "viewer_lag_p95_ms": at_top("viewer_lag_p95_ms"),
        "slowest_viewer_lag_p95_ms": at_top("slowest_viewer_lag_p95_ms"),
        "bot_cpu_pct_per_viewer": at_top("bot_cpu_pct_per_viewer"),
        "probe_trace": at_top("probe_trace"),
        "publisher_kbps": at_top("publisher_kbps"),
        "publisher_cap_kbps": bitrate // 1000,
        "baseline_janus_cpu_pct": {n: round(c, 1) for n, c in baseline.items()},
        "bots_saturated": any(s["bots_saturated"] for s in steps),
        "machine_saturated": any(s.get("machine_saturated") for s in steps),
        "failed": sum(s["viewers_silent"] for s in steps),
        "percentiles": "nearest rank over the probes' decoded frames; a silent probe's frames count at the "
                       "step's length",
        "stopped_early": len(held) < len(steps),
        "viewer_kind": viewer_kind,
        "workers": workers, "probes_per_node": probes, "step_s": step_s, "cpu_cores": os.cpu_count(),
        "measured": "1 aiortc publisher (VP8 640x360 30 fps + Opus) on Janus node1; "
                    + ("cheap viewers (ICE + DTLS, RTP counted and timed from headers, no decoding)"
                       if viewer_kind == "cheap" else "non-decoding aiortc viewers")
                    + " on node1; decoding aiortc probes on node1 and on node2 via rtp_forward; glass-to-glass = "
                    "frame stamped at send -> decoded at probe (one clock); loopback veth in a netns",
    }
    checks = {
        "loss_pct": out["loss_pct"] is not None and out["loss_pct"] < TARGETS["loss_pct"],
        "glass_to_glass_p95_ms": out["glass_to_glass_p95_ms"] is not None
        and out["glass_to_glass_p95_ms"] < TARGETS["glass_to_glass_p95_ms"],
        "cascade_extra_p50_ms": out["cascade_extra_p50_ms"] is not None
        and out["cascade_extra_p50_ms"] < TARGETS["cascade_extra_p50_ms"],
        "viewers": out["viewers"] >= TARGETS["viewers"],
    }
    out["targets"] = TARGETS
    out["checks"] = checks
    out["ok"] = all(checks.values())
    if errors:
        out["errors"] = errors
    return out


def format_table(r: dict[str, Any]) -> str:
    if "steps" not in r:
        return "live bench failed: " + "; ".join(r.get("errors", []))
    lines = [(f"{'viewers':>8} {'loss%':>7} {'g2g p50':>8} {'g2g p95':>8} {'edge p50':>8} {'lag p95':>8} "
              f"{'janus%':>7} {'edge%':>6} {'%/viewer':>9} {'bots max%':>9} {'kbit/s':>7}")]
    for s in r["steps"]:
        lines.append(f"{s['viewers']:>8} {s['loss_pct']!s:>7} {s['glass_to_glass_p50_ms']!s:>8} "
                     f"{s['glass_to_glass_p95_ms']!s:>8} {s['edge_glass_to_glass_p50_ms']!s:>8} "
                     f"{s.get('viewer_lag_p95_ms')!s:>8} "
                     f"{s['janus_cpu_pct']!s:>7} {s['edge_janus_cpu_pct']!s:>6} {s['janus_cpu_pct_per_viewer']!s:>9} "
                     f"{s['bot_cpu_pct_max']!s:>9} {s['publisher_kbps']!s:>7}"
                     + ("  bots saturated" if s["bots_saturated"] else "")
                     + (f"  machine saturated ({s.get('other_cpu_pct')}% by others)"
                        if s.get("machine_saturated") else "")
                     + (f"  {s['viewers_silent']} silent" if s["viewers_silent"] else ""))
        trace = s.get("probe_trace")
        if trace and trace.get("slow_frames"):
            lines.append(f"{'':>8} {trace['slow_frames']} of {trace['traced_frames']} probe frames over "
                         f"{trace['slow_ms']:.0f} ms; median split {trace['slow_median']}; "
                         f"dominated by {trace['slow_dominated_by']}")
    lines.append(f"held {r['viewers']} viewers; {r['viewers_per_core']} viewers per Janus core; cascade extra p50 "
                 f"{r['cascade_extra_p50_ms']} ms; ok: {r['ok']} {r['checks']}")
    return "\n".join(lines)
