"""``souk privacy export|erase|scan --merchant M --customer C`` (docs/privacy.md "Export" and "Erasure").

``export --out DIR`` writes the customer's archive folder (manifest.json, one JSON file per store, files/);
``erase --yes`` erases the customer in every store, compacts the SQLite files, scans and records the erasure in
the audit chain; ``scan`` only searches every store for the identifiers. Exit 0 when complete, 1 when a store
failed or the scan still finds an identifier (each printed), 2 on a usage error (erase without --yes).
``--email/--phone/--name/--identity`` add identifiers the stores cannot know (a phone the shop keeps
elsewhere, a guest identity); after an erasure, ``scan`` needs them (the customer's row is gone).

Run it on a node with the app stopped, or erase through the API: a running node's in-memory caches (the
embedded broker's recent messages, the assistant's store snapshot) are cleared only by the API's erasure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from souk.cli.purge import with_storage
from souk.core.progress import progress
from souk.core.settings import Settings
from souk.storage import Storage


def register_customer(privacy: Any) -> None:
    """Add export, erase and scan to the ``souk privacy`` sub-commands (cli/purge.py creates them)."""
    for name, help_text in (("export", "write everything stored about one customer into a folder"),
                            ("erase", "erase one customer everywhere (orders kept, anonymised), then scan"),
                            ("scan", "search every store for one customer's identifiers")):
        p = privacy.add_parser(name, help=help_text)
        p.add_argument("--merchant", required=True)
        p.add_argument("--customer", required=True, help="the customer's id (or e-mail)")
        for flag, what in (("--email", "an e-mail address"), ("--phone", "a phone number"),
                           ("--name", "a name as written"), ("--identity", "a token identity (guest, shopper)")):
            p.add_argument(flag, action="append", default=[], help=f"{what} of the customer to search for too "
                                                                   "(repeatable)")
        p.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
        if name == "export":
            p.add_argument("--out", required=True, type=Path, help="the folder to write the archive folder in")
            p.set_defaults(func=run_export)
        elif name == "erase":
            p.add_argument("--yes", action="store_true", help="really erase (it cannot be undone)")
            p.set_defaults(func=run_erase)
        else:
            p.set_defaults(func=run_scan)


async def _ids(storage: Storage, settings: Settings, args: argparse.Namespace, *, require: bool = True) -> Any:
    from souk.privacy.customer_stores import StoreDeps, customer_stores, resolve_ids

    stores = customer_stores(StoreDeps.of(storage, settings))
    ids = await resolve_ids(storage, stores, args.merchant, args.customer, emails=args.email, phones=args.phone,
                            names=args.name, identities=args.identity, require=require)
    return stores, ids


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from souk.privacy.export import ExportResult, export_customer

    async def work(storage: Storage) -> ExportResult:
        stores, ids = await _ids(storage, settings, args)
        with progress("export", quiet=args.json) as bar:
            return await export_customer(stores, ids, args.out, progress=bar)

    result = with_storage(settings, work)
    if args.json:
        print(json.dumps({"ok": result.ok, "folder": str(result.folder), "stores": result.manifest["stores"]}))
    else:
        for name, s in result.manifest["stores"].items():
            print(f"{name}\t" + (f"FAILED: {s['error']}" if "error" in s else f"{s['records']} records, "
                                 f"{s['files']} files"))
        print(f"export written to {result.folder}")
    return 0 if result.ok else 1


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes:
        print("souk: erasure cannot be undone: run it again with --yes (export first: souk privacy export)",
              file=sys.stderr)
        return 2
    from souk.privacy.audit import AuditLog
    from souk.privacy.erase import EraseResult, erase_customer

    async def work(storage: Storage) -> EraseResult:
        stores, ids = await _ids(storage, settings, args)
        with progress("erase", quiet=args.json) as bar:
            return await erase_customer(stores, ids, storage=storage, data_dir=settings.data_path,
                                        recordings_dir=settings.data_path / "recordings",
                                        redis_url=settings.redis_url or None, audit=AuditLog(storage.audit),
                                        actor="operator", role="operator", progress=bar)

    result = with_storage(settings, work)
    view = result.view()
    if args.json:
        print(json.dumps(view))
    else:
        for name, s in view["stores"].items():
            print(f"{name}\t{s['deleted']} deleted, {s['anonymised']} anonymised" + (f"\t({s['kept']})" if s["kept"]
                                                                                         else ""))
        for name, err in view["failed"].items():
            print(f"{name}\tFAILED: {err}")
        for c in view["compacted"]:
            print(f"{c['file']}\t{c['detail']}")
        _print_scan(view["scan"])
        print(("erased: " if result.ok else "NOT complete: ") + f"{view['customer_ref']} (orders kept as "
              f"{view['pseudonym']})")
    return 0 if result.ok else 1


def run_scan(args: argparse.Namespace, settings: Settings) -> int:
    from souk.privacy.scan import ScanReport, scan_customer

    async def work(storage: Storage) -> ScanReport:
        stores, ids = await _ids(storage, settings, args, require=False)
        return await scan_customer(storage, ids, data_dir=settings.data_path,
                                   recordings_dir=settings.data_path / "recordings",
                                   redis_url=settings.redis_url or None, stores=stores)

    report = with_storage(settings, work)
    if args.json:
        print(json.dumps(report.view()))
    else:
        _print_scan(report.view())
    return 0 if report.ok else 1


def _print_scan(scan: dict[str, Any] | None) -> None:
    if scan is None:
        return
    print("searched: " + "; ".join(scan["searched"]))
    for h in scan["hits"]:
        print(f"  FOUND in {h['where']} {h['what']}: {h['count']} {h['detail']}")
    if scan["ok"]:
        print("no identifier of the customer found")
