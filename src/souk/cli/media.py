"""`souk media ...` commands (the media plane's benchmark, `souk bench raw-connect`, is in souk.bench.raw)."""

from __future__ import annotations

import argparse
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

