"""``souk privacy redaction show|set|clear --merchant M [target on|off]``: a merchant's own PII redaction
choice per target (today ``transcripts``: desk voice transcripts and live captions redacted before they are
stored; docs/privacy.md "PII redaction"), where it differs from ``[privacy] redact_transcripts``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from souk.cli.purge import with_storage
from souk.core.settings import Settings
from souk.storage import Storage
from souk.storage.repos.redaction import RedactionError, RedactionTarget

TARGETS = [t.value for t in RedactionTarget]


def register_redaction(privacy: Any) -> None:
    red = privacy.add_parser("redaction", help="a merchant's PII redaction of stored transcripts").add_subparsers(
        dest="redaction", required=True, metavar="ACTION")
    show = red.add_parser("show", help="the merchant's redaction per target (its own or the default)")
    show.add_argument("--merchant", required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    put = red.add_parser("set", help="turn the merchant's redaction of one target on or off")
    put.add_argument("--merchant", required=True)
    put.add_argument("target", choices=TARGETS)
    put.add_argument("state", choices=["on", "off"])
    put.set_defaults(func=run_set)
    clear = red.add_parser("clear", help="back to the default for one target")
    clear.add_argument("--merchant", required=True)
    clear.add_argument("target", choices=TARGETS)
    clear.set_defaults(func=run_clear)


def run_show(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> tuple[dict[str, bool], dict[str, bool]]:
        await storage.merchants.get(args.merchant)
        own = await storage.redaction.own(args.merchant)
        return own, storage.redaction.resolve(own)

    own, effective = with_storage(settings, work)
    view = {t: {"on": on, "own": t in own} for t, on in effective.items()}
    if args.json:
        print(json.dumps({"merchant_id": args.merchant, "redaction": view}))
    else:
        for t, v in view.items():
            print(f"{t}\t{'on' if v['on'] else 'off'}\t{'merchant' if v['own'] else 'default'}")
    return 0


def run_set(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> None:
        await storage.merchants.get(args.merchant)
        await storage.redaction.set(args.merchant, args.target, args.state == "on")

    try:
        with_storage(settings, work)
    except RedactionError as exc:
        print(f"souk: {exc}", file=sys.stderr)
        return 2
    print(f"{args.merchant}: redaction of {args.target} {args.state}")
    return 0


def run_clear(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> bool:
        await storage.merchants.get(args.merchant)
        return await storage.redaction.clear(args.merchant, args.target)

    had = with_storage(settings, work)
    print(f"{args.merchant}: redaction of {args.target} back to the default" if had
          else f"{args.merchant}: redaction of {args.target} was default")
    return 0
