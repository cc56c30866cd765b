"""`souk bench links`: a 1v1 Chromium consult through Janus on emulated links (docs/links.md), per cell of a
matrix of round trip x loss, plus outages. Prints one JSON object.

Each browser runs in its own shopper-side namespace behind its own link (souk.bench.linkem): the matrix
impairs the shopper's link and keeps the seller's clean (a seller in an office, a shopper on a weak mobile
network); the consult rounds behind ``consult_p95_ms_at_150ms_2pct`` impair both, as the issue asks. Loss is
random (``--burst`` for Gilbert-Elliott bursts). Per cell: connect time, video freeze ratio, audio
concealment ratio, audio loss before/after repair, MOS, whether the call was still up (souk.bench.links_figures).
A cell whose call cannot connect on its link reports ``connect_ms`` null with ``connect_error`` and takes its
media figures from a second call connected on a clean link and then impaired (``connected_on_clean_link``).
Outage rows: a call on a clean link at that round trip, the shopper's link dark for ``--outage-s``, and the
time from its end until both sides decode new video and hear new audio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from souk.core.settings import Settings

CHROMIUM = "/usr/bin/chromium"


def register(bench: Any) -> None:
    p = bench.add_parser("links", help="1v1 Chromium consults through Janus on emulated links: RTT x loss matrix "
                                       "and outages (JSON)")
    p.add_argument("--rtts", default="50,150,300", help="round trips of the shopper's link, ms")
    p.add_argument("--losses", default="0,5,15,30", help="loss rates of the shopper's link, percent")
    p.add_argument("--burst", type=float, default=None, help="mean loss burst in packets (default: random loss)")
    p.add_argument("--seconds", type=float, default=10.0, help="media measured per cell, seconds")
    p.add_argument("--outage-s", type=float, default=5.0)
    p.add_argument("--outage-rtts", default="50,150,300", help="round trips with an outage row ('' for none)")
    p.add_argument("--consult-rounds", type=int, default=10, help="connects with both sides on 150 ms / 2 %%")
    p.add_argument("--consult-ring-ms", type=float, default=2000.0,
                   help="consult rounds: how long the seller lets it ring before accepting (0: at once)")
    p.add_argument("--consult-only", action="store_true",
                   help="run only the consult rounds (no matrix cells, no outage rows)")
    p.add_argument("--without", default="", help="take SDK answers away in both browsers to weigh them: "
                                                 "playout, layers, red (souk.bench.links_ablate)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.set_defaults(func=_bench)


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"souk: {what} must be comma-separated numbers, got {text!r}") from None


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    for need, why in ((Path(CHROMIUM).exists(), "chromium is not installed (apt-get install chromium)"),
                      (shutil.which("janus") is not None, "janus is not installed (make setup)")):
        if not need:
            print(f"souk: {why}", file=sys.stderr)
            return 2
    if args.consult_only:
        args.rtts = args.losses = args.outage_rtts = ""
    for text, what in ((args.rtts, "--rtts"), (args.losses, "--losses"), (args.outage_rtts, "--outage-rtts")):
        _floats(text, what)  # bad lists fail here, before the namespace and the browsers
    from souk.bench.links_ablate import parse_without

    args.without = parse_without(args.without)
    reexec_in_netns()
    out = asyncio.run(_run(args, settings))
    print(json.dumps(out) if args.json else json.dumps(out, indent=1))
    return 0 if not out.get("errors") else 1


async def _run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from souk.bench.consult import CHROMIUM_ARGS
    from souk.bench.linkem.link import open_link
    from souk.data import demo_product_sku

    tmp = tempfile.TemporaryDirectory(prefix="souk-bench-links-")
    try:
        async with open_link(index=0) as shop_link, open_link(index=1) as seller_link:
            server, port = await _serve(settings, Path(tmp.name), [shop_link.info.core_dev, seller_link.info.core_dev])
            try:
                for link in (shop_link, seller_link):
                    await link.expose_tcp(port)
                async with async_playwright() as pw:
                    seller = await pw.chromium.launch(executable_path=str(seller_link.chromium_wrapper(Path(tmp.name))),
                                                      args=CHROMIUM_ARGS + seller_link.chromium_args(port))
                    shopper = await pw.chromium.launch(executable_path=str(shop_link.chromium_wrapper(Path(tmp.name))),
                                                       args=CHROMIUM_ARGS + shop_link.chromium_args(port))
                    from souk.bench.links_ablate import init_script
                    from souk.bench.links_call import Browsers

                    b = Browsers(seller, shopper, f"http://{seller_link.core_addr}:{port}",
                                 f"http://{shop_link.core_addr}:{port}", demo_product_sku(),
                                 init_script(args.without))
                    try:
                        return await _matrix(args, b, (shop_link, seller_link))
                    finally:
                        await shopper.close()
                        await seller.close()
            finally:
                if server.returncode is None:
                    server.terminate()
                    await server.wait()
    finally:
        tmp.cleanup()


async def _serve(settings: Settings, data: Path, devices: list[str]) -> tuple[asyncio.subprocess.Process, int]:
    """`souk serve` (embedded Janus gathering on the links' core devices) on a fresh demo data dir."""
    import httpx

    from souk.bench.connect import free_port, wait_up
    from souk.cli.server import seed_and_key

    settings = settings.model_copy(update={"data_dir": str(data), "database_url": "", "demo": True})
    await seed_and_key(settings)
    port = free_port()
    env = {**os.environ, "SOUK_DATA_DIR": str(data), "SOUK_DEMO": "true", "SOUK_LOG_LEVEL": "WARNING",
           "SOUK_JANUS__ICE_ENFORCE_LIST": ",".join(["vA", *devices])}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "souk.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), env=env)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as http:
        await wait_up(http, server)
    return server, port


async def _matrix(args: argparse.Namespace, b: Any, links: tuple[Any, Any]) -> dict[str, Any]:
    from souk.bench.linkem.profile import LinkProfile
    from souk.bench.links_call import TIMEOUT_MS, call
    from souk.bench.links_consult import consult_rounds
    from souk.bench.links_figures import summary

    clean = LinkProfile()
    errors: list[str] = []
    cells: list[dict[str, Any]] = []
    outages: list[dict[str, Any]] = []

    async def attempt(row: dict[str, Any], profiles: tuple[Any, Any], **kw: Any) -> dict[str, Any]:
        """A call connected on the impaired link; if that fails (and the row measures media), the failure
        is kept and a second call, connected on a clean link and then impaired, gives the media figures."""
        try:
            row.update((await call(b, links, profiles, **kw)).figures())
            return row
        except Exception as exc:  # one failed call is reported, the matrix goes on  # noqa: BLE001
            errors.append(f"{row}: {type(exc).__name__}: {str(exc)[:200]}")
            row.update({"connect_ms": None, "connect_error": type(exc).__name__, "call_up": False})
        if not kw.get("window_s"):
            return row
        try:
            figures = (await call(b, links, profiles, impair_first=False, **kw)).figures()
            row.update({k: v for k, v in figures.items() if k != "connect_ms"}, connected_on_clean_link=True)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{row} (connected on a clean link): {type(exc).__name__}: {str(exc)[:200]}")
        return row

    for rtt in _floats(args.rtts, "--rtts"):
        for loss in _floats(args.losses, "--losses"):
            profile = LinkProfile.symmetric(rtt_ms=rtt, loss=loss / 100, burst=args.burst if loss else None)
            cells.append(await attempt({"rtt_ms": rtt, "loss": loss / 100}, (profile, clean), window_s=args.seconds))
    for rtt in _floats(args.outage_rtts, "--outage-rtts"):
        profile = LinkProfile.symmetric(rtt_ms=rtt)
        outages.append(await attempt({"rtt_ms": rtt, "outage_s": args.outage_s}, (profile, clean),
                                     window_s=2.0, outage_s=args.outage_s))
    rounds, consult = await consult_rounds(args.consult_rounds, args.consult_ring_ms, attempt, TIMEOUT_MS)
    rows = cells + outages + rounds
    out: dict[str, Any] = {
        **summary(cells, outages, TIMEOUT_MS),
        **consult,
        "cells": cells, "outages": outages, "consult_rounds": rounds,
        "ok": sum(r.get("connect_ms") is not None for r in rows), "failed": sum(r.get("connect_ms") is None for r in rows),
        "measured": ("Chromium (shopper) <-> Janus <-> Chromium (seller), each browser in its own namespace "
                     "behind a userspace emulated link; the matrix impairs the shopper's link only, the consult "
                     f"rounds both (the seller accepts {args.consult_ring_ms:.0f} ms after the ring shows); "
                     "random loss" + (f", mean burst {args.burst}" if args.burst else "")),
        "seconds_per_cell": args.seconds, "cpu_cores": os.cpu_count(), "without": list(args.without),
        "percentiles": f"nearest rank; a failed connect counts as {TIMEOUT_MS} ms",
    }
    if errors:
        out["errors"] = errors[:10]
    return out
