"""``souk audit verify`` (the audit log's hash chains) and ``souk privacy purge`` (retention, docs/privacy.md).

``audit verify`` checks every merchant's chain (or ``--merchant M``'s), prints each head (seq and hash: keep
them somewhere else to prove later that the history was not rewritten) and what it found; it exits 1 when a
chain fails. ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from souk.cli.privacy_data import register_customer
from souk.cli.privacy_keys import register_keys
from souk.cli.purge import register_purge, with_storage
from souk.cli.redaction import register_redaction
from souk.core.errors import BadRequest
from souk.core.settings import Settings
from souk.domain.audit import Verdict
from souk.privacy.audit import AuditLog
from souk.storage import Storage


def register(sub: Any, bench: Any) -> None:
    audit = sub.add_parser("audit", help="the audit log (staff access and admin actions)").add_subparsers(
        dest="audit", required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="verify the audit log's hash chains; exit 1 if one fails")
    verify.add_argument("--merchant", default=None, help="only this merchant's chain (default: every merchant)")
    verify.add_argument("--expect", action="append", default=[], metavar="SEQ:HASH",
                        help="a head printed earlier (with --merchant): the chain must still hold that entry "
                             "with that hash, or the history was rewritten (repeatable)")
    verify.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    verify.set_defaults(func=run_verify)
    privacy = register_purge(sub)
    register_customer(privacy)  # souk privacy purge|retention, export|erase|scan
    register_keys(privacy)  # souk privacy keys|rotate-key|rewrap-keys|shred-keys|region (souk.cli.privacy_keys)
    register_redaction(privacy)  # souk privacy redaction show|set|clear (souk.cli.redaction)


def verdict_view(v: Verdict) -> dict[str, Any]:
    return {"merchant_id": v.merchant_id, "ok": v.ok, "checked": v.checked, "head_seq": v.head_seq,
            "head_hash": v.head_hash,
            "findings": [{"seq": f.seq, "problem": f.problem.value, "message": f.message} for f in v.findings]}


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    expected = [_expected(e) for e in args.expect]
    if expected and not args.merchant:
        raise BadRequest("--expect needs --merchant: a head belongs to one merchant's chain", code="bad_args")

    async def work(storage: Storage) -> tuple[list[Verdict], list[str]]:
        log = AuditLog(storage.audit)
        merchants = [args.merchant] if args.merchant else list(await log.merchants())
        if args.merchant:
            await storage.merchants.get(args.merchant)  # an unknown merchant is an error, not an empty chain
        verdicts = [await log.verify(m) for m in merchants]
        rewritten = []
        for seq, digest in expected:
            head = await storage.audit.head(args.merchant)
            if seq <= head.anchor_seq:
                continue  # purged by retention since: the anchor vouches for the rest
            found = await storage.audit.page(args.merchant, seq - 1, 1)
            if not found or found[0].seq != seq or found[0].hash != digest:
                rewritten.append(f"entry {seq} is not the one noted ({digest[:12]}...): the history was rewritten")
        return verdicts, rewritten

    verdicts, rewritten = with_storage(settings, work)
    ok = all(v.ok for v in verdicts) and not rewritten
    if args.json:
        print(json.dumps({"ok": ok, "chains": [verdict_view(v) for v in verdicts], "rewritten": rewritten}))
    else:
        for v in verdicts:
            state = "ok" if v.ok else "FAILED"
            print(f"{v.merchant_id}\t{state}\t{v.checked} entries\thead {v.head_seq} {v.head_hash}")
            for f in v.findings:
                print(f"  row {f.seq}: {f.problem.value}: {f.message}")
        if not verdicts:
            print("no audit chains yet")
        for line in rewritten:
            print(f"  {line}")
    return 0 if ok else 1


def _expected(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or int(seq) < 1 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadRequest(f"--expect takes SEQ:HASH (a head printed by souk audit verify), got {text!r}",
                         code="bad_args")
    return int(seq), digest
