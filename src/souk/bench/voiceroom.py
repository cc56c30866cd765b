"""`souk bench voiceroom`: 4 speakers through one AudioBridge room, its mix forwarded to a Streaming mountpoint,
N listeners on it; mouth-to-ear latency, loss, Janus CPU per listener.

Inside the private network namespace (souk.media.netns) the bench starts one Janus under
:class:`~souk.media.supervisor.JanusSupervisor`, a :class:`~souk.media.plane.MediaPlane` and a
:class:`~souk.media.voice_plane.VoicePlane` on it, and a voice room (``--prebuffer`` packets of 20 ms). Worker
processes (:mod:`souk.bench.voiceroom_worker`) hold the peers:

- 4 speakers, each a tone of its own pitch sent as 200 ms bursts once a ``--period`` (default 1 s), the four
  taking turns; each burst's send time is noted when its first frame goes to the encoder (the mouth);
- ``--probes`` decoding listeners (aiortc) on the mix mountpoint, in a process of their own: each burst's first
  loud decoded frame of that pitch is the ear (souk.bench.voiceroom_bots);
- ``--listeners`` bulk listeners (cheap: ICE + DTLS-SRTP, RTP counted from headers, no decoder) over
  ``--workers`` processes, to load Janus.

With ``--edge`` a second Janus node ("node2", region "edge") gets as many probes, through its own forwarder of
the mix (``edge_mouth_to_ear_*``, ``cascade_extra_p50_ms``). The bench measures Janus's CPU with the speakers
and probes only (baseline), adds the bulk listeners, then holds
``--seconds`` while it measures: mouth-to-ear over every probe and burst (a burst a probe did not hear within the
period counts at the period), audio packet loss over every listener, Janus's CPU, each worker's and the
machine's. ``listeners_per_core`` = 100 / ((Janus CPU - baseline) / bulk listeners). A worker at >= 90 % of a
core (``bots_saturated``) or the machine at >= 90 % of all cores (``machine_saturated``) is reported: the figures
then measure the bots or the machine, not Janus. Before the media part, ``seat_ops``: ``--seat-ops`` (64)
concurrent seat requests over HTTP against the voice-room API on SQLite (:mod:`souk.bench.voiceroom_seats`):
whether they resolved consistently, and their times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from souk.bench.live.live import Worker, cpu_seconds, machine_cpu
from souk.bench.voiceroom_bots import PITCHES
from souk.bench.voiceroom_figures import listeners_per_core, loss_pct, match_bursts, percentile
from souk.core.errors import BadRequest
from souk.core.settings import Settings
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

ROOM = RoomKey("bench", "voiceroom-bench")
SPEAKERS = 4
BURST_S = 0.2
SETTLE_S = 2.0
JOIN_BATCH = 8
SATURATED_PCT = 90.0


def register(bench: Any) -> None:
    p = bench.add_parser("voiceroom", help="voice room: 4 speakers through AudioBridge to N listeners "
                                           "(mouth-to-ear, loss, listeners per core)")
    p.add_argument("--listeners", type=int, default=100, help="bulk listeners on the mix (default 100)")
    p.add_argument("--probes", type=int, default=2, help="decoding listeners that time each burst (default 2)")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds measured with every listener on")
    p.add_argument("--workers", type=int, default=0, help="bulk listener processes (default: cores, at least 2)")
    p.add_argument("--prebuffer", type=int, default=2, help="AudioBridge prebuffer, packets of 20 ms (default 2)")
    p.add_argument("--period", type=float, default=1.0, help="seconds between one speaker's bursts (default 1)")
    p.add_argument("--seat-ops", type=int, default=64, help="concurrent seat requests for 16 seats (0: skip)")
    p.add_argument("--edge", action="store_true", help="a second Janus node: as many probes there, through its "
                                                       "own forwarder of the mix (edge_mouth_to_ear_*)")
    p.add_argument("--json", action="store_true", help="print only the JSON object (default: a table)")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    if (args.listeners < 0 or args.probes < 1 or args.seconds <= 0 or args.workers < 0 or args.period < 0.5
            or args.seat_ops < 0):
        raise BadRequest("--listeners >= 0, --probes >= 1, --seconds > 0, --workers >= 0, --period >= 0.5, "
                         "--seat-ops >= 0", code="bad_bench_args")
    reexec_in_netns()  # returns only inside the namespace
    result = asyncio.run(_all(settings, args))
    print(json.dumps(result) if args.json else format_table(result))
    return 0 if not result.get("errors") else 1


async def _all(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from souk.bench.voiceroom_seats import seat_ops

    seats: dict[str, Any] | None = None
    if args.seat_ops:
        try:
            seats = await seat_ops(ops=args.seat_ops)
        except Exception as exc:
            log.exception("seat_ops failed")
            seats = {"consistent": False, "error": f"{type(exc).__name__}: {exc}"}
    result = await run_bench(settings, listeners=args.listeners, probes=args.probes, seconds=args.seconds,
                             workers=args.workers or max(2, os.cpu_count() or 2), prebuffer=args.prebuffer,
                             period=args.period, edge=args.edge)
    result["seat_ops"] = seats
    if seats is not None and not seats.get("consistent"):
        result.setdefault("errors", []).append(f"seat_ops not consistent: {seats}")
    return result


class VoiceWorker(Worker):
    @classmethod
    async def spawn(cls, name: str, workdir: Path) -> VoiceWorker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "souk.bench.voiceroom_worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=16 << 20)
        return cls(name, proc)


class Tally:
    """Everything the workers reported, merged across drained ``stats`` replies."""

    def __init__(self) -> None:
        self.bursts: dict[str, list[float]] = {}
        self.onsets: dict[str, dict[str, list[float]]] = {}
        self.packets: dict[str, dict[str, int]] = {}
        self.worker_cpu: dict[str, float] = {}

    async def poll(self, pool: list[VoiceWorker]) -> None:
        replies = await asyncio.gather(*(w.request("stats") for w in pool))
        for w, st in zip(pool, replies, strict=True):
            self.worker_cpu[w.name] = float(st["cpu_s"])
            for pitch, times in st["bursts"].items():
                self.bursts.setdefault(pitch, []).extend(times)
            for vid, lst in st["listeners"].items():
                key = f"{w.name}/{vid}"
                self.packets[key] = {"received": int(lst["received"]), "lost": int(lst["lost"])}
                for pitch, times in (lst.get("onsets") or {}).items():
                    self.onsets.setdefault(key, {}).setdefault(pitch, []).extend(times)


async def run_bench(settings: Settings, *, listeners: int, probes: int, seconds: float, workers: int,
                    prebuffer: int, period: float, edge: bool = False) -> dict[str, Any]:
    from souk.media.plane import MediaPlane
    from souk.media.supervisor import JanusSupervisor
    from souk.media.types import Jsep
    from souk.media.voice_plane import VoicePlane

    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-voiceroom-"))
    base = settings.janus.model_copy(update={"mode": "embedded", "ws_port": 0, "admin_ws_port": 0})
    s1 = settings.model_copy(update={"data_dir": str(workdir / "node1"), "janus": base, "database_url": "",
                                     "live": settings.live.model_copy(update={"viewers_per_node": 100_000})})
    sup = JanusSupervisor(s1, workdir=workdir / "node1", node_id="node1")
    sups = [sup]
    if edge:  # a second node whose listeners get the mix through their own forwarder (other RTP ranges)
        s2 = s1.model_copy(update={"data_dir": str(workdir / "node2"), "janus": base.model_copy(update={
            "rtp_port_range": "40000-44999", "relay_port_range": "45000-45999", "region": "edge"})})
        sups.append(JanusSupervisor(s2, workdir=workdir / "node2", node_id="node2"))
    plane: MediaPlane | None = None
    voice: VoicePlane | None = None
    pool: list[VoiceWorker] = []
    handles: list[Any] = []
    try:
        nodes = [await x.start() for x in sups]
        plane = await MediaPlane.attach(s1, nodes)
        voice = await _voice(plane, prebuffer, nodes[0].region)
        speak_worker = await VoiceWorker.spawn("speakers", workdir)
        probe_worker = await VoiceWorker.spawn("probes", workdir)
        edge_worker = await VoiceWorker.spawn("edge", workdir) if edge else None
        bulk = [await VoiceWorker.spawn(f"listeners{i + 1}", workdir) for i in range(workers)]
        pool += [speak_worker, probe_worker, *([edge_worker] if edge_worker else []), *bulk]
        for i, pitch in enumerate(PITCHES[:SPEAKERS]):
            r = await speak_worker.request("speak", pitch=pitch, period=period, burst=BURST_S,
                                           offset=i * period / SPEAKERS)
            speaker = await voice.join_speaker(ROOM, f"speaker{i + 1}")
            handles.append(speaker)
            answer = await speaker.publish(Jsep("offer", r["sdp"], trickle=False))
            await speak_worker.request("accept", sid=r["sid"], sdp=answer.sdp)
            await speaker.wait_webrtcup(10.0)

        async def attach(worker: VoiceWorker, cheap: bool, node_id: str | None = None) -> None:
            assert voice is not None
            listener = await voice.listen(ROOM, node_id=node_id)
            handles.append(listener)
            r = await worker.request("listen", offer=listener.offer.sdp, cheap=cheap)
            await listener.start(Jsep("answer", r["sdp"], trickle=False))

        await asyncio.gather(*(attach(probe_worker, False) for _ in range(probes)))
        if edge_worker is not None:
            await asyncio.gather(*(attach(edge_worker, False, "node2") for _ in range(probes)))
        tally = Tally()
        await asyncio.sleep(SETTLE_S)
        pid = sup.pid or 0
        b0 = (time.monotonic(), cpu_seconds(pid))
        await asyncio.sleep(min(seconds, 3.0))
        b1 = (time.monotonic(), cpu_seconds(pid))
        baseline = 100 * (b1[1] - b0[1]) / (b1[0] - b0[0])
        for i in range(0, listeners, JOIN_BATCH):
            await asyncio.gather(*(attach(bulk[(i + j) % len(bulk)], True)
                                   for j in range(min(JOIN_BATCH, listeners - i))))
        await asyncio.sleep(SETTLE_S)
        await tally.poll(pool)  # drains what came before the window
        packets0, cpu0 = dict(tally.packets), dict(tally.worker_cpu)
        t0, m0, j0, own0 = time.time(), machine_cpu(), cpu_seconds(pid), cpu_seconds(os.getpid())
        mono0 = time.monotonic()
        while time.monotonic() - mono0 < seconds:
            await asyncio.sleep(min(1.0, seconds))
            await tally.poll(pool)  # drained often: the workers' queues stay short
        await asyncio.sleep(period)  # the last bursts' ears
        await tally.poll(pool)
        dt = time.monotonic() - mono0
        m1, j1, own1 = machine_cpu(), cpu_seconds(pid), cpu_seconds(os.getpid())
        return summarize(
            tally, packets0, cpu0, window=(t0, t0 + seconds + period), timeout_s=period, dt=dt,
            janus_pct=100 * (j1 - j0) / dt, baseline_pct=baseline, own_pct=100 * (own1 - own0) / dt,
            machine_pct=100 * (m1[0] - m0[0]) / max(1.0, m1[1] - m0[1]) * (os.cpu_count() or 1),
            listeners=listeners, probes=probes, prebuffer=prebuffer, period=period, seconds=seconds,
            edge_probes=probes if edge else 0)
    except Exception as exc:
        log.exception("voiceroom bench failed")
        return {"ok": False, "errors": [f"{type(exc).__name__}: {exc}"]}
    finally:
        if voice is not None:
            for h in handles:
                await _quiet(h.aclose())
            await _quiet(voice.destroy_room(ROOM))
            await _quiet(voice.aclose())
        await asyncio.gather(*(_quiet(w.aclose()) for w in pool))
        for w in pool:  # last resort
            if w.proc.returncode is None:
                w.proc.kill()
                await w.proc.wait()
        if plane is not None:
            await _quiet(plane.aclose())
        for x in sups:
            await _quiet(x.aclose())
        shutil.rmtree(workdir, ignore_errors=True)


async def _voice(plane: Any, prebuffer: int, region: str) -> Any:
    from souk.media.voice_plane import VoicePlane

    voice = VoicePlane(plane)
    await voice.ensure_room(ROOM, seats=SPEAKERS, prebuffer=prebuffer, region=region)
    return voice


async def _quiet(coro: Any) -> None:
    try:
        await asyncio.wait_for(coro, 10)
    except Exception as exc:  # noqa: BLE001 (teardown goes on)
        log.warning("voiceroom bench teardown: %s: %s", type(exc).__name__, exc)


def summarize(tally: Tally, packets0: dict[str, dict[str, int]], cpu0: dict[str, float], *,
              window: tuple[float, float], timeout_s: float, dt: float, janus_pct: float, baseline_pct: float,
              own_pct: float, machine_pct: float, listeners: int, probes: int, prebuffer: int, period: float,
              seconds: float, edge_probes: int = 0) -> dict[str, Any]:
    def latencies(worker: str) -> tuple[list[float], int]:
        samples: list[float] = []
        failed = 0
        for key in tally.packets:  # a probe that never reported an onset counts every burst as failed
            if key.startswith(worker + "/"):
                lat = match_bursts(tally.bursts, tally.onsets.get(key, {}), window=window, timeout_s=timeout_s)
                samples += lat.samples_ms
                failed += lat.failed
        return samples, failed

    samples, failed = latencies("probes")
    edge_samples, edge_failed = latencies("edge")
    bots = {n: round(100 * (c - cpu0.get(n, 0.0)) / dt, 1) for n, c in tally.worker_cpu.items()}
    per_listener, per_core = listeners_per_core(listeners, janus_pct, baseline_pct)
    cores = os.cpu_count() or 1
    saturated = [f"bots_saturated ({n} {c}%)" for n, c in bots.items() if c >= SATURATED_PCT]
    if machine_pct >= SATURATED_PCT * cores:
        saturated.append(f"machine_saturated ({machine_pct:.0f}% of {cores} cores)")
    return {
        "ok": bool(samples) and failed < len(samples),
        "mouth_to_ear_p50_ms": percentile(samples, 50), "mouth_to_ear_p95_ms": percentile(samples, 95),
        "speakers": SPEAKERS, "listeners": listeners + probes + edge_probes, "bulk_listeners": listeners, "probes": probes,
        "samples": len(samples), "failed": failed, "loss_pct": loss_pct(packets0, tally.packets),
        "listeners_per_core": per_core, "janus_cpu_pct_per_listener": per_listener,
        "janus_cpu_pct": round(janus_pct, 1), "baseline_janus_cpu_pct": round(baseline_pct, 1),
        "bot_cpu_pct": bots, "orchestrator_cpu_pct": round(own_pct, 1), "machine_cpu_pct": round(machine_pct, 1),
        "cpu_cores": cores, "saturated": saturated, "prebuffer": prebuffer, "period_s": period,
        "seconds": seconds, "seat_ops": None, "errors": [],
        **({"edge_probes": edge_probes, "edge_mouth_to_ear_p50_ms": percentile(edge_samples, 50),
            "edge_mouth_to_ear_p95_ms": percentile(edge_samples, 95), "edge_failed": edge_failed,
            "cascade_extra_p50_ms": _minus(percentile(edge_samples, 50), percentile(samples, 50))}
           if edge_probes else {}),
    }


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


def format_table(r: dict[str, Any]) -> str:
    if not r.get("samples"):
        return "voiceroom bench failed: " + "; ".join(r.get("errors") or ["no samples"])
    lines = [
        (f"{r['speakers']} speakers -> AudioBridge (prebuffer {r['prebuffer']}) -> forwarder -> Streaming -> "
        f"{r['listeners']} listeners ({r['probes']} decoding probes)"),
        (f"mouth-to-ear p50 {r['mouth_to_ear_p50_ms']} ms, p95 {r['mouth_to_ear_p95_ms']} ms "
        f"({r['samples']} bursts, {r['failed']} not heard within {r['period_s']} s)"),
        (f"loss {r['loss_pct']} %; Janus {r['janus_cpu_pct']} % of a core (baseline {r['baseline_janus_cpu_pct']} %); "
        f"{r['listeners_per_core']} listeners per core"),
        f"bots {r['bot_cpu_pct']}; machine {r['machine_cpu_pct']} % over {r['cpu_cores']} cores",
    ]
    if r["saturated"]:
        lines.append("saturated: " + ", ".join(r["saturated"]))
    if r.get("edge_probes"):
        lines.append(f"edge node: mouth-to-ear p50 {r['edge_mouth_to_ear_p50_ms']} ms, p95 "
                     f"{r['edge_mouth_to_ear_p95_ms']} ms ({r['cascade_extra_p50_ms']} ms more at p50)")
    seats = r.get("seat_ops")
    if seats:
        lines.append(f"seat_ops: {seats.get('ops')} concurrent takes for {seats.get('seats')} seats -> "
                     f"{seats.get('granted')} granted, consistent {seats.get('consistent')}, "
                     f"p50 {seats.get('p50_ms')} ms, p95 {seats.get('p95_ms')} ms")
    return "\n".join(lines)
