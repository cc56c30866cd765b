"""``souk bench abuse``: what hostile clients cost a Souk node, measured against a real one.

A Souk (uvicorn, the demo store seeded in a fresh SQLite database, RTM on the API port and on a dedicated
listener) is served inside this process, so the server's memory is this process's. Measured:

- ``api_key_401``: the time of a 401 on ``POST /v1/tokens`` for an API key whose key id does not exist and
  for a real key id with a wrong secret, ``--keys`` of each, interleaved (which kind goes first alternates);
  p50 and p95 of each. Equal times mean a response time does not tell which key ids exist.
- ``never_reads``: per socket kind, ``--rounds`` raw clients (souk.bench.rawws) that upgrade, send pings as
  fast as the server takes them and never read a byte: seconds until the server cuts the client off, frames
  sent by then, and the server's memory growth at its peak (sampled every 0.1 s, and the reading after) and
  0.5 s after the cut-off. Kinds:
  ``signal`` (``/v1/signal``), ``rtm_api`` (``/v1/rtm/ws`` on the API port) and ``rtm_listener`` (the
  dedicated RTM listener, ``/rtm/ws``). On the API port uvicorn cannot reset a connection: the cut-off is
  when the server ends the client's session (its writer task goes); the dedicated listener resets the TCP
  connection, which the client sees.

A 401 that does not come (another status, an error, or past KEY_TIMEOUT_S) and a client not cut off within
CUT_TIMEOUT_S are failed rounds: they count at their timeout in the percentiles and in ``failed``. Percentiles
are nearest rank (souk.core.stats.percentile). Prints one JSON object; without ``--json`` a few readable
lines come first. Exits 1 when any round failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from souk.bench.rawws import connect, flood, rss_mb
from souk.bench.serving import seeded_souk
from souk.core.settings import Settings
from souk.core.stats import percentile

KEY_TIMEOUT_S = 10.0  # one 401
CUT_TIMEOUT_S = 60.0  # a client that never reads must be cut off within this
SETTLE_S = 0.5  # after a cut-off, before the memory is read again
MANY = {"count": 100_000, "per_s": 1}  # the mint limits, out of the way of the 401s
# A long id makes each answer big, so the server's buffers toward the client fill after fewer of them.
KINDS: dict[str, tuple[str, bytes, str, str]] = {  # kind -> (path, ping frame, room, role)
    "signal": ("/v1/signal", b'{"type":"ping","id":"' + b"p" * 60 + b'"}', "lobby", "member"),
    "rtm_api": ("/v1/rtm/ws", b'{"t":"ping","id":"' + b"p" * 60 + b'"}', "live1", "audience"),
    "rtm_listener": ("/rtm/ws", b'{"t":"ping","id":"' + b"p" * 4000 + b'"}', "live1", "audience"),
}
FEATURES = ("souk.api.routes.health", "souk.api.routes.auth", "souk.api.routes.signaling",
            "souk.api.routes.rtm")


def register(bench: Any) -> None:
    b = bench.add_parser("abuse", help="hostile clients against a Souk served in this process: 401 time for "
                                       "an unknown API key id vs a wrong secret, and clients that never read "
                                       "(time to cut-off, server memory) on each socket kind (JSON)")
    b.add_argument("--keys", type=int, default=30, help="401s of each kind (interleaved)")
    b.add_argument("--rounds", type=int, default=3, help="never-reading clients per socket kind")
    b.add_argument("--kinds", default=",".join(KINDS), help=f"socket kinds, comma-separated ({', '.join(KINDS)})")
    b.add_argument("--json", action="store_true", help="print only the JSON object")
    b.set_defaults(func=command)


def command(args: argparse.Namespace, settings: Settings) -> int:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or args.keys < 1 or args.rounds < 0:
        print(f"souk bench abuse: unknown kinds {unknown}" if unknown else "--keys >= 1 and --rounds >= 0")
        return 2
    result = asyncio.run(run(keys=args.keys, rounds=args.rounds, kinds=kinds))
    if not args.json:
        for line in summary(result):
            print(line)
    print(json.dumps(result))
    return 0 if result["failed"] == 0 else 1


# ---------------------------------------------------------------- the server


@dataclass
class Served:
    base_url: str
    port: int
    rtm_port: int
    api_key: str
    api_key_id: str
    merchant_id: str
    mint: Callable[..., str]


@asynccontextmanager
async def serve(data_dir: Path) -> AsyncIterator[Served]:
    """A Souk with the demo store on free loopback ports, in this event loop."""
    async with seeded_souk(data_dir, FEATURES, "bench-abuse-uvicorn", ws_max_size_factor=4,
                           limits={"mint_merchant": MANY, "mint_address": MANY}) as souk:
        seed = souk.seed
        yield Served(souk.url, souk.port, souk.rtm_port, seed.api_key, seed.api_key_id, seed.merchant_id, souk.mint)


# ---------------------------------------------------------------- the measurements


async def api_key_401s(s: Served, n: int) -> dict[str, Any]:
    import httpx

    keys = {"unknown_id": "sk_000000000000_" + "x" * 43, "wrong_secret": f"sk_{s.api_key_id}_" + "y" * 43}
    body = {"identity": "v", "room": "lobby", "role": "member"}
    times: dict[str, list[float]] = {k: [] for k in keys}
    failed: dict[str, int] = {k: 0 for k in keys}
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=s.base_url) as http:
        for i in range(n):
            for name in list(keys) if i % 2 == 0 else list(reversed(keys)):
                started = time.perf_counter()
                try:
                    r = await asyncio.wait_for(http.post(
                        "/v1/tokens", headers={"Authorization": f"Bearer {keys[name]}"}, json=body), KEY_TIMEOUT_S)
                    ok = r.status_code == 401
                    if not ok:
                        errors.append(f"{name}: HTTP {r.status_code}")
                except (TimeoutError, httpx.HTTPError) as exc:
                    ok = False
                    errors.append(f"{name}: {type(exc).__name__}: {exc}"[:200])
                times[name].append((time.perf_counter() - started) * 1000 if ok else KEY_TIMEOUT_S * 1000)
                failed[name] += not ok
    out: dict[str, Any] = {"requests_each": n}
    for name in keys:
        out[f"{name}_ms_p50"] = percentile(times[name], 0.5)
        out[f"{name}_ms_p95"] = percentile(times[name], 0.95)
    out["failed"] = sum(failed.values())
    out["errors"] = errors[:5]
    return out


@dataclass
class Round:
    cut_s: float = CUT_TIMEOUT_S
    sent: int = 0
    peak_mb: float = 0.0
    after_mb: float = 0.0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class KindResult:
    rounds: list[Round] = field(default_factory=list)

    def report(self, ping_bytes: int) -> dict[str, Any]:
        rs = self.rounds
        return {
            "rounds": len(rs), "ping_bytes": ping_bytes,
            "cut_off_s_p50": percentile([r.cut_s for r in rs], 0.5, ndigits=2),
            "cut_off_s_max": round(max((r.cut_s for r in rs), default=0.0), 2),
            "frames_sent_p50": percentile([float(r.sent) for r in rs], 0.5, ndigits=0),
            "rss_peak_mb_max": round(max((r.peak_mb for r in rs), default=0.0), 1),
            "rss_after_mb_max": round(max((r.after_mb for r in rs), default=0.0), 1),
            "failed": sum(not r.ok for r in rs), "errors": [r.error for r in rs if r.error][:5],
        }


def _writer_tasks(identity: str) -> list[asyncio.Task[Any]]:
    """The served connection's writer task (every API-port socket names it ``...writer:<identity>``)."""
    return [t for t in asyncio.all_tasks() if t.get_name().endswith(f"writer:{identity}")]


async def never_reads_api_port(s: Served, kind: str, identity: str) -> Round:
    path, ping, room, role = KINDS[kind]
    out = Round()
    before = rss_mb()
    try:
        sock = await asyncio.to_thread(connect, "127.0.0.1", s.port, f"{path}?token={s.mint(identity, room, role)}")
    except (OSError, ConnectionError) as exc:
        out.error = f"connect: {exc}"[:200]
        return out
    for _ in range(100):
        if _writer_tasks(identity):
            break
        await asyncio.sleep(0.05)
    else:
        sock.close()
        out.error = "the client was never served (no writer task)"
        return out
    stop = threading.Event()
    flooding = asyncio.ensure_future(asyncio.to_thread(flood, sock, ping, seconds=CUT_TIMEOUT_S + 5, stop=stop))
    started = time.monotonic()
    try:
        while _writer_tasks(identity) and time.monotonic() - started < CUT_TIMEOUT_S:
            out.peak_mb = max(out.peak_mb, rss_mb() - before)
            await asyncio.sleep(0.1)
        cut = time.monotonic() - started
    finally:
        stop.set()
        out.sent = (await flooding).sent
    if _writer_tasks(identity):
        out.error = f"not cut off within {CUT_TIMEOUT_S:.0f} s ({out.sent} frames sent)"
    else:
        out.cut_s = cut
    await asyncio.sleep(SETTLE_S)
    out.after_mb = rss_mb() - before
    out.peak_mb = max(out.peak_mb, out.after_mb)
    return out


async def never_reads_listener(s: Served, kind: str, identity: str) -> Round:
    path, ping, room, role = KINDS[kind]
    out = Round()
    before = rss_mb()
    try:
        sock = await asyncio.to_thread(connect, "127.0.0.1", s.rtm_port,
                                       f"{path}?token={s.mint(identity, room, role)}")
    except (OSError, ConnectionError) as exc:
        out.error = f"connect: {exc}"[:200]
        return out
    flooding = asyncio.ensure_future(asyncio.to_thread(flood, sock, ping, seconds=CUT_TIMEOUT_S))
    while not flooding.done():
        out.peak_mb = max(out.peak_mb, rss_mb() - before)
        await asyncio.sleep(0.1)
    result = await flooding
    out.sent = result.sent
    if result.cut_after_s is None:
        out.error = f"not reset within {CUT_TIMEOUT_S:.0f} s ({out.sent} frames sent)"
    else:
        out.cut_s = result.cut_after_s
    await asyncio.sleep(SETTLE_S)
    out.after_mb = rss_mb() - before
    out.peak_mb = max(out.peak_mb, out.after_mb)
    return out


async def run(*, keys: int, rounds: int, kinds: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="souk-bench-abuse-") as tmp:
        async with serve(Path(tmp) / "souk") as s:
            result: dict[str, Any] = {"bench": "abuse", "api_key_401": await api_key_401s(s, keys)}
            never: dict[str, Any] = {}
            for kind in kinds:
                measured = KindResult()
                for i in range(rounds):
                    identity = f"slow-{kind}-{i}"
                    measure = never_reads_listener if kind == "rtm_listener" else never_reads_api_port
                    measured.rounds.append(await measure(s, kind, identity))
                never[kind] = measured.report(len(KINDS[kind][1]))
            result["never_reads"] = never
    result["failed"] = result["api_key_401"]["failed"] + sum(k["failed"] for k in never.values())
    return result


def summary(result: dict[str, Any]) -> list[str]:
    k = result["api_key_401"]
    lines = [(f"API key 401, p50 of {k['requests_each']} interleaved: unknown key id {k['unknown_id_ms_p50']} "
              f"ms, wrong secret {k['wrong_secret_ms_p50']} ms ({k['failed']} failed)")]
    for kind, r in result["never_reads"].items():
        lines.append(f"{kind}: a client that never reads cut off after {r['cut_off_s_p50']} s (p50, max "
                     f"{r['cut_off_s_max']} s, {r['frames_sent_p50']:.0f} pings sent), server memory +"
                     f"{r['rss_peak_mb_max']} MB at the peak, +{r['rss_after_mb_max']} MB after "
                     f"({r['rounds']} rounds, {r['failed']} failed)" if r["rounds"] else f"{kind}: no rounds")
    return lines
