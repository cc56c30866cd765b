"""Orchestrates ``souk bench rtm``: servers, load-generator processes, the step search, the JSON result.

For each server it probes client counts (one busy channel, ``rate`` messages a second in) with short
runs, then holds the best passing count for ``hold`` seconds; a step passes with p99 < 100 ms, nothing
lost and nothing reordered (a Souk receiver cut off as a slow consumer resumes, as real clients do).
Deliveries a second = messages received by clients / duration.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from souk.auth.tokens import TokenService
from souk.core.settings import Settings

P99_LIMIT_MS = 100.0


@dataclass(frozen=True)
class BenchConfig:
    hold_s: float = 30.0
    probe_s: float = 6.0
    rate: float = 100.0
    publishers: int = 10
    receivers: int = 3  # load-generator processes
    nodes: int = 1
    souk_steps: tuple[int, ...] = (1000, 1300, 1600, 2000, 2400, 2800, 3200, 3600, 4200)
    sio_steps: tuple[int, ...] = (80, 120, 160, 220, 300)
    skip_socketio: bool = False
    tick_ms: int = 15
    nice: int = 0  # applied to every process of the bench alike (servers, load generator, Redis)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if line.startswith("READY"):
            return line.strip()
        if not line and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
    raise RuntimeError(f"{what} was not ready within {timeout} s")


def _niced(nice: int, argv: list[str]) -> list[str]:
    nice_bin = shutil.which("nice")
    return [nice_bin, "-n", str(nice), *argv] if nice and nice_bin else argv


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def redis_server(nice: int = 0) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="souk-bench-redis-") as tmp:
        proc = subprocess.Popen(_niced(nice, [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp,
                                              "--save", "", "--appendonly", "no", "--protected-mode", "yes"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                    break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            _stop(proc)


class Runner:
    def __init__(self, cfg: BenchConfig, log: Any) -> None:
        self.cfg = cfg
        self.log = log
        self.secret = secrets.token_urlsafe(32)
        self.tokens = TokenService(self.secret)
        self.py = sys.executable

    def _token(self, identity: str) -> str:
        return self.tokens.mint(merchant_id="bench", identity=identity, room="*", role="member", ttl_s=3600)

    @contextlib.contextmanager
    def souk_servers(self, redis_url: str) -> Iterator[tuple[list[str], list[int]]]:
        procs = []
        tmp = tempfile.mkdtemp(prefix="souk-bench-")
        env = dict(os.environ, SOUK_AUTH__TOKEN_SECRET=self.secret, SOUK_DATA_DIR=tmp,
                   SOUK_REDIS_URL=redis_url, SOUK_RTM__TICK_MS=str(self.cfg.tick_ms), SOUK_LOG_LEVEL="WARNING")
        try:
            urls = []
            for _ in range(self.cfg.nodes):
                port = free_port()
                p = subprocess.Popen(_niced(self.cfg.nice, [self.py, "-m", "souk.cli.main", "rtm", "node", "--port",
                                                            str(port), "--user-rate", "1000"]),
                                     env=env, stdout=subprocess.PIPE)
                procs.append(p)
                _wait_ready(p, "souk rtm node")
                urls.append(f"ws://127.0.0.1:{port}")
            yield urls, [p.pid for p in procs]
        finally:
            for p in procs:
                _stop(p)
            shutil.rmtree(tmp, ignore_errors=True)

    @contextlib.contextmanager
    def sio_server(self) -> Iterator[tuple[list[str], list[int]]]:
        port = free_port()
        p = subprocess.Popen(_niced(self.cfg.nice, [self.py, "-m", "souk.bench.rtm.socketio_server", str(port)]),
                             stdout=subprocess.PIPE)
        try:
            _wait_ready(p, "socketio server")
            yield [f"ws://127.0.0.1:{port}"], [p.pid]
        finally:
            _stop(p)

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
                    _niced(cfg.nice, lg + ["recv", *common, "--clients", str(n), "--offset", str(i * share),
                                           "--token", self._token(f"r{i}")]),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE))
            for r in recvs:
                _wait_ready(r, "receiver", timeout=120)
            cpu0 = [_cpu_s(p) for p in pids]
            lg0 = sum(_cpu_s(r.pid) for r in recvs)
            t0 = time.monotonic()
            pub = subprocess.run(_niced(cfg.nice, lg + ["pub", *common, "--rate", str(cfg.rate), "--duration",
                                                        str(duration), "--token", self._token("publisher")]),
                                 stdout=subprocess.PIPE, check=True)
            wall = time.monotonic() - t0
            cpu = [(_cpu_s(p) - c) / wall * 100 for p, c in zip(pids, cpu0)]
            lg_cpu = (sum(_cpu_s(r.pid) for r in recvs) - lg0) / wall * 100
            sent = msgspec.json.decode(pub.stdout.strip().splitlines()[-1])["sent"]
            time.sleep(1.5)  # drain
            results = []
            for r in recvs:
                raw, _ = r.communicate(msgspec.json.encode(sent) + b"\n", timeout=60)
                results.append(msgspec.json.decode(raw.strip().splitlines()[-1]))
        finally:
            for r in recvs:
                _stop(r)
        hist: dict[int, int] = {}
        for res in results:
            for k, v in res["hist"].items():
                hist[int(k)] = hist.get(int(k), 0) + v
        received = sum(r["received"] for r in results)
        out: dict[str, Any] = {
            "clients": clients, "duration_s": duration, "sent": sum(sent),
            "deliveries_per_s": round(received / duration),
            "expected_deliveries": sum(sent) * clients, "received": received,
            "lost": sum(r["lost"] for r in results), "reordered": sum(r["reordered"] for r in results),
            "duplicates": sum(r["dups"] for r in results),
            "disconnects": sum(r["disconnects"] for r in results),
            "resumes": sum(r.get("resumes", 0) for r in results),
            "p50_ms": _pct(hist, 0.50), "p99_ms": _pct(hist, 0.99), "max_ms": max(hist) if hist else None,
            "server_cpu_pct": [round(c) for c in cpu], "receivers_cpu_pct": round(lg_cpu),
            "server_us_per_delivery": round(sum(cpu) / 100 * wall / received * 1e6, 2) if received else None,
            "errors": [e for r in results for e in r["errors"]][:3],
        }
        # a Souk receiver cut off as a slow consumer resumes (as real clients do): its late messages count
        # in p99 and anything it never got counts as lost, so the step passes only if the policy cost nothing
        out["ok"] = bool(out["p99_ms"] is not None and out["p99_ms"] < P99_LIMIT_MS and out["lost"] == 0
                         and out["reordered"] == 0 and received > 0)
        self.log(f"{proto} {clients} clients {duration:.0f}s: {out['deliveries_per_s']}/s "
                 f"p99 {out['p99_ms']} ms lost {out['lost']} reordered {out['reordered']} "
                 f"cpu server {out['server_cpu_pct']} receivers {out['receivers_cpu_pct']} "
                 f"-> {'pass' if out['ok'] else 'FAIL'}")
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


def _pct(hist: dict[int, int], q: float) -> float | None:
    total = sum(hist.values())
    if not total:
        return None
    need = q * total
    acc = 0
    for k in sorted(hist):
        acc += hist[k]
        if acc >= need:
            return float(k + 1)  # upper edge of the 1 ms bin
    return float(max(hist) + 1)


def run_bench(cfg: BenchConfig, log: Any) -> dict[str, Any]:
    runner = Runner(cfg, log)
    result: dict[str, Any] = {"nodes": cfg.nodes, "inbound_per_s": cfg.rate, "hold_s": cfg.hold_s,
                              "cpu_cores": os.cpu_count(), "nice": cfg.nice,
                              "load_avg_at_start": round(os.getloadavg()[0], 2)}
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(cfg.nice)) if cfg.nodes > 1 else ""
        urls, pids = stack.enter_context(runner.souk_servers(redis_url))
        souk = runner.search("souk", urls, pids, cfg.souk_steps)
    held = souk["held"]
    result["souk_max_deliveries_per_s"] = held["deliveries_per_s"] if held else 0
    result["souk_p99_ms_at_max"] = held["p99_ms"] if held else None
    result["souk_server_us_per_delivery_at_max"] = held["server_us_per_delivery"] if held else None
    result["souk_clients_at_max"] = held["clients"] if held else 0
    result["lost"] = held["lost"] if held else None
    result["reordered"] = held["reordered"] if held else None
    if cfg.nodes > 1:
        result["souk_per_node_deliveries_per_s"] = round(result["souk_max_deliveries_per_s"] / cfg.nodes)
    result["souk_steps"] = souk["steps"]
    if not cfg.skip_socketio:
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
    cfg = BenchConfig(hold_s=args.hold, probe_s=args.probe, rate=args.rate, receivers=args.receivers,
                      nodes=args.nodes, skip_socketio=args.skip_socketio, tick_ms=settings.rtm.tick_ms,
                      nice=args.nice,
                      souk_steps=tuple(int(x) for x in (args.souk_steps or
                                                       ",".join(map(str, BenchConfig.souk_steps))).split(",")),
                      sio_steps=tuple(int(x) for x in args.sio_steps.split(",")))

    def log(msg: str) -> None:
        print(f"[bench rtm] {msg}", file=sys.stderr, flush=True)

    result = run_bench(cfg, log)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0
