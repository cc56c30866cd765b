"""`souk bench rtm` figures without processes: CPU per delivery per node, lost deliveries in the percentiles,
the load generator's saturation, the multi-node comparison."""

from __future__ import annotations

from typing import Any

from souk.bench.rtm.figures import LOST_MS, StepRun, compare_nodes, hist_percentile, summarize_step


def _recv(received_by_node: list[int], hist: dict[int, int], *, lost: int = 0) -> dict[str, Any]:
    return {"received": sum(received_by_node), "received_by_node": received_by_node, "dups": 0, "reordered": 0,
            "lost": lost, "disconnects": 0, "resumes": 0, "errors": [], "hist": hist}


def _run(results: list[dict[str, Any]], *, server_cpu_s: list[float], receiver_cpu_s: list[float],
         machine: float = 50.0, clients: int = 200) -> StepRun:
    return StepRun(proto="souk", clients=clients, duration_s=10.0, wall_s=10.0, sent=[50, 50],
                   server_cpu_s=server_cpu_s, receiver_cpu_s=receiver_cpu_s, machine_busy_pct=machine,
                   results=results)


def test_each_node_cost_is_its_cpu_over_its_own_deliveries() -> None:
    # two receivers; node 0 delivered 12,000 messages with 0.024 s CPU, node 1 8,000 with 0.032 s
    results = [_recv([6000, 4000], {3: 10_000}), _recv([6000, 4000], {5: 10_000})]
    step = summarize_step(_run(results, server_cpu_s=[0.024, 0.032], receiver_cpu_s=[3.0, 4.0]))
    assert step["server_us_per_delivery_by_node"] == [2.0, 4.0]
    assert step["server_us_per_delivery"] == round(0.056 / 20_000 * 1e6, 2)
    assert step["deliveries_per_s_by_node"] == [1200, 800] and step["deliveries_per_s"] == 2000
    assert step["server_cpu_pct"] == [0, 0] and step["receivers_cpu_pct"] == [30, 40]
    assert step["p50_ms"] == 4.0 and step["p99_ms"] == 6.0  # upper edges of the 1 ms bins
    assert step["failed"] == 0 and step["ok"] and not step["load_generator_saturated"]
    assert not step["machine_saturated"]


def test_a_lost_delivery_fails_the_step_and_counts_at_the_cap_in_every_percentile() -> None:
    results = [_recv([95], {2: 95}, lost=5)]
    step = summarize_step(_run(results, server_cpu_s=[0.01], receiver_cpu_s=[1.0], clients=1))
    assert step["lost"] == step["failed"] == 5
    assert step["p99_ms"] == LOST_MS + 1 and step["max_ms"] == LOST_MS
    assert step["p50_ms"] == 3.0 and not step["ok"]


def test_a_busy_receiver_saturates_the_load_generator_and_a_busy_machine_is_said_apart() -> None:
    results = [_recv([100], {1: 100})]
    busy_receiver = summarize_step(_run(results, server_cpu_s=[0.1], receiver_cpu_s=[9.5]))
    assert busy_receiver["load_generator_saturated"] and not busy_receiver["machine_saturated"]
    busy_machine = summarize_step(_run(results, server_cpu_s=[0.1], receiver_cpu_s=[1.0], machine=97.0))
    assert busy_machine["machine_saturated"] and not busy_machine["load_generator_saturated"]


def test_nodes_are_compared_with_one_node_at_the_same_clients_per_node() -> None:
    multi = {"server_us_per_delivery_by_node": [2.4, 2.6]}
    single = {"server_us_per_delivery_by_node": [2.0], "clients": 1000, "deliveries_per_s": 100_000,
              "p99_ms": 40.0, "lost": 0, "ok": True}
    out = compare_nodes(multi, single)
    assert out["single_node_server_us_per_delivery_at_max"] == 2.0
    assert out["per_node_vs_single_node"] == 1.3 and out["per_node_cost_within_1_25x"] is False
    assert compare_nodes({"server_us_per_delivery_by_node": [2.4, 2.2]}, single)["per_node_cost_within_1_25x"]
    assert compare_nodes({"server_us_per_delivery_by_node": [None, None]}, single)["per_node_vs_single_node"] is None


def test_histogram_percentiles_are_nearest_rank() -> None:
    hist = {0: 19, 9: 1}  # 20 samples: p95 is the 19th smallest
    assert hist_percentile(hist, 0.95) == 1.0 and hist_percentile(hist, 1.0) == 10.0
    assert hist_percentile({}, 0.5) is None
