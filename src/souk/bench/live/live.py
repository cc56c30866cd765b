"""`souk bench live`: one live-show publisher fanned out to stepped audiences on two embedded Janus nodes.

Inside the private network namespace (souk.media.netns; Janus never gathers on loopback) the bench starts two
Janus nodes under :class:`~souk.media.supervisor.JanusSupervisor` ("node1" origin, "node2" edge: other RTP
and relay ranges) and a :class:`~souk.media.plane.MediaPlane` attached to both. A worker process publishes the
timestamp video (640x360, VP8 capped at ``--bitrate``, each frame stamped with its wall-clock send time) and
a tone into a live room on node1. Then:

- probes: ``--probes`` decoding viewers on node1 (VideoRoom subscribers) and as many on node2 through the
  relay (``plane.watch(..., node_id="node2")``), in their own worker; each decoded frame's stamp gives a
  glass-to-glass delay (encode, network, Janus, decode; one machine clock);
- steps: non-decoding viewers on node1 spread round-robin over ``--workers`` processes, added until each step's
  count, then held ``--step-s`` seconds while the bench measures video packet loss seen by every viewer
  (inbound-rtp packetsLost over expected), each Janus's CPU (/proc/<pid>/stat), each worker's CPU, the
  publisher's actual bitrate, and the probes' delays. A step where a viewer worker used >= SATURATED_PCT of a
  core, or the machine >= MACHINE_SATURATED_PCT of all cores, is reported with ``bots_saturated`` and ends
  the run (its figures measure the bots, not Janus).

``janus_cpu_pct_per_viewer`` = (node1 CPU at the largest held step - node1 CPU with the probes only) / its
bulk viewers. Glass-to-glass and loss figures are those of the largest held step; ``cascade_extra_p50_ms``
pools the held steps (edge p50 - origin p50 over the same seconds). Percentiles are nearest rank over the
probes' decoded frames; a probe that got nothing in a step failed, and each frame it should have shown (the
step's seconds x FPS) counts at the step's length; ``failed`` counts the silent viewers of every step. Everything is torn down on exit, error or
Ctrl-C: viewers, publisher, workers (they also exit when their stdin closes), room, plane, both Janus nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from souk.core.errors import BadRequest
from souk.core.settings import Settings
from souk.core.stats import percentile
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

SATURATED_PCT = 85.0  # of one core, for a viewer worker process
MACHINE_SATURATED_PCT = 95.0  # of all cores
TARGETS = {"loss_pct": 0.5, "glass_to_glass_p95_ms": 400.0, "cascade_extra_p50_ms": 50.0, "viewers": 60}
ROOM = RoomKey("bench", "live-bench")  # the bench's own merchant id: rooms are per merchant
SETTLE_S = 1.5
JOIN_BATCH = 8
FPS = 30  # souk.bench.bots.TimestampVideoTrack's frame rate


def register(bench: Any) -> None:
    p = bench.add_parser("live", help="live show: stepped audience on two Janus nodes (loss, CPU, glass-to-glass)")
    p.add_argument("--steps", default="20,40,60,80", help="viewer counts to hold, ascending (default 20,40,60,80)")
    p.add_argument("--probes", type=int, default=2, help="decoding probe viewers on the origin and on the edge")
    p.add_argument("--step-s", type=float, default=10.0, help="seconds each step is held and measured")
    p.add_argument("--workers", type=int, default=0, help="viewer worker processes (default: cores, at least 2)")
    p.add_argument("--bitrate", type=int, default=600_000, help="publisher VP8 cap in bit/s (default 600000)")
    p.add_argument("--workdir", default=None, help=argparse.SUPPRESS)  # tests: find leftovers by path
    p.add_argument("--json", action="store_true", help="print only the JSON object (default: a table)")
    p.set_defaults(func=_bench)


def parse_steps(text: str) -> list[int]:
    try:
        steps = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise BadRequest(f"--steps must be viewer counts like 20,40,60: {text!r}", code="bad_steps") from exc
    if not steps or any(s < 1 for s in steps) or steps != sorted(set(steps)):
        raise BadRequest(f"--steps must be positive and strictly ascending: {text!r}", code="bad_steps")
    return steps


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    steps = parse_steps(args.steps)
    if args.probes < 1 or args.step_s <= 0 or args.workers < 0 or args.bitrate < 50_000:
        raise BadRequest("--probes >= 1, --step-s > 0, --workers >= 0, --bitrate >= 50000", code="bad_bench_args")
    reexec_in_netns()  # returns only inside the namespace
    result = asyncio.run(run_bench(settings, steps=steps, probes=args.probes, step_s=args.step_s,
                                   workers=args.workers or max(2, os.cpu_count() or 2), bitrate=args.bitrate,
                                   workdir=Path(args.workdir) if args.workdir else None))
    print(json.dumps(result) if args.json else format_table(result))
    return 0 if not result.get("errors") else 1


# ------------------------------------------------------------------ workers


class Worker:
    """One ``python -m souk.bench.live.worker`` process and its request/reply line protocol."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process) -> None:
        self.name = name
        self.proc = proc
        self._next = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def spawn(cls, name: str, workdir: Path) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "souk.bench.live.worker", str(workdir), name,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=16 << 20)
        return cls(name, proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            msg = json.loads(line)
            fut = self._pending.pop(msg.get("id"), None) if msg.get("id") is not None else None
            if fut is not None and not fut.done():
                fut.set_result(msg)
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(RuntimeError(f"worker {self.name} exited ({self.proc.returncode})"))
        self._pending.clear()

    async def request(self, op: str, timeout: float = 20.0, **kw: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self._next += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = fut
        self.proc.stdin.write((json.dumps({"id": self._next, "op": op, **kw}) + "\n").encode())
        await self.proc.stdin.drain()
        msg = await asyncio.wait_for(fut, timeout)
        if "error" in msg:
            raise RuntimeError(f"worker {self.name}: {op}: {msg['error']}")
        return msg

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            if self.proc.returncode is None and self.proc.stdin is not None:
                self.proc.stdin.write(b'{"op": "quit"}\n')
                await self.proc.stdin.drain()
                self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            log.warning("bench worker %s did not quit in 10 s: killing it", self.name)
            self.proc.kill()
            await self.proc.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


# ------------------------------------------------------------------ measuring


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


@dataclass
class View:
    worker: Worker
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


async def snapshot(pids: dict[str, int], workers: list[Worker], publisher: Worker) -> Snapshot:
    janus = {node: cpu_seconds(pid) for node, pid in pids.items()}
    stats = await asyncio.gather(*(w.request("stats") for w in workers))
    snap = Snapshot(time.monotonic(), janus, {}, 0, machine_cpu())
    for w, st in zip(workers, stats, strict=True):
        snap.worker_cpu[w.name] = float(st["cpu_s"])
        if w is publisher:
            snap.bytes_sent = int(st["bytes_sent"])
        for vid, v in st["viewers"].items():
            snap.viewers[(w.name, int(vid))] = v
    return snap


# ------------------------------------------------------------------ the run


async def run_bench(settings: Settings, *, steps: list[int], probes: int, step_s: float, workers: int,
                    bitrate: int, workdir: Path | None = None, cheap: bool = True) -> dict[str, Any]:
    from souk.media.plane import MediaPlane
    from souk.media.supervisor import JanusSupervisor
    from souk.media.types import Jsep

    tmp = None
    if workdir is None:
        tmp = tempfile.mkdtemp(prefix="souk-bench-live-")
        workdir = Path(tmp)
    workdir.mkdir(parents=True, exist_ok=True)
    base = settings.janus.model_copy(update={"mode": "embedded", "ws_port": 0, "admin_ws_port": 0})
    s1 = settings.model_copy(update={"data_dir": str(workdir / "node1"), "janus": base, "database_url": ""})
    s2 = settings.model_copy(update={"data_dir": str(workdir / "node2"), "database_url": "", "janus": base.model_copy(
        update={"rtp_port_range": "40000-44999", "relay_port_range": "45000-45999", "region": "edge"})})
    sups = [JanusSupervisor(s1, workdir=workdir / "node1", node_id="node1"),
            JanusSupervisor(s2, workdir=workdir / "node2", node_id="node2")]
    plane: MediaPlane | None = None
    pool: list[Worker] = []
    views: list[View] = []
    pub = None
    errors: list[str] = []
    try:
        nodes = [await sup.start() for sup in sups]
        pids = {sup.node_id: sup.pid for sup in sups if sup.pid is not None}
        plane = await MediaPlane.attach(s1, nodes)
        await plane.ensure_room(ROOM, kind="live", max_publishers=2, region=nodes[0].region)

        publisher = await Worker.spawn("publisher", workdir)
        pool.append(publisher)
        offer = await publisher.request("publish", bitrate=bitrate)
        pub = await plane.join_publisher(ROOM, display="host")
        answer = await pub.publish(Jsep("offer", offer["sdp"], trickle=False))
        await publisher.request("accept", sdp=answer.sdp)
        await pub.wait_webrtcup(10.0)
        feed = pub.feed_id
        probe_worker = await Worker.spawn("probes", workdir)
        bulk_workers = [await Worker.spawn(f"viewers{i + 1}", workdir) for i in range(workers)]
        pool += [probe_worker, *bulk_workers]

        async def attach(worker: Worker, kind: str) -> None:
            edge = kind == "edge_probe"
            sub = (await plane.watch(ROOM, [feed], wait_s=5.0, node_id="node2") if edge
                   else await plane.subscribe(ROOM, [feed], wait_s=5.0))
            try:
                r = await worker.request("view", offer=sub.offer.sdp, decode=kind != "bulk", stamps=kind != "bulk",
                                         cheap=kind == "bulk" and cheap)
                await sub.start(Jsep("answer", r["sdp"], trickle=False))
            except BaseException:
                await sub.aclose()
                raise
            vid = int(r["vid"])
            if any(v.worker is worker and v.vid == vid for v in views):
                raise RuntimeError(f"worker {worker.name} gave viewer id {vid} twice")
            views.append(View(worker, vid, kind, sub))

        await asyncio.gather(*(attach(probe_worker, k) for k in ["origin_probe"] * probes + ["edge_probe"] * probes))
        await asyncio.sleep(SETTLE_S)
        b0 = await snapshot(pids, pool, publisher)
        await asyncio.sleep(min(step_s, 3.0))
        b1 = await snapshot(pids, pool, publisher)
        baseline = {n: 100 * (b1.janus_cpu[n] - b0.janus_cpu[n]) / (b1.at - b0.at) for n in pids}
        log.info("live bench: baseline (publisher + %d probes) janus cpu %s", 2 * probes, baseline)

        results: list[dict[str, Any]] = []
        origin_all: list[float] = []
        edge_all: list[float] = []
        for target in steps:
            bulk = sum(1 for v in views if v.kind == "bulk")
            kinds = [bulk_workers[(bulk + i) % len(bulk_workers)] for i in range(target - bulk)]
            for i in range(0, len(kinds), JOIN_BATCH):
                await asyncio.gather(*(attach(w, "bulk") for w in kinds[i:i + JOIN_BATCH]))
            await asyncio.sleep(SETTLE_S)
            s0 = await snapshot(pids, pool, publisher)
            await asyncio.sleep(step_s)
            s1_ = await snapshot(pids, pool, publisher)
            step = summarize_step(target, views, s0, s1_, baseline)
            log.info("live bench: step %s", {k: v for k, v in step.items() if not k.startswith("_")})
            results.append(step)
            if step["bots_saturated"] or step["viewers_silent"]:
                break
            origin_all += step.pop("_origin_delays")
            edge_all += step.pop("_edge_delays")
        for step in results:
            step.pop("_origin_delays", None)
            step.pop("_edge_delays", None)
        return summarize(results, origin_all, edge_all, baseline, bitrate, workers, probes, step_s, errors)
    except Exception as exc:
        log.exception("live bench failed")
        errors.append(f"{type(exc).__name__}: {exc}")
        return {"ok": False, "errors": errors}
    finally:
        await teardown(plane, pub, views, pool, sups)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


async def teardown(plane: Any, pub: Any, views: list[View], pool: list[Worker], sups: list[Any]) -> None:
    """Everything down, each part guarded so one failure cannot leave Janus or a worker running."""
    async def guarded(coro: Any, what: str) -> None:
        try:
            await asyncio.wait_for(coro, 15)
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 (teardown goes on)
            log.warning("live bench teardown: %s: %s: %s", what, type(exc).__name__, exc)

    await guarded(asyncio.gather(*(v.sub.aclose() for v in views), return_exceptions=True), "viewers")
    if pub is not None:
        await guarded(pub.aclose(), "publisher")
    await guarded(asyncio.gather(*(w.aclose() for w in pool), return_exceptions=True), "workers")
    for w in pool:  # last resort
        if w.proc.returncode is None:
            w.proc.kill()
            await w.proc.wait()
    if plane is not None:
        await guarded(plane.destroy_room(ROOM), "room")
        await guarded(plane.aclose(), "plane")
    for sup in sups:
        await guarded(sup.aclose(), f"janus {sup.node_id}")


def summarize_step(target: int, views: list[View], s0: Snapshot, s1: Snapshot,
                   baseline: dict[str, float]) -> dict[str, Any]:
    dt = s1.at - s0.at
    received = lost = silent = measured = 0
    origin: list[float] = []
    edge: list[float] = []
    bad = 0
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
        if v.kind == "origin_probe":
            origin += b["delays_ms"] + stalled
        elif v.kind == "edge_probe":
            edge += b["delays_ms"] + stalled
    janus = {n: round(100 * (s1.janus_cpu[n] - s0.janus_cpu[n]) / dt, 1) for n in s1.janus_cpu}
    bots = {n: round(100 * (s1.worker_cpu[n] - s0.worker_cpu[n]) / dt, 1) for n in s1.worker_cpu}
    viewer_bots = [c for n, c in bots.items() if n.startswith("viewers")]
    total = s1.machine[1] - s0.machine[1]
    machine = round(100 * (s1.machine[0] - s0.machine[0]) / total, 1) if total > 0 else 0.0
    return {
        "viewers": target,
        "loss_pct": round(100 * lost / (received + lost), 3) if received + lost else None,
        "glass_to_glass_p50_ms": percentile(origin, 0.5), "glass_to_glass_p95_ms": percentile(origin, 0.95),
        "edge_glass_to_glass_p50_ms": percentile(edge, 0.5),
        "janus_cpu_pct": janus.get("node1"), "edge_janus_cpu_pct": janus.get("node2"),
        "janus_cpu_pct_per_viewer": round((janus["node1"] - baseline["node1"]) / target, 3),
        "bot_cpu_pct": bots, "bot_cpu_pct_max": max(viewer_bots, default=0.0),
        "machine_cpu_pct": machine,
        # past these the bots (or the machine) are measured, not Janus
        "bots_saturated": max(viewer_bots, default=0.0) >= SATURATED_PCT or machine >= MACHINE_SATURATED_PCT,
        "viewers_silent": silent, "failed": silent, "peers_measured": measured, "unreadable_stamps": bad,
        "publisher_kbps": round(8 * (s1.bytes_sent - s0.bytes_sent) / dt / 1000, 1),
        "held_s": round(dt, 2), "_origin_delays": origin, "_edge_delays": edge,
    }


def summarize(steps: list[dict[str, Any]], origin_all: list[float], edge_all: list[float],
              baseline: dict[str, float], bitrate: int, workers: int, probes: int, step_s: float,
              errors: list[str]) -> dict[str, Any]:
    held = [s for s in steps if not s["bots_saturated"] and not s["viewers_silent"]]
    top = held[-1] if held else None
    o50, e50 = percentile(origin_all, 0.5), percentile(edge_all, 0.5)
    per_viewer = top["janus_cpu_pct_per_viewer"] if top else None
    out: dict[str, Any] = {
        "viewers": top["viewers"] if top else 0,
        "steps": steps,
        "janus_cpu_pct_per_viewer": per_viewer,
        "viewers_per_core": round(100 / per_viewer) if per_viewer and per_viewer > 0 else None,
        "loss_pct": top["loss_pct"] if top else None,
        "glass_to_glass_p50_ms": top["glass_to_glass_p50_ms"] if top else None,
        "glass_to_glass_p95_ms": top["glass_to_glass_p95_ms"] if top else None,
        "edge_glass_to_glass_p50_ms": e50,
        "cascade_extra_p50_ms": round(e50 - o50, 1) if e50 is not None and o50 is not None else None,
        "publisher_kbps": top["publisher_kbps"] if top else None,
        "publisher_cap_kbps": bitrate // 1000,
        "baseline_janus_cpu_pct": {n: round(c, 1) for n, c in baseline.items()},
        "bots_saturated": any(s["bots_saturated"] for s in steps),
        "failed": sum(s["viewers_silent"] for s in steps),
        "percentiles": "nearest rank over the probes' decoded frames; a silent probe's frames count at the "
                       "step's length",
        "stopped_early": len(held) < len(steps),
        "workers": workers, "probes_per_node": probes, "step_s": step_s, "cpu_cores": os.cpu_count(),
        "measured": "1 aiortc publisher (VP8 640x360 30 fps + Opus) on Janus node1; non-decoding aiortc viewers "
                    "on node1; decoding probes on node1 and on node2 via rtp_forward; glass-to-glass = "
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
    lines = [(f"{'viewers':>8} {'loss%':>7} {'g2g p50':>8} {'g2g p95':>8} {'edge p50':>8} {'janus%':>7} "
             f"{'edge%':>6} {'%/viewer':>9} {'bots max%':>9} {'kbit/s':>7}")]
    for s in r["steps"]:
        lines.append(f"{s['viewers']:>8} {s['loss_pct']!s:>7} {s['glass_to_glass_p50_ms']!s:>8} "
                     f"{s['glass_to_glass_p95_ms']!s:>8} {s['edge_glass_to_glass_p50_ms']!s:>8} "
                     f"{s['janus_cpu_pct']!s:>7} {s['edge_janus_cpu_pct']!s:>6} {s['janus_cpu_pct_per_viewer']!s:>9} "
                     f"{s['bot_cpu_pct_max']!s:>9} {s['publisher_kbps']!s:>7}"
                     + ("  bots saturated" if s["bots_saturated"] else "")
                     + (f"  {s['viewers_silent']} silent" if s["viewers_silent"] else ""))
    lines.append(f"held {r['viewers']} viewers; {r['viewers_per_core']} viewers per Janus core; cascade extra p50 "
                 f"{r['cascade_extra_p50_ms']} ms; ok: {r['ok']} {r['checks']}")
    return "\n".join(lines)
