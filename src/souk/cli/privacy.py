"""``souk audit verify`` (the audit log's hash chains) and ``souk privacy purge`` (retention, docs/privacy.md).

``audit verify`` checks every merchant's chain (or ``--merchant M``'s), prints each head (seq and hash: keep
them somewhere else to prove later that the history was not rewritten) and what it found; it exits 1 when a
chain fails. ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from souk.cli.purge import register_purge, with_storage
from souk.core.settings import Settings
from souk.domain.audit import Verdict
from souk.privacy.audit import AuditLog
from souk.storage import Storage


def register(sub: Any, bench: Any) -> None:
    audit = sub.add_parser("audit", help="the audit log (staff access and admin actions)").add_subparsers(
        dest="audit", required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="verify the audit log's hash chains; exit 1 if one fails")
    verify.add_argument("--merchant", default=None, help="only this merchant's chain (default: every merchant)")
    verify.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    verify.set_defaults(func=run_verify)
    register_purge(sub)


def verdict_view(v: Verdict) -> dict[str, Any]:
    return {"merchant_id": v.merchant_id, "ok": v.ok, "checked": v.checked, "head_seq": v.head_seq,
            "head_hash": v.head_hash,
            "findings": [{"seq": f.seq, "problem": f.problem.value, "message": f.message} for f in v.findings]}


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    async def work(storage: Storage) -> list[Verdict]:
        log = AuditLog(storage.audit)
        merchants = [args.merchant] if args.merchant else list(await log.merchants())
        if args.merchant:
            await storage.merchants.get(args.merchant)  # an unknown merchant is an error, not an empty chain
        return [await log.verify(m) for m in merchants]

    verdicts = with_storage(settings, work)
    ok = all(v.ok for v in verdicts)
    if args.json:
        print(json.dumps({"ok": ok, "chains": [verdict_view(v) for v in verdicts]}))
    else:
        for v in verdicts:
            state = "ok" if v.ok else "FAILED"
            print(f"{v.merchant_id}\t{state}\t{v.checked} entries\thead {v.head_seq} {v.head_hash}")
            for f in v.findings:
                print(f"  row {f.seq}: {f.problem.value}: {f.message}")
        if not verdicts:
            print("no audit chains yet")
    return 0 if ok else 1
