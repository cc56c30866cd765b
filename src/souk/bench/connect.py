"""`souk bench connect`: subscriber join -> first decoded video frame, through Souk vs raw on Janus.

One run, one Janus: the bench starts the embedded Janus (in a private network namespace, see
souk.media.netns), runs ``souk serve`` as a separate process attached to that Janus, and measures
(a) through Souk: a fresh subscriber with its own access token (minted over REST with the demo API key)
    on the signaling WebSocket; the publisher ("seller") is an aiortc bot publishing through Souk too;
(b) raw: the same steps on Janus through the media plane's own client, no Souk in the path.

Two joins are measured (``--join both``, the default, runs both in the same run); every key names its join:
- ``warm_switch_*``, what the 1v1 consult does: a feed switch on a warmed connection. While the console rings,
  the shopper publishes her camera and opens her subscriber connection, held on her own feed with nothing
  relayed (signaling ``warm``); the clock starts at the request for the seller's media (``switch``, sent when
  the seller's feed appears) and stops at the first decoded frame of the seller's video. ICE and DTLS were
  done before the clock started: this is not a join from nothing.
- ``cold_join_*``, a subscriber that starts from nothing: the clock starts at its ``join`` request (join ->
  offer -> answer -> ICE -> DTLS) and stops at its first decoded video frame.
Beside each, ``*_raw_*`` is the same steps straight on Janus (the baseline). A round with no first frame
within FAILED_MS (or that raised) counts as FAILED_MS in every percentile and in ``*_failed`` and ``failed``.
Subscribers run in a worker process (aiortc is single-threaded). With ``--netem`` the worker's UDP (ICE, DTLS,
media, including the shopper's own publisher) and its signaling are shaped in both directions (this kernel has
no sch_netem: see souk.bench.shaping); the raw figures stay unshaped (``raw_shaped: false``).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from souk.core.progress import progress
from souk.core.settings import Settings
from souk.core.stats import percentile
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

SLOW_MS = 500.0
RAW_MERCHANT = "bench"  # the raw joins' own room on the plane (rooms are per merchant)
FAILED_MS = 10_000.0  # the first-frame timeout: what a failed round counts as in the percentiles


def parse_netem(spec: str) -> dict[str, float]:
    """``"delay 75ms loss 2%"`` -> {"delay_s": 0.075, "loss": 0.02} (the subset of tc netem we emulate)."""
    words = spec.split()
    out = {"delay_s": 0.0, "loss": 0.0}
    i = 0
    while i < len(words):
        key = words[i]
        value = words[i + 1] if i + 1 < len(words) else ""
        if key == "delay" and value.endswith("ms"):
            out["delay_s"] = float(value[:-2]) / 1000
        elif key == "delay" and value.endswith("s"):
            out["delay_s"] = float(value[:-1])
        elif key == "loss" and value.endswith("%"):
            out["loss"] = float(value[:-1]) / 100
        else:
            raise ValueError(f"unsupported netem spec {spec!r}: use e.g. 'delay 75ms loss 2%'")
        i += 2
    if not (0 <= out["delay_s"] <= 5 and 0 <= out["loss"] < 1):
        raise ValueError(f"netem values out of range: {spec!r}")
    return out


def register(bench: Any) -> None:
    p = bench.add_parser("connect", help="join -> first decoded frame through Souk vs raw Janus (JSON)")
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--netem", default=None, help='shape the shopper side, e.g. "delay 75ms loss 2%%"')
    p.add_argument("--link", default=None,
                   help='run the shopper subscriber behind an emulated link (souk.bench.linkem, docs/links.md) '
                        'delaying and dropping its packets each way, e.g. "delay 75ms loss 2%%"')
    p.add_argument("--join", choices=("both", "warm", "cold"), default="both",
                   help="warm: the consult's feed switch on a connection warmed while ringing (warm_switch_* "
                        "keys); cold: a join from nothing (cold_join_* keys); both (default)")
    p.add_argument("--ring-s", type=float, default=4.0,
                   help="warm join: the seller answers when the server says the connection is held (warmed), "
                        "or after this many seconds of ringing, whichever comes first")
    p.add_argument("--json", action="store_true", help="print only the JSON object (default: a summary, then it)")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    if args.rounds < 1:
        print("souk: --rounds must be >= 1", file=sys.stderr)
        return 2
    if args.netem and args.link:
        print("souk: --netem and --link are two ways to shape the same side: pick one", file=sys.stderr)
        return 2
    reexec_in_netns()  # returns only inside the namespace (settings are re-read there)
    result = asyncio.run(_run(args, settings))
    if not args.json:
        print(summary(result))
    print(json.dumps(result))
    return 0 if not result.get("errors") else 1


def summary(result: dict[str, Any]) -> str:
    """The human lines: each figure named for what it measures."""
    lines = []
    for key, what in (("warm_switch", "warm switch (feed switch on a connection warmed while ringing)"),
                      ("cold_join", "cold join (join -> ICE -> DTLS -> first frame, from nothing)")):
        if f"{key}_p50_ms" in result:
            lines.append(f"{what}: p50 {result[f'{key}_p50_ms']} ms, p95 {result[f'{key}_p95_ms']} ms through Souk; "
                         f"raw Janus p50 {result[f'{key}_raw_p50_ms']} ms, p95 {result[f'{key}_raw_p95_ms']} ms; "
                         f"{result[f'{key}_failed']} of {result['rounds']} failed, {result[f'{key}_slow']} over "
                         f"{SLOW_MS:.0f} ms")
    return "\n".join(lines)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def _run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    import httpx

    from souk.bench.bots import PublisherBot
    from souk.bench.signal_client import SignalClient
    from souk.cli.server import seed_and_key
    from souk.media.plane import MediaPlane
    from souk.media.types import Jsep

    netem = args.netem
    tmp = tempfile.TemporaryDirectory(prefix="souk-bench-connect-")
    data = Path(tmp.name)
    janus = settings.janus.model_copy(update={"mode": "embedded", "ws_port": 0, "admin_ws_port": 0})
    shaping = parse_netem(netem) if netem else None
    settings = settings.model_copy(update={"data_dir": str(data), "janus": janus, "database_url": "",
                                           "demo": True})
    link = await _open_link(args.link) if args.link else None  # before Janus: it gathers on the link's device
    if link is not None:
        gather = ",".join(x for x in (settings.janus.ice_enforce_list, link.info.core_dev) if x)
        settings = settings.model_copy(update={"janus": settings.janus.model_copy(
            update={"ice_enforce_list": gather})})
    try:
        plane = await MediaPlane.start(settings, workdir=data / "janus")
    except BaseException:
        if link is not None:
            await link.aclose()
        raise
    server: asyncio.subprocess.Process | None = None
    errors: list[str] = []
    out: dict[str, Any] = {}
    joins = ("warm", "cold") if args.join == "both" else (args.join,)
    pub_client = None
    pub_bot = raw_bot = raw_pub = None
    try:
        node = plane.pool.nodes()[0]
        _, api_key = await seed_and_key(settings)
        port = free_port()
        host = "127.0.0.1"
        env = {**os.environ, "SOUK_DATA_DIR": str(data), "SOUK_DEMO": "false", "SOUK_JANUS__MODE": "external",
               "SOUK_JANUS__URLS": json.dumps([node.url]), "SOUK_JANUS__API_SECRET": node.api_secret,
               "SOUK_JANUS__ADMIN_KEY": node.admin_key, "SOUK_JANUS__ADMIN_SECRET": node.admin_secret,
               "SOUK_JANUS__ADMIN_URLS": json.dumps([node.admin_url]),
               "SOUK_LOG_LEVEL": "WARNING"}
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "souk.cli.main", "serve", "--host", host, "--port", str(port), env=env)
        base = f"http://127.0.0.1:{port}"
        if link is not None:
            await link.expose_tcp(port)  # the shopper side reaches Souk's socket through the link
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {api_key}"},
                                     timeout=20) as http:
            await wait_up(http, server)
            room = (await http.post("/v1/rooms", json={"kind": "consult"})).json()["id"]

            async def mint(identity: str, role: str) -> str:
                r = await http.post("/v1/tokens", json={"identity": identity, "room": room, "role": role})
                r.raise_for_status()
                return str(r.json()["token"])

            pub_client = await SignalClient.connect(base.replace("http", "ws") + "/v1/signal",
                                                    await mint("seller", "host"))
            await pub_client.request({"type": "join", "room": room})
            pub_bot = PublisherBot(timestamps=True)  # a 640x360 camera whose frames carry their send time
            reply = await pub_client.request({"type": "publish", "sdp": (await pub_bot.offer()).sdp})
            await pub_bot.accept(Jsep("answer", reply["sdp"]))
            await _wait_publishing(http, room)
            tokens = {join: [await mint(f"shopper-{join}-{i}", "member") for i in range(args.rounds)]
                      for join in joins}

        # raw: the same joins straight on Janus through the media plane (publisher in its own room; the warm
        # join publishes the subscriber's own feed there too, as the shopper does while it rings)
        raw_room = RoomKey(RAW_MERCHANT, "bench-raw-" + room)
        await plane.ensure_room(raw_room, kind="consult", max_publishers=2)
        raw_bot = PublisherBot(timestamps=True)
        raw_pub = await plane.join_publisher(raw_room, display="raw-publisher")
        await raw_bot.accept(await raw_pub.publish(await raw_bot.offer()))
        await raw_pub.wait_webrtcup(10.0)
        out["rounds"] = args.rounds
        # stderr, on a terminal only: a step per worker (raw Janus, then Souk, per join kind)
        bar = progress("connect bench", total=2 * len(joins), quiet=args.json)
        for join in joins:
            bar.advance(0, label=f"{join}: raw Janus")
            raw_job = {"mode": "raw", "join": join, "url": node.url, "api_secret": node.api_secret,
                       "admin_key": node.admin_key, "admin_url": node.admin_url, "admin_secret": node.admin_secret,
                       "room": raw_room.room_id, "feed_id": raw_pub.feed_id,
                       "mids": {k: raw_pub.mids(k) for k in ("audio", "video")}, "rounds": args.rounds,
                       "ring_s": args.ring_s}
            raw = await _run_worker(raw_job)  # a process of its own, like the Souk subscribers
            errors += raw.get("errors", [])
            bar.advance(label=f"{join}: Souk")
            job = {"join": join, "ws_url": f"ws://{link.core_addr if link else '127.0.0.1'}:{port}/v1/signal",
                   "room": room, "feed": "seller", "tokens": tokens[join], "shaping": shaping, "ring_s": args.ring_s}
            souk = await _run_worker(job, link.shopper_argv([]) if link else [])
            errors += souk.get("errors", [])
            out.update(join_figures(KEYS[join], args.rounds, souk, raw))
            bar.advance(label=f"{join}: done")
        bar.close()
        out.update({
            "rounds": args.rounds,
            "join": args.join,
            "netem": netem,
            "netem_side": "shopper subscriber only: its UDP (media, ICE, DTLS) and signaling, both directions, "
                          "emulated in its process" if netem else None,
            "raw_shaped": False,
            "link": args.link,
            "link_side": "shopper subscriber only: its process runs behind a userspace emulated link (both "
                         "directions; signaling, ICE, DTLS and media cross it)" if args.link else None,
            "measured": {KEYS[j]: MEASURED[j] for j in joins},
            "failed": sum(out[f"{KEYS[j]}_failed"] + out[f"{KEYS[j]}_raw_failed"] for j in joins),
            "cpu_cores": os.cpu_count(),
            "percentiles": f"nearest rank (p95 of 20 rounds is the 19th fastest); a failed round counts as "
                           f"{FAILED_MS:.0f} ms",
        })
        if errors:
            out["errors"] = errors[:10]
        return out
    finally:
        if pub_client is not None:
            await pub_client.aclose()
        for closer in (raw_pub, raw_bot, pub_bot):
            if closer is not None:
                await closer.aclose()
        if server is not None and server.returncode is None:
            server.terminate()
            try:
                await asyncio.wait_for(server.wait(), 10)
            except TimeoutError:
                server.kill()
                await server.wait()
        await plane.aclose()
        if link is not None:
            await link.aclose()
        tmp.cleanup()


KEYS = {"warm": "warm_switch", "cold": "cold_join"}
MEASURED = {
    "warm": "a feed switch on a warmed connection: request for the seller's media (switch on the subscriber "
            "connection warmed while ringing) -> first decoded frame of the seller's video (aiortc, VP8 640x360)",
    "cold": "subscriber join request -> first decoded video frame (aiortc, VP8 640x360)",
}


def join_figures(key: str, rounds: int, souk: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """``key``: warm_switch or cold_join; through Souk ``{key}_*``, the raw Janus baseline ``{key}_raw_*``."""
    souk_ms: list[float] = souk.get("ms", [])
    raw_ms: list[float] = raw.get("ms", [])
    souk_failed, raw_failed = max(0, rounds - len(souk_ms)), max(0, rounds - len(raw_ms))
    # a round that failed (no first frame in time, or an error) counts as the bench's timeout in the percentiles
    souk_all = souk_ms + [FAILED_MS] * souk_failed
    raw_all = raw_ms + [FAILED_MS] * raw_failed
    return {
        f"{key}_p50_ms": percentile(souk_all, 0.5), f"{key}_p95_ms": percentile(souk_all, 0.95),
        f"{key}_raw_p50_ms": percentile(raw_all, 0.5), f"{key}_raw_p95_ms": percentile(raw_all, 0.95),
        f"{key}_failed": souk_failed, f"{key}_raw_failed": raw_failed,
        f"{key}_slow": sum(1 for x in souk_all if x > SLOW_MS),
        f"{key}_max_ms": round(max(souk_all), 1) if souk_all else None,
        f"{key}_raw_max_ms": round(max(raw_all), 1) if raw_all else None,
        f"{key}_mean_ms": round(statistics.fmean(souk_all), 1) if souk_all else None,
        f"{key}_connect_p50_ms": percentile(souk.get("connect_ms", []), 0.5),
        f"{key}_phases_p50_ms": souk.get("phases_p50_ms", {}),
        f"{key}_ok": len(souk_ms), f"{key}_raw_ok": len(raw_ms),
        f"{key}_rounds_ms": [round(x) for x in souk_ms],
        **({f"{key}_primed": souk["primed"]} if "primed" in souk else {}),  # warm switches only
    }


async def wait_up(http: Any, server: asyncio.subprocess.Process) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.returncode is not None:
            raise RuntimeError(f"souk serve exited with {server.returncode}")
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError as exc:
            log.debug("souk serve not up yet: %s", exc)
        await asyncio.sleep(0.1)
    raise TimeoutError("souk serve did not come up in 30 s")


async def _wait_publishing(http: Any, room: str) -> None:
    for _ in range(200):
        parts = (await http.get(f"/v1/rooms/{room}/participants")).json()
        if any(p["publishing"] for p in parts):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the publisher never came up")


async def _open_link(spec: str) -> Any:
    """An emulated link (souk.bench.linkem) with ``spec``'s delay and loss in each direction."""
    from souk.bench.linkem.link import start_link
    from souk.bench.linkem.profile import LinkProfile

    shaping = parse_netem(spec)
    return await start_link(LinkProfile.symmetric(rtt_ms=2000 * shaping["delay_s"], loss=shaping["loss"]))


async def _run_worker(job: dict[str, Any], prefix: list[str] | None = None) -> dict[str, Any]:
    """Run a worker process (``prefix``, e.g. nsenter into a link's shopper side, goes before it)."""
    cmd = [*(prefix or []), sys.executable, "-m", "souk.bench.connect", "worker"]
    proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE)
    stdout, _ = await proc.communicate(json.dumps(job).encode())
    try:
        result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"ms": [], "errors": [f"worker exited with {proc.returncode} and no result"]}
    return result


async def _raw_worker(job: dict[str, Any]) -> dict[str, Any]:
    from souk.bench.raw import raw_join_to_first_frame, raw_switch_to_first_frame
    from souk.core.settings import load_settings
    from souk.media.plane import MediaPlane

    settings = load_settings(None, janus={"mode": "external", "urls": [job["url"]],
                                          "api_secret": job["api_secret"], "admin_key": job["admin_key"],
                                          "admin_urls": [job["admin_url"]], "admin_secret": job["admin_secret"]})
    plane = await MediaPlane.start(settings)
    ms: list[float] = []
    errors: list[str] = []
    room = RoomKey(RAW_MERCHANT, job["room"])
    try:
        await plane.ensure_room(room, kind="consult", max_publishers=2)
        for _ in range(job["rounds"]):
            try:
                if job.get("join") == "warm":
                    ms.append(await raw_switch_to_first_frame(plane, room, int(job["feed_id"]), job["mids"],
                                                              ring_s=float(job["ring_s"])))
                else:
                    ms.append(await raw_join_to_first_frame(plane, room, int(job["feed_id"])))
            except Exception as exc:  # reported, the bench goes on  # noqa: BLE001
                errors.append(f"raw {job.get('join')}: {type(exc).__name__}: {exc}")
            await asyncio.sleep(0.05)
    finally:
        await plane.aclose()
    return {"ms": ms, "errors": errors}


async def _worker(job: dict[str, Any]) -> dict[str, Any]:
    if job.get("mode") == "raw":
        return await _raw_worker(job)
    from souk.bench.signal_client import SignalClient

    shaping = job.get("shaping")
    if shaping:
        from souk.bench.shaping import shape_datagrams

        shape_datagrams(asyncio.get_running_loop(), **shaping)
    warm = job.get("join") == "warm"
    ms: list[float] = []
    connect_ms: list[float] = []
    errors: list[str] = []
    phases: dict[str, list[float]] = {}
    primed = 0  # warm joins only: rounds whose connection was primed before the seller answered
    for token in job["tokens"]:
        client = None
        try:
            c0 = time.monotonic()
            client = await SignalClient.connect(job["ws_url"], token)
            if shaping:
                client.one_way_delay_s, client.segment_loss = shaping["delay_s"], shaping["loss"]
            connect_ms.append((time.monotonic() - c0) * 1000)
            marks: dict[str, float] = {}
            t0, first, was_primed = await (_warm_round if warm else _cold_round)(client, job, marks)
            ms.append((first - t0) * 1000)
            primed += was_primed
            for name, at in marks.items():
                phases.setdefault(name, []).append((at - t0) * 1000)
            await client.request({"type": "leave"})
        except Exception as exc:  # one failed round is reported, the bench goes on  # noqa: BLE001
            errors.append(f"souk {job.get('join')}: {type(exc).__name__}: {exc or 'no first frame in time'}")
        finally:
            if client is not None:
                await client.aclose()
        await asyncio.sleep(0.05)
    return {"ms": ms, "connect_ms": connect_ms, "errors": errors, **({"primed": primed} if warm else {}),
            "phases_p50_ms": {k: percentile(v, 0.5) for k, v in phases.items()}}


async def _cold_round(client: Any, job: dict[str, Any], marks: dict[str, float]) -> tuple[float, float, bool]:
    """join (with subscribe) -> offer -> answer -> ICE -> DTLS -> first decoded frame: (start, frame, False)."""
    from souk.bench.bots import SubscriberBot
    from souk.media.types import Jsep

    bot = SubscriberBot(timestamps=True)
    try:
        _watch_states(bot.pc, marks)
        t0 = time.monotonic()
        joined = await client.request({"type": "join", "room": job["room"], "subscribe": True})
        offers = [o for o in joined.get("offers", []) if o["feed"] == job["feed"]]
        offer = offers[0] if offers else await client.request({"type": "subscribe", "feed": job["feed"]})
        marks["offer"] = time.monotonic()
        answer = await bot.answer(Jsep("offer", offer["sdp"]))
        await client.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        return t0, await bot.wait_first_frame(10.0), False
    finally:
        await bot.aclose()


async def _warm_round(client: Any, job: dict[str, Any], marks: dict[str, float]) -> tuple[float, float, bool]:
    """The consult's shopper: join and publish while it rings, warm the subscriber connection on her own feed
    and wait until the server says it is held (``warmed``) or ``ring_s`` passed (a person takes seconds to
    answer); then (the clock starts) ``switch`` it to the seller's feed -> first decoded frame of the seller's
    video (a stamped frame: her own counter video, relayed while it was primed, does not count).
    Returns (start, frame, whether the connection was primed)."""
    from souk.bench.bots import PublisherBot, SubscriberBot
    from souk.core.errors import SoukError
    from souk.media.types import Jsep

    own = PublisherBot()
    bot = SubscriberBot(timestamps=True)
    try:
        await client.request({"type": "join", "room": job["room"]})
        reply = await client.request({"type": "publish", "sdp": (await own.offer()).sdp})
        await own.accept(Jsep("answer", reply["sdp"]))
        offer = await client.request({"type": "warm"})
        answer = await bot.answer(Jsep("offer", offer["sdp"]))
        await client.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        try:  # the seller answers once the connection is held, or after ring_s
            warmed = await client.next_event("warmed", timeout=job["ring_s"], sub=offer["sub"])
        except SoukError:
            warmed = {}
        first = asyncio.ensure_future(bot.wait_stamped_frame(10.0))
        t0 = time.monotonic()
        await client.request({"type": "switch", "sub": offer["sub"], "feed": job["feed"]})
        marks["switched"] = time.monotonic()
        return t0, await first, bool(warmed.get("primed"))
    finally:
        await bot.aclose()
        await own.aclose()


def _watch_states(pc: Any, marks: dict[str, float]) -> None:
    """Record when ICE and then DTLS (the whole PeerConnection) first report connected."""
    @pc.on("iceconnectionstatechange")
    def _ice() -> None:
        if pc.iceConnectionState == "completed" or pc.iceConnectionState == "connected":
            marks.setdefault("ice_connected", time.monotonic())

    @pc.on("connectionstatechange")
    def _conn() -> None:
        if pc.connectionState == "connected":
            marks.setdefault("dtls_connected", time.monotonic())


def _worker_main() -> int:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(_worker(job))), flush=True)
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    sys.exit(_worker_main())
