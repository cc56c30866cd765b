"""The merchant's audit log (docs/privacy.md): search it and verify its hash chain.

``GET /v1/audit`` lists entries newest first, filtered by actor, action, object and time range (``since``
inclusive, ``until`` exclusive, ISO 8601; a time without a zone is UTC), paged with ``before`` (the seq of the
oldest entry of the previous page). ``GET /v1/audit/verify`` checks the merchant's chain and answers the head
(keep its hash elsewhere to prove later that the history was not rewritten). Both take the merchant's API key or
a staff token with the admin privilege; each search is itself recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from souk.api.audit import AuditLogDep, audited
from souk.api.auth import MerchantAuth, MerchantAuthDep
from souk.api.openapi import raises
from souk.auth.tokens import Privilege
from souk.core.errors import Forbidden
from souk.domain.audit import AuditEntry, AuditQuery

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Text = Annotated[str | None, Query(max_length=200)]


@raises({403: ["admin_only"]})
async def auditor(who: MerchantAuthDep) -> MerchantAuth:
    """The merchant's API key, or a staff token with the admin privilege."""
    if who.claims is not None and not who.claims.can(Privilege.ADMIN):
        raise Forbidden("the audit log takes the API key or a staff token with the admin privilege",
                        code="admin_only")
    return who


Auditor = Annotated[MerchantAuth, Depends(auditor)]


def _us(t: dt.datetime | None) -> int | None:
    if t is None:
        return None
    aware = t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
    return int(aware.timestamp() * 1_000_000)


def entry_view(e: AuditEntry) -> dict[str, Any]:
    at = dt.datetime.fromtimestamp(e.at_us / 1_000_000, dt.UTC)
    return {"seq": e.seq, "at": at.isoformat(), "actor": e.actor, "role": e.role, "action": e.action,
            "object_kind": e.object_kind, "object_id": e.object_id, "detail": dict(e.detail),
            "prev_hash": e.prev_hash, "hash": e.hash}


@router.get("", dependencies=[audited(auditor, "audit.search", "audit_log")])
async def search(who: Auditor, log: AuditLogDep, actor: Text = None, action: Text = None,
                 object_kind: Text = None, object_id: Text = None,
                 since: Annotated[dt.datetime | None, Query(description="from this time (inclusive)")] = None,
                 until: Annotated[dt.datetime | None, Query(description="before this time")] = None,
                 before: Annotated[int | None, Query(ge=1, le=2**62, description="entries older than this seq")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The merchant's audit entries, newest first; ``next_before`` pages on (null: no more)."""
    rows = await log.search(who.merchant_id, AuditQuery(
        actor=actor, action=action, object_kind=object_kind, object_id=object_id, since_us=_us(since),
        until_us=_us(until), before_seq=before, limit=limit))
    return {"entries": [entry_view(e) for e in rows],
            "next_before": rows[-1].seq if len(rows) == limit and rows[-1].seq > 1 else None}


@router.get("/verify")
async def verify(who: Auditor, log: AuditLogDep) -> dict[str, Any]:
    """Check the merchant's chain: ``ok``, entries checked, the head (seq and hash) and any findings."""
    v = await log.verify(who.merchant_id)
    return {"ok": v.ok, "checked": v.checked, "head_seq": v.head_seq, "head_hash": v.head_hash,
            "findings": [{"seq": f.seq, "problem": f.problem.value, "message": f.message} for f in v.findings]}

