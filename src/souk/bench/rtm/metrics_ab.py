"""``souk bench rtm --metrics ab``: the cost of metrics on the RTM hot path, measured in the same run.

After the usual search (metrics off), the bench holds the held client count five more times on fresh
nodes: off, on, off, on, off (alternating, so drift of a shared machine during the run lands on both sides;
each hold's own figure is reported, so the spread between two offs shows the noise the difference sits in). A metrics-on
node records what ``souk serve`` records on RTM (frames in by type, errors by code; the hub's own counters
read at scrape time: souk.api.metrics_boot.rtm_series) and is scraped every second through its
``--metrics-bind`` listener while loaded, so the scrapes' cost counts too.

``metrics_overhead_pct``: server CPU microseconds per delivery, the mean of the ons vs the mean of the offs
(CPU per delivery, not throughput: the throughput a machine reaches is the load generator's as much as Souk's).
"""

from __future__ import annotations

import contextlib
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, Self

from prometheus_client.parser import text_string_to_metric_families

SCRAPE_EVERY_S = 1.0
LIMIT_PCT = 5.0  # issue 18: metrics on stays within 5 % of off
ORDER = (("off", False), ("on", True), ("off", False), ("on", True), ("off", False))


class Scraper:
    """Scrapes ``/metrics`` of each port every ``every_s`` in a thread; keeps the last text and counts."""

    def __init__(self, ports: list[int], every_s: float = SCRAPE_EVERY_S) -> None:
        self.ports = ports
        self.every_s = every_s
        self.ok = 0
        self.failed = 0
        self.last: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-scraper", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            for port in self.ports:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                        self.last[port] = r.read().decode()
                    self.ok += 1
                except OSError:
                    self.failed += 1

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def counter(text: str, name: str) -> float:
    """The sum of a counter's samples (``name`` without ``_total``) in an exposition text."""
    total = 0.0
    for fam in text_string_to_metric_families(text):
        if fam.name == name:
            total += sum(s.value for s in fam.samples if s.name == f"{name}_total")
    return total


def _us(step: dict[str, Any]) -> float:
    per_node = [x for x in step["server_us_per_delivery_by_node"] if x is not None]
    return sum(per_node) / len(per_node) if per_node else 0.0


Servers = Callable[[bool], contextlib.AbstractContextManager[tuple[list[str], list[int], list[int]]]]
Step = Callable[[list[str], list[int], int, str], dict[str, Any]]


def ab(servers: Servers, step: Step, clients: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Off and on alternating at ``clients`` (ORDER); ``servers(metrics)`` yields (urls, pids, metrics ports)."""
    runs: list[tuple[str, dict[str, Any]]] = []
    scraped: dict[str, Any] = {"scrapes_ok": 0, "scrapes_failed": 0, "deliveries_counted": 0.0,
                               "frames_in_counted": 0.0}
    for label, on in ORDER:
        log(f"metrics {label}: {clients} clients")
        with servers(on) as (urls, pids, ports), _scraping(ports if on else []) as scraper:
            runs.append((label, step(urls, pids, clients, f"metrics-{label}-{len(runs)}")))
        if on and scraper is not None:
            texts = list(scraper.last.values())
            scraped["scrapes_ok"] += scraper.ok
            scraped["scrapes_failed"] += scraper.failed
            scraped["deliveries_counted"] += sum(counter(t, "souk_rtm_deliveries") for t in texts)
            scraped["frames_in_counted"] += sum(counter(t, "souk_socket_messages") for t in texts)
    offs = [r for label, r in runs if label == "off"]
    ons = [r for label, r in runs if label == "on"]
    off_us = sum(_us(r) for r in offs) / len(offs)
    on_us = sum(_us(r) for r in ons) / len(ons)
    pct = round(100.0 * (on_us - off_us) / off_us, 1) if off_us else None
    return {
        "metrics_clients": clients,
        "metrics_order": [label for label, _ in runs],
        "metrics_us_per_delivery_each": [round(_us(r), 2) for _, r in runs],
        "metrics_off_us_per_delivery": round(off_us, 2),
        "metrics_on_us_per_delivery": round(on_us, 2),
        "metrics_overhead_pct": pct,
        "metrics_within_5pct": pct is not None and pct <= LIMIT_PCT,
        "metrics_off_deliveries_per_s": [r["deliveries_per_s"] for r in offs],
        "metrics_on_deliveries_per_s": [r["deliveries_per_s"] for r in ons],
        "metrics_off_p99_ms": [r["p99_ms"] for r in offs],
        "metrics_on_p99_ms": [r["p99_ms"] for r in ons],
        "metrics_steps_ok": all(r["ok"] for _, r in runs),
        "metrics_scraped": scraped,
    }


@contextlib.contextmanager
def _scraping(ports: list[int]) -> Iterator[Scraper | None]:
    if not ports:
        yield None
        return
    with Scraper(ports) as scraper:
        yield scraper
