"""`souk bench live`: one live-show publisher fanned out to stepped audiences on two embedded Janus nodes.

Inside the private network namespace (souk.media.netns; Janus never gathers on loopback) the bench starts two
Janus nodes under :class:`~souk.media.supervisor.JanusSupervisor` ("node1" origin, "node2" edge: other RTP
and relay ranges) and a :class:`~souk.media.plane.MediaPlane` attached to both. A worker process publishes the
timestamp video (640x360, VP8 capped at ``--bitrate``, each frame stamped with its wall-clock send time) and
a tone into a live room on node1. Then:

- probes: ``--probes`` decoding viewers on node1 (VideoRoom subscribers) and as many on node2 through the
  relay (``plane.watch(..., node_id="node2")``), in two workers of their own; each decoded frame's stamp gives a
  glass-to-glass delay (encode, network, Janus, decode; one machine clock);
- steps: bulk viewers on node1 spread round-robin over ``--workers`` processes (``--viewers cheap``, the default:
  :mod:`souk.bench.live.cheap`, RTP counted and timed from its headers without decoding; ``aiortc``: the older
  non-decoding aiortc peers), added until each step's count, then held ``--step-s`` seconds while the bench
  measures video packet loss seen by every viewer, the cheap viewers' frame arrival lags and freezes, each
  Janus's CPU (/proc/<pid>/stat), each bot process's CPU, the publisher's actual bitrate, and the probes'
  delays, each split into send / assemble / decode (:mod:`souk.bench.live.probe`). A step where one bot process
  used >= SATURATED_PCT of a core (``bots_saturated``) or the machine >= MACHINE_SATURATED_PCT of all cores
  (``machine_saturated``, whoever keeps it busy) is reported but not held and ends the run: its figures measure
  the bots or the machine, not Janus. The figures are pure functions in :mod:`souk.bench.live.figures`.

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
from pathlib import Path
from typing import Any

from souk.bench.live.figures import Snapshot, View, format_table, held_back, summarize, summarize_step
from souk.core.errors import BadRequest
from souk.core.settings import Settings
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

ROOM = RoomKey("bench", "live-bench")  # the bench's own merchant id: rooms are per merchant
SETTLE_S = 1.5
JOIN_BATCH = 8


def register(bench: Any) -> None:
    p = bench.add_parser("live", help="live show: stepped audience on two Janus nodes (loss, CPU, glass-to-glass)")
    p.add_argument("--steps", default="20,40,60,80", help="viewer counts to hold, ascending (default 20,40,60,80)")
    p.add_argument("--probes", type=int, default=2, help="decoding probe viewers on the origin and on the edge")
    p.add_argument("--step-s", type=float, default=10.0, help="seconds each step is held and measured")
    p.add_argument("--workers", type=int, default=0, help="viewer worker processes (default: cores, at least 2)")
    p.add_argument("--bitrate", type=int, default=600_000, help="publisher VP8 cap in bit/s (default 600000)")
    p.add_argument("--viewers", choices=["cheap", "aiortc"], default="cheap",
                   help="bulk viewer kind: cheap (RTP counted from headers, default) or aiortc (non-decoding peers)")
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
                                   workdir=Path(args.workdir) if args.workdir else None,
                                   cheap=args.viewers == "cheap"))
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


async def snapshot(pids: dict[str, int], workers: list[Worker], publisher: Worker) -> Snapshot:
    janus = {node: cpu_seconds(pid) for node, pid in pids.items()}
    stats = await asyncio.gather(*(w.request("stats") for w in workers))
    snap = Snapshot(time.monotonic(), janus, {}, 0, machine_cpu())
    snap.own_cpu = cpu_seconds(os.getpid())  # this orchestrator (media plane, relays)
    for w, st in zip(workers, stats, strict=True):
        snap.worker_cpu[w.name] = float(st["cpu_s"])
        if w is publisher:
            snap.bytes_sent = int(st["bytes_sent"])
            snap.send_lags = list(st.get("send_lags_ms", []))
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
        # origin and edge probes decode in processes of their own: one event loop reading every probe's stamps
        # (and the GIL) would add its own wait to the figures it measures
        probe_worker = await Worker.spawn("probes", workdir)
        edge_worker = await Worker.spawn("edge-probes", workdir)
        bulk_workers = [await Worker.spawn(f"viewers{i + 1}", workdir) for i in range(workers)]
        pool += [probe_worker, edge_worker, *bulk_workers]

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

        await asyncio.gather(*(attach(probe_worker, "origin_probe") for _ in range(probes)),
                             *(attach(edge_worker, "edge_probe") for _ in range(probes)))
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
            if held_back(step):
                break
            origin_all += step.pop("_origin_delays")
            edge_all += step.pop("_edge_delays")
        for step in results:
            step.pop("_origin_delays", None)
            step.pop("_edge_delays", None)
        return summarize(results, origin_all, edge_all, baseline, bitrate, workers, probes, step_s, errors,
                         "cheap" if cheap else "aiortc")
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
