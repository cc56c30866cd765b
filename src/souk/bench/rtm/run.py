"""Orchestrates ``souk bench rtm``: servers, load-generator processes, the step search, the JSON result.

For each server it probes client counts (one busy channel, ``rate`` messages a second in) with short
runs, then holds the best passing count for ``hold`` seconds; a step passes with p99 < 100 ms, nothing
lost and nothing reordered (a Souk receiver cut off as a slow consumer resumes, as real clients do).
Deliveries a second = messages received by clients / duration. Figures per step: :mod:`.figures`.

With ``--nodes N`` (N > 1) the N Souk nodes share a Redis started by the bench, and what one machine can
measure is the server's cost: ``souk_server_us_per_delivery_at_max`` lists each node's CPU microseconds per
delivery at the held step, and the same run then holds ONE node (the embedded broker, the single-node
deployment) at the same clients per node for the same seconds: ``single_node_server_us_per_delivery_at_max``
and ``per_node_vs_single_node``. The load generator shares the machine's cores, so the throughput a machine
reaches is the generator's as much as Souk's (``load_generator_saturated``); CPU per delivery is not.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from souk.auth.tokens import TokenService
from souk.bench.rtm.figures import StepRun, compare_nodes, summarize_step
from souk.bench.rtm.procs import cpu_s, free_port, machine_cpu, niced, redis_server, stop, wait_ready
from souk.core.settings import Settings

SINGLE_NODE_STEPS = (1000, 1300, 1600, 2000, 2400, 2800, 3200, 3600, 4200)
# N nodes and the load generator share the machine's cores: lower counts, so the search ends before the
# generator alone is what is measured (a 2-core machine saturates its receivers at about 2,400 clients)
MULTI_NODE_STEPS = (600, 1000, 1400, 1800, 2400)


@dataclass(frozen=True)
class BenchConfig:
    hold_s: float = 30.0
    probe_s: float = 6.0
    rate: float = 100.0
    publishers: int = 10
    receivers: int = 3  # load-generator processes
    nodes: int = 1
    souk_steps: tuple[int, ...] = SINGLE_NODE_STEPS
    sio_steps: tuple[int, ...] = (80, 120, 160, 220, 300)
    skip_socketio: bool = False
    tick_ms: int = 15
    nice: int = 0  # applied to every process of the bench alike (servers, load generator, Redis)
    # off: no metrics; on: the search's nodes record them; ab: search off, then off/on/off holds at the held
    # count (souk.bench.rtm.metrics_ab: metrics_overhead_pct)
    metrics: str = "ab"


Log = Callable[[str], None]


class Runner:
    def __init__(self, cfg: BenchConfig, log: Log) -> None:
        self.cfg = cfg
        self.log = log
        self.secret = secrets.token_urlsafe(32)
        self.tokens = TokenService(self.secret)
        self.py = sys.executable
        self.metrics_ports: list[int] = []

    def _token(self, identity: str) -> str:
        return self.tokens.mint(merchant_id="bench", identity=identity, room="*", role="member", ttl_s=3600)

    @contextlib.contextmanager
    def souk_servers(self, redis_url: str, nodes: int, metrics: bool | None = None
                     ) -> Iterator[tuple[list[str], list[int]]]:
        """``metrics`` (default: cfg.metrics == "on"): the nodes record metrics and serve them on a free
        port each (``self.metrics_ports``)."""
        metrics = self.cfg.metrics == "on" if metrics is None else metrics
        self.metrics_ports = []
        procs = []
        tmp = tempfile.mkdtemp(prefix="souk-bench-")
        env = dict(os.environ, SOUK_AUTH__TOKEN_SECRET=self.secret, SOUK_DATA_DIR=tmp,
                   SOUK_REDIS_URL=redis_url, SOUK_RTM__TICK_MS=str(self.cfg.tick_ms), SOUK_LOG_LEVEL="WARNING")
        try:
            urls = []
            for _ in range(nodes):
                port = free_port()
                p = subprocess.Popen(niced(self.cfg.nice, [self.py, "-m", "souk.cli.main", "rtm", "node", "--port",
                                                           str(port), "--user-rate", "1000", "--metrics-bind",
                                                           "127.0.0.1:0" if metrics else ""]),
                                     env=env, stdout=subprocess.PIPE)
                procs.append(p)
                ready = wait_ready(p, "souk rtm node").split()  # READY <port> [metrics <port>]
                if metrics:
                    self.metrics_ports.append(int(ready[3]))
                urls.append(f"ws://127.0.0.1:{port}")
            yield urls, [p.pid for p in procs]
        finally:
            for p in procs:
                stop(p)
            shutil.rmtree(tmp, ignore_errors=True)

    @contextlib.contextmanager
    def sio_server(self) -> Iterator[tuple[list[str], list[int]]]:
        port = free_port()
        p = subprocess.Popen(niced(self.cfg.nice, [self.py, "-m", "souk.bench.rtm.socketio_server", str(port)]),
                             stdout=subprocess.PIPE)
        try:
            wait_ready(p, "socketio server")
            yield [f"ws://127.0.0.1:{port}"], [p.pid]
        finally:
            stop(p)

    def step(self, proto: str, urls: list[str], pids: list[int], clients: int, duration: float,
             channel: str) -> dict[str, Any]:
        cfg = self.cfg
        lg = [self.py, "-m", "souk.bench.rtm.loadgen"]
        common = ["--proto", proto, "--channel", channel, "--publishers", str(cfg.publishers)]
        for u in urls:
            common += ["--url", u]
        recvs = []
        share = -(-clients // cfg.receivers)
        try:
            for i in range(cfg.receivers):
                n = min(share, clients - i * share)
                if n <= 0:
                    break
                recvs.append(subprocess.Popen(
                    niced(cfg.nice, lg + ["recv", *common, "--clients", str(n), "--offset", str(i * share),
                                          "--token", self._token(f"r{i}")]),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE))
            for r in recvs:
                wait_ready(r, "receiver", timeout=120)
            cpu0 = [cpu_s(p) for p in pids]
            lg0 = [cpu_s(r.pid) for r in recvs]
            m0 = machine_cpu()
            t0 = time.monotonic()
            pub = subprocess.run(niced(cfg.nice, lg + ["pub", *common, "--rate", str(cfg.rate), "--duration",
                                                       str(duration), "--token", self._token("publisher")]),
                                 stdout=subprocess.PIPE, check=True)
            wall = time.monotonic() - t0
            m1 = machine_cpu()
            lg_cpu = [cpu_s(r.pid) - c for r, c in zip(recvs, lg0, strict=True)]
            sent = msgspec.json.decode(pub.stdout.strip().splitlines()[-1])["sent"]
            time.sleep(1.5)  # drain: the servers' CPU for the last deliveries counts too
            server_cpu = [cpu_s(p) - c for p, c in zip(pids, cpu0, strict=True)]
            results = []
            for r in recvs:
                raw, _ = r.communicate(msgspec.json.encode(sent) + b"\n", timeout=60)
                results.append(msgspec.json.decode(raw.strip().splitlines()[-1]))
        finally:
            for r in recvs:
                stop(r)
        total = m1[1] - m0[1]
        out = summarize_step(StepRun(
            proto=proto, clients=clients, duration_s=duration, wall_s=wall, sent=sent, server_cpu_s=server_cpu,
            receiver_cpu_s=lg_cpu, machine_busy_pct=100 * (m1[0] - m0[0]) / total if total > 0 else 0.0,
            results=results))
        self.log(f"{proto} {clients} clients {duration:.0f}s: {out['deliveries_per_s']}/s "
                 f"p99 {out['p99_ms']} ms lost {out['lost']} reordered {out['reordered']} "
                 f"cpu server {out['server_cpu_pct']} ({out['server_us_per_delivery_by_node']} us/delivery) "
                 f"receivers {out['receivers_cpu_pct']} machine {out['machine_cpu_pct']}% "
                 f"-> {'pass' if out['ok'] else 'FAIL'}"
                 + (" (load generator saturated)" if out["load_generator_saturated"] else "")
                 + (" (machine saturated)" if out["machine_saturated"] else ""))
        return out

    def search(self, proto: str, urls: list[str], pids: list[int], steps: tuple[int, ...]) -> dict[str, Any]:
        """Probe ascending counts until one fails (stepping down by 30% below the first if it fails), then hold the
        best passing count for ``hold_s``, stepping down by a quarter (at most twice more) if the hold fails."""
        probes = []
        passing: list[int] = []
        for i, n in enumerate(steps):
            r = self.step(proto, urls, pids, n, self.cfg.probe_s, f"probe{i}-{n}")
            probes.append(r)
            if not r["ok"]:
                break
            passing.append(n)
        n = steps[0]
        while not passing and n > 20 and len(probes) < len(steps) + 4:
            n = int(n * 0.7)
            r = self.step(proto, urls, pids, n, self.cfg.probe_s, f"probe-low-{n}")
            probes.append(r)
            if r["ok"]:
                passing.append(n)
        held = None
        candidates = [passing[-1], int(passing[-1] * 0.75), int(passing[-1] * 0.56)] if passing else []
        for j, n in enumerate(candidates):
            r = self.step(proto, urls, pids, n, self.cfg.hold_s, f"hold{j}-{n}")
            probes.append(r)
            if r["ok"]:
                held = r
                break
        return {"held": held, "steps": probes}


def _metrics_ab(runner: Runner, redis_url: str, basis: dict[str, Any], log: Log) -> dict[str, Any]:
    from souk.bench.rtm.metrics_ab import ab

    @contextlib.contextmanager
    def servers(on: bool) -> Iterator[tuple[list[str], list[int], list[int]]]:
        with runner.souk_servers(redis_url, runner.cfg.nodes, metrics=on) as (urls, pids):
            yield urls, pids, list(runner.metrics_ports)

    def step(urls: list[str], pids: list[int], clients: int, channel: str) -> dict[str, Any]:
        return runner.step("souk", urls, pids, clients, runner.cfg.hold_s, channel)

    return ab(servers, step, basis["clients"], log)


def run_bench(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    runner = Runner(cfg, log)
    result: dict[str, Any] = {"nodes": cfg.nodes, "inbound_per_s": cfg.rate, "hold_s": cfg.hold_s,
                              "cpu_cores": os.cpu_count(), "nice": cfg.nice,
                              "load_avg_at_start": round(os.getloadavg()[0], 2),
                              "souk_steps_probed": list(cfg.souk_steps)}
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(cfg.nice)) if cfg.nodes > 1 else ""
        with runner.souk_servers(redis_url, cfg.nodes) as (urls, pids):
            souk = runner.search("souk", urls, pids, cfg.souk_steps)
        if cfg.metrics == "ab":  # the same clients, fresh nodes: off, on, off
            result.update(_metrics_ab(runner, redis_url, souk["held"] or souk["steps"][-1], log))
    held = souk["held"]
    # the figures of the held step; when nothing held, those of the last step tried (souk_held says so)
    basis = held or souk["steps"][-1]
    result["souk_held"] = held is not None
    result["souk_max_deliveries_per_s"] = held["deliveries_per_s"] if held else 0
    result["souk_p99_ms_at_max"] = basis["p99_ms"]
    result["souk_server_us_per_delivery_at_max"] = basis["server_us_per_delivery_by_node"]  # one per node
    result["souk_clients_at_max"] = basis["clients"]
    result["lost"] = basis["lost"]
    result["reordered"] = basis["reordered"]
    result["failed"] = basis["failed"]
    result["load_generator_saturated"] = basis["load_generator_saturated"]
    result["machine_saturated"] = basis["machine_saturated"]
    if cfg.nodes > 1:
        result["souk_deliveries_per_s_by_node"] = basis["deliveries_per_s_by_node"]
        per_node = max(1, basis["clients"] // cfg.nodes)
        log(f"one node at {per_node} clients (the clients per node of the {cfg.nodes}-node step), "
            f"{cfg.hold_s:.0f} s, embedded broker")
        with runner.souk_servers("", 1) as (urls1, pids1):
            single = runner.step("souk", urls1, pids1, per_node, cfg.hold_s, f"single-{per_node}")
        result.update(compare_nodes(basis, single))
        result["single_node_step"] = single
    result["souk_steps"] = souk["steps"]
    if cfg.skip_socketio:
        result["socketio"] = ("skipped (--nodes > 1 compares Souk nodes; --nodes 1 runs the socketio baseline)"
                              if cfg.nodes > 1 else "skipped (--skip-socketio)")
        return result
    with runner.sio_server() as (urls, pids):
        sio = runner.search("sio", urls, pids, cfg.sio_steps)
    sh = sio["held"]
    result["socketio_max_deliveries_per_s"] = sh["deliveries_per_s"] if sh else 0
    result["socketio_p99_ms_at_max"] = sh["p99_ms"] if sh else None
    result["socketio_server_us_per_delivery_at_max"] = sh["server_us_per_delivery"] if sh else None
    result["socketio_clients_at_max"] = sh["clients"] if sh else 0
    result["socketio_steps"] = sio["steps"]
    if result["socketio_max_deliveries_per_s"]:
        result["souk_vs_socketio"] = round(
            result["souk_max_deliveries_per_s"] / result["socketio_max_deliveries_per_s"], 2)
    return result


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.nodes < 1:
        print("souk: --nodes must be >= 1", file=sys.stderr)
        return 2
    steps = (tuple(int(x) for x in args.souk_steps.split(",")) if args.souk_steps
             else MULTI_NODE_STEPS if args.nodes > 1 else SINGLE_NODE_STEPS)
    cfg = BenchConfig(hold_s=args.hold, probe_s=args.probe, rate=args.rate, receivers=args.receivers,
                      nodes=args.nodes, skip_socketio=args.skip_socketio or args.nodes > 1,
                      tick_ms=settings.rtm.tick_ms, nice=args.nice, souk_steps=steps,
                      sio_steps=tuple(int(x) for x in args.sio_steps.split(",")), metrics=args.metrics)

    def log(msg: str) -> None:
        print(f"[bench rtm] {msg}", file=sys.stderr, flush=True)

    result = run_bench(cfg, log)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0
