"""Pure figures of ``souk bench rtm``: one step's measurements in, its JSON figures out.

Per node: ``server_us_per_delivery_by_node[k]`` = CPU seconds node k's process used (utime + stime, from
/proc/<pid>/stat) over the step / deliveries made by node k (messages its clients received) x 1e6. Client i
of a step is connected to node i mod nodes, so the receivers count deliveries per node.

Latency percentiles come from the receivers' 1 ms histograms (millions of deliveries a step are binned in
the load-generator processes, so souk.core.stats.percentile, which needs the samples, cannot be used; the
rule is the same nearest rank, reported as the bin's upper edge). A lost delivery is a failed one: it counts
in the last bin (LOST_MS, the load generator's histogram cap) in every percentile, and in ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

P99_LIMIT_MS = 100.0
LOST_MS = 20_000  # souk.bench.rtm.loadgen.HIST_MS: the histogram's last bin
SATURATED_PCT = 90.0  # of one core, for one load-generator process
MACHINE_SATURATED_PCT = 95.0  # of all cores
MAX_NODE_COST_RATIO = 1.25  # per-node cost against one node's, the multi-node goal


@dataclass(frozen=True, slots=True)
class StepRun:
    """What one step measured: its receivers' JSON results and the CPU time each process used."""

    proto: str
    clients: int
    duration_s: float
    wall_s: float  # the publisher's run
    sent: list[int]  # messages per publisher
    server_cpu_s: list[float]  # per server process (node), in the order of the URLs
    receiver_cpu_s: list[float]  # per load-generator receiver process, over the publisher's run
    machine_busy_pct: float  # the whole machine over the publisher's run
    results: list[dict[str, Any]]


def hist_percentile(hist: dict[int, int], q: float) -> float | None:
    """Nearest-rank ``q`` quantile of a 1 ms histogram {bin: count}: the upper edge of the bin holding it."""
    total = sum(hist.values())
    if not total:
        return None
    need = q * total
    acc = 0
    for k in sorted(hist):
        acc += hist[k]
        if acc >= need:
            return float(k + 1)
    return float(max(hist) + 1)


def _ratio(cpu_s: float, deliveries: int) -> float | None:
    return round(cpu_s / deliveries * 1e6, 2) if deliveries else None


def summarize_step(run: StepRun) -> dict[str, Any]:
    results = run.results
    nodes = len(run.server_cpu_s)
    hist: dict[int, int] = {}
    for res in results:
        for k, v in res["hist"].items():
            hist[int(k)] = hist.get(int(k), 0) + v
    lost = sum(r["lost"] for r in results)
    if lost:
        hist[LOST_MS] = hist.get(LOST_MS, 0) + lost
    received = sum(r["received"] for r in results)
    by_node = [sum(r["received_by_node"][k] for r in results) for k in range(nodes)]
    wall = run.wall_s
    receivers_pct = [round(c / wall * 100) for c in run.receiver_cpu_s]
    out: dict[str, Any] = {
        "clients": run.clients, "duration_s": run.duration_s, "sent": sum(run.sent),
        "deliveries_per_s": round(received / run.duration_s),
        "deliveries_per_s_by_node": [round(n / run.duration_s) for n in by_node],
        "expected_deliveries": sum(run.sent) * run.clients, "received": received,
        "lost": lost, "failed": lost, "reordered": sum(r["reordered"] for r in results),
        "duplicates": sum(r["dups"] for r in results),
        "disconnects": sum(r["disconnects"] for r in results),
        "resumes": sum(r.get("resumes", 0) for r in results),
        "p50_ms": hist_percentile(hist, 0.50), "p99_ms": hist_percentile(hist, 0.99),
        "max_ms": float(max(hist)) if hist else None,
        "server_cpu_pct": [round(c / wall * 100) for c in run.server_cpu_s],
        "server_us_per_delivery": _ratio(sum(run.server_cpu_s), received),
        "server_us_per_delivery_by_node": [_ratio(c, n) for c, n in zip(run.server_cpu_s, by_node, strict=True)],
        "receivers_cpu_pct": receivers_pct, "machine_cpu_pct": round(run.machine_busy_pct),
        # past these the load generator (or the machine, whoever else uses it) is measured, not the server
        "load_generator_saturated": max(receivers_pct, default=0) >= SATURATED_PCT,
        "machine_saturated": run.machine_busy_pct >= MACHINE_SATURATED_PCT,
        "errors": [e for r in results for e in r["errors"]][:3],
    }
    # a Souk receiver cut off as a slow consumer resumes (as real clients do): its late messages count
    # in p99 and anything it never got counts as lost, so the step passes only if the policy cost nothing
    out["ok"] = bool(out["p99_ms"] is not None and out["p99_ms"] < P99_LIMIT_MS and lost == 0
                     and out["reordered"] == 0 and received > 0)
    return out


def compare_nodes(multi: dict[str, Any], single: dict[str, Any]) -> dict[str, Any]:
    """The multi-node figures beside one node's, measured at the same clients per node in the same run."""
    per_node = multi["server_us_per_delivery_by_node"]
    one = single["server_us_per_delivery_by_node"][0]
    worst = max((x for x in per_node if x is not None), default=None)
    ratio = round(worst / one, 2) if worst is not None and one else None
    return {
        "single_node_server_us_per_delivery_at_max": one,
        "single_node_clients": single["clients"],
        "single_node_deliveries_per_s": single["deliveries_per_s"],
        "single_node_p99_ms": single["p99_ms"],
        "single_node_lost": single["lost"],
        "single_node_ok": single["ok"],
        "per_node_vs_single_node": ratio,
        "per_node_cost_within_1_25x": ratio is not None and ratio <= MAX_NODE_COST_RATIO,
    }
