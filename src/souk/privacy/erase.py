"""Erasure: every store removes or anonymises what it holds about the customer, the SQLite files are
compacted so no free page or WAL frame keeps a deleted row, then the scan looks for the customer's
identifiers everywhere and the result is recorded in the merchant's audit chain (docs/privacy.md "Erasure").

A store that fails does not stop the others: it is named in the result and the erasure is not ok (the CLI
exits 1, the API answers with the report); running it again finishes the work (every store is idempotent).
The audit entry names the customer by a one-way reference and the pseudonym, never by an identifier.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from souk.core.errors import SoukError
from souk.core.progress import NO_PROGRESS, ProgressSink
from souk.privacy.audit import AuditLog
from souk.privacy.customer import CustomerIds, CustomerStore, Erased, new_pseudonym
from souk.privacy.rawscan import Compacted, compact_sqlite
from souk.privacy.scan import ScanReport, scan_customer, sqlite_files
from souk.storage import Storage

log = logging.getLogger(__name__)


def customer_ref(merchant_id: str, customer_id: str) -> str:
    """The audit log's name for a customer: one-way (whoever knows the id can confirm an entry is about it)."""
    return "ref-" + hashlib.sha256(f"{merchant_id}\x00{customer_id}".encode()).hexdigest()[:20]


@dataclass
class EraseResult:
    ids: CustomerIds
    erased: dict[str, Erased] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    compacted: list[Compacted] = field(default_factory=list)
    scan: ScanReport | None = None

    @property
    def ok(self) -> bool:
        return (not self.failed and all(c.ok for c in self.compacted)
                and (self.scan is None or self.scan.ok))

    def view(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "customer_ref": customer_ref(self.ids.merchant_id, self.ids.customer_id),
            "pseudonym": self.ids.pseudonym,
            "stores": {name: {"deleted": e.deleted, "anonymised": e.anonymised, "kept": e.kept}
                       for name, e in self.erased.items()},
            "failed": self.failed,
            "compacted": [{"file": c.path.name, "ok": c.ok, "detail": c.detail} for c in self.compacted],
            "scan": self.scan.view() if self.scan is not None else None,
        }


async def erase_customer(stores: Sequence[CustomerStore], ids: CustomerIds, *, storage: Storage,
                         data_dir: Path, recordings_dir: Path, redis_url: str | None,
                         audit: AuditLog | None, actor: str, role: str,
                         progress: ProgressSink = NO_PROGRESS) -> EraseResult:
    ids = ids if ids.pseudonym else replace(ids, pseudonym=new_pseudonym())
    result = EraseResult(ids)
    progress.set_total(len(stores) + 2)
    for store in stores:
        try:
            result.erased[store.name] = await store.erase(ids)
        except (SoukError, OSError, ValueError) as exc:
            log.error("erasure in %s: store %s failed: %s", ids.merchant_id, store.name, exc)
            result.failed[store.name] = str(exc)
        progress.advance(label=store.name)
    for path in sqlite_files(storage, data_dir):
        try:
            result.compacted.append(await asyncio.to_thread(compact_sqlite, path))
        except (sqlite3.Error, OSError) as exc:  # the result says it; the scan still runs
            result.compacted.append(Compacted(path, False, f"{type(exc).__name__}: {exc}"))
    progress.advance(label="compacted")
    result.scan = await scan_customer(storage, ids, data_dir=data_dir, recordings_dir=recordings_dir,
                                      redis_url=redis_url, stores=stores)
    progress.advance(label="scanned")
    if audit is not None:
        counts = {name: f"{e.deleted}/{e.anonymised}" for name, e in result.erased.items() if e.deleted or e.anonymised}
        await audit.record(ids.merchant_id, actor=actor, role=role, action="privacy.erase", object_kind="customer",
                           object_id=customer_ref(ids.merchant_id, ids.customer_id),
                           detail={"pseudonym": ids.pseudonym, "ok": str(result.ok).lower(),
                                   "deleted/anonymised": ", ".join(f"{k}={v}" for k, v in sorted(counts.items())),
                                   "failed": ", ".join(sorted(result.failed)),
                                   "left": str(len(result.scan.hits))})
    log.info("erasure in %s of %s: %s", ids.merchant_id, customer_ref(ids.merchant_id, ids.customer_id),
             "ok" if result.ok else "NOT complete")
    return result
