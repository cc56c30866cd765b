"""``souk merchant create|list|key issue|key list|key revoke`` and ``souk store import|export`` (operators).

Every command prints one line of JSON with ``--json`` (for scripts), readable text otherwise. A new API key
(``merchant create``, ``merchant key issue``) is printed this once: only its hash is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from souk.core.errors import BadRequest, Unprocessable
from souk.core.progress import progress
from souk.core.settings import Settings
from souk.domain.storefile import StoreInvalid, parse_json
from souk.storage.onboarding import MerchantSpec, Onboarding, key_view, merchant_view

T = TypeVar("T")


def register(sub: Any, bench: Any) -> None:
    merchant = sub.add_parser("merchant", help="merchants and their API keys (operators)").add_subparsers(
        dest="merchant", required=True, metavar="ACTION")
    create = merchant.add_parser("create", help="create a merchant; prints its first API key, once")
    create.add_argument("id", help="merchant id: [a-z0-9_-]+, at most 64 characters")
    create.add_argument("--name", default=None, help="display name (default: the id; a store import sets it)")
    create.add_argument("--currency", default="", type=str.upper,
                        help="ISO 4217 code (USD, EUR, MXN...): every price, order and sale is in it; fixed once "
                             "set (default: the currency of the first store file imported)")
    create.add_argument("--region", default=None,
                        help="where the merchant operates, e.g. eu, us-east, mx (default: this node's region)")
    create.add_argument("--language", action="append", dest="languages", metavar="LANG",
                        help="ISO 639-1 language the store serves (repeat; the first is the primary; default en)")
    create.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. America/Mexico_City (default UTC)")
    create.add_argument("--ships-from", default="", help='"City, CC"')
    create.add_argument("--country", default="", help="the seller's country (ISO 3166-1 alpha-2)")
    create.add_argument("--data-region", default=None, metavar="REGION",
                        help="where its data is stored: one of [regions.*] (default: [residency] region); the "
                             "merchant is created in that region's backend and listed in every region's")
    create.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    create.set_defaults(func=run_create)
    listing = merchant.add_parser("list", help="list merchants")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    key = merchant.add_parser("key", help="a merchant's API keys").add_subparsers(
        dest="key", required=True, metavar="ACTION")
    issue = key.add_parser("issue", help="issue another API key; printed once")
    issue.add_argument("merchant_id")
    issue.add_argument("--label", default="", help="what the key is for (shown in key list)")
    issue.add_argument("--json", action="store_true")
    issue.set_defaults(func=run_key_issue)
    keys = key.add_parser("list", help="list the merchant's keys (ids, labels, revoked or not; never secrets)")
    keys.add_argument("merchant_id")
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(func=run_key_list)
    revoke = key.add_parser("revoke", help="revoke a key: it stops authenticating at once, on every node")
    revoke.add_argument("merchant_id")
    revoke.add_argument("key_id")
    revoke.add_argument("--json", action="store_true")
    revoke.set_defaults(func=run_key_revoke)

    store = sub.add_parser("store", help="a merchant's store file (shared/fixtures/STORE_FORMAT.md)"
                           ).add_subparsers(dest="store", required=True, metavar="ACTION")
    imp = store.add_parser("import", help="check a store file and load it (all or nothing); lists every problem")
    imp.add_argument("file", help="the store file (JSON); - reads stdin")
    imp.add_argument("--merchant", required=True, help="the merchant to load it into (must match store.id)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=run_import)
    exp = store.add_parser("export", help="write the merchant's store as a store file")
    exp.add_argument("file", nargs="?", default="-", help="where to write it (default: stdout)")
    exp.add_argument("--merchant", required=True)
    exp.set_defaults(func=run_export)


def _with_service(settings: Settings, work: Callable[[Onboarding], Awaitable[T]]) -> T:
    from souk.storage import open_storage

    async def main() -> T:
        storage = await open_storage(settings)
        try:
            return await work(Onboarding(storage))
        finally:
            await storage.aclose()

    return asyncio.run(main())


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data) if args.json else text)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    spec = MerchantSpec(id=args.id, name=args.name or args.id, currency=args.currency,
                        region=args.region or settings.janus.region,
                        languages=tuple(args.languages or ("en",)), timezone=args.timezone,
                        ships_from=args.ships_from, country=args.country)
    try:
        data_region = args.data_region or settings.residency.region
        if settings.regions or data_region:
            from souk.privacy.residency import check_region
            from souk.privacy.residency_ops import create_in_region

            if not data_region:
                raise BadRequest(f"--data-region is required: regions {', '.join(sorted(settings.regions))} are "
                                 "configured", code="data_region_required")
            check_region(settings, data_region)
            merchant, key = asyncio.run(create_in_region(settings, spec, data_region))
        else:
            merchant, key = _with_service(settings, lambda ob: ob.create_merchant(spec))
    except Unprocessable as exc:
        if not exc.details.get("problems"):
            raise
        if args.json:
            print(json.dumps({"error": exc.to_dict()}))
        else:
            print(f"souk: {exc.code}: merchant {args.id!r} not created:", file=sys.stderr)
            for p in exc.details["problems"]:
                print(f"  {p['path']}: {p['message']}", file=sys.stderr)
        return 2
    _print(args, {"merchant": merchant_view(merchant), "api_key": key.key, "key_id": key.record.key_id},
           f"merchant {merchant.id} created ({merchant.currency or 'currency from its first store file'}, "
           f"region {merchant.region})\n"
           f"API key {key.record.key_id} (shown this once; only its hash is kept):\n{key.key}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    merchants = _with_service(settings, lambda ob: ob.merchants())
    rows = [merchant_view(m) for m in merchants]
    _print(args, {"merchants": rows},
           "\n".join(f"{m['id']}\t{m['currency']}\t{m['region']}\t{m['name']}" for m in rows) or "no merchants")
    return 0


def run_key_issue(args: argparse.Namespace, settings: Settings) -> int:
    issued = _with_service(settings, lambda ob: ob.issue_key(args.merchant_id, args.label))
    _print(args, key_view(issued.record, issued.key),
           f"API key {issued.record.key_id} for {args.merchant_id} (shown this once):\n{issued.key}")
    return 0


def run_key_list(args: argparse.Namespace, settings: Settings) -> int:
    keys = _with_service(settings, lambda ob: ob.keys(args.merchant_id))
    rows = [key_view(k) for k in keys]
    _print(args, {"merchant_id": args.merchant_id, "keys": rows},
           "\n".join(f"{k['key_id']}\t{'active' if k['active'] else 'revoked ' + str(k['revoked_at'])}\t"
                     f"{k['created_at']}\t{k['label']}" for k in rows) or "no keys")
    return 0


def run_key_revoke(args: argparse.Namespace, settings: Settings) -> int:
    record = _with_service(settings, lambda ob: ob.revoke_key(args.merchant_id, args.key_id))
    _print(args, key_view(record), f"API key {record.key_id} of {record.merchant_id} revoked at {record.revoked_at}")
    return 0


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"souk: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bar = progress(f"import {args.file}", total=2, quiet=args.json)  # stderr, on a terminal only
    try:
        bar.advance(label="checking")
        data = parse_json(text)
        counts = _with_service(settings, lambda ob: ob.import_store(args.merchant, data))
        bar.advance(label="written")
    except StoreInvalid as exc:
        bar.close()  # its line ends before the problems are listed
        if args.json:
            print(json.dumps({"error": exc.to_dict() | {"details": {"count": len(exc.problems),
                                                                    "problems": [p.to_dict() for p in exc.problems]}}}))
        else:
            print(f"souk: {args.file}: {len(exc.problems)} problem(s), nothing imported:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    summary = ", ".join(f"{table} +{c['added']} ~{c['replaced']}" for table, c in counts.items())
    _print(args, {"merchant": args.merchant, "imported": counts},
           f"store of {args.merchant} imported (+added ~replaced): {summary}")
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    document = _with_service(settings, lambda ob: ob.export_store(args.merchant))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.file == "-":
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"store of {args.merchant} written to {args.file}", file=sys.stderr)
    return 0
