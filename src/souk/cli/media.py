"""`souk media ...` commands and the media plane's benchmarks (`souk bench raw-connect`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from souk.core.settings import Settings


def register(sub: Any, bench: Any) -> None:
    media = sub.add_parser("media", help="media plane (Janus) tools").add_subparsers(
        dest="media_cmd", required=True, metavar="ACTION")
    check = media.add_parser("check", help="check Janus is installed and its ports are free")
    check.set_defaults(func=_check)
    cfg = media.add_parser("config", help="print the Janus config folder Souk would write")
    cfg.set_defaults(func=_config)
    netns = media.add_parser("netns-check", help="can this machine run the WebRTC self-tests?")
    netns.set_defaults(func=_netns_check)

    raw = bench.add_parser("raw-connect", help="subscriber join -> first video frame straight on the media "
                                               "plane (no Souk signaling); runs inside a network namespace")
    raw.add_argument("--runs", type=int, default=20)
    raw.add_argument("--no-decode", action="store_true", help="count encoded frames instead of decoding")
    raw.add_argument("--netem", default=None, help='shape loopback, e.g. "delay 75ms loss 2%%"')
    raw.set_defaults(func=_bench_raw)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.doctor import media_checks

    checks = media_checks(settings)
    for c in checks:
        print(f"{'ok ' if c.ok else 'FAIL'} {c.name}: {c.detail}" + (f" ({c.hint})" if c.hint else ""))
    return 0 if all(c.ok for c in checks) else 1


def _config(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.config import JanusLaunch, render_config

    js = settings.janus
    launch = JanusLaunch.from_settings(
        js, confdir=settings.data_path / "janus" / "conf", recordings_dir=settings.data_path / "recordings",
        ws_port=js.ws_port, admin_ws_port=js.admin_ws_port, api_secret="<generated>",
        admin_secret="<generated>", admin_key="<generated>")
    for name, text in render_config(launch).items():
        print(f"==> {name} <==\n{text}")
    return 0


def _netns_check(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.doctor import check_netns

    c = check_netns()
    print(c.detail)
    return 0 if c.ok else 1


def _bench_raw(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    reexec_in_netns(netem=args.netem)  # returns only once inside the namespace
    # the namespace sets SOUK_JANUS__ICE_ENFORCE_LIST; settings were loaded before the re-exec in the parent
    # but are re-loaded here in the child, so they already carry it.
    return asyncio.run(_raw(args, settings))


async def _raw(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.bench import measure_raw_connect
    from souk.media.plane import MediaPlane

    with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
        plane = await MediaPlane.start(settings, workdir=Path(tmp) / "janus")
        try:
            result = await measure_raw_connect(plane, runs=args.runs, decode=not args.no_decode)
        finally:
            await plane.aclose()
    out = result.summary()
    if result.errors:
        out["raw_errors"] = list(result.errors)
    print(json.dumps(out))
    return 0 if result.failures == 0 else 1
