"""The audit log service: record who on staff looked at or changed what, search it, verify its chains.

Recording fails closed: if the entry cannot be written the caller gets the error and does not serve the
access (an access that cannot be audited does not happen). Verification streams a merchant's chain page by
page through souk.domain.audit's verifier, from the anchor retention left, and checks the recorded head.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol

from souk.core.errors import BadRequest
from souk.domain.audit import (
    AuditEntry,
    AuditError,
    AuditEvent,
    AuditQuery,
    ChainHead,
    ChainVerifier,
    Verdict,
)

log = logging.getLogger(__name__)


class AuditStore(Protocol):
    async def append(self, merchant_id: str, event: AuditEvent) -> AuditEntry: ...

    async def head(self, merchant_id: str) -> ChainHead: ...

    async def search(self, merchant_id: str, q: AuditQuery) -> list[AuditEntry]: ...

    def iterate(self, merchant_id: str, after_seq: int) -> AsyncIterator[list[AuditEntry]]: ...

    async def chain_merchants(self) -> Sequence[str]: ...


class AuditLog:
    def __init__(self, store: AuditStore) -> None:
        self._store = store

    async def record(self, merchant_id: str, *, actor: str, role: str, action: str, object_kind: str,
                     object_id: str = "", detail: Mapping[str, str] | None = None) -> AuditEntry:
        try:
            event = AuditEvent(actor=actor, role=role, action=action, object_kind=object_kind,
                               object_id=object_id, detail=dict(detail or {}))
        except AuditError as exc:
            raise BadRequest(str(exc), code="bad_audit_event") from exc
        entry = await self._store.append(merchant_id, event)
        log.debug("audit %s #%d: %s %s %s/%s", merchant_id, entry.seq, actor, action, object_kind, object_id)
        return entry

    async def search(self, merchant_id: str, q: AuditQuery) -> list[AuditEntry]:
        return await self._store.search(merchant_id, q)

    async def verify(self, merchant_id: str) -> Verdict:
        head = await self._store.head(merchant_id)
        verifier = ChainVerifier(merchant_id, head.anchor_seq, head.anchor_hash)
        # Rows appended while we read lie past the head we took: they are left for the next verification.
        async for page in self._store.iterate(merchant_id, head.anchor_seq):
            verifier.feed(e for e in page if e.seq <= head.seq)
            if page[-1].seq >= head.seq:
                break
        verdict = verifier.finish(head.seq, head.hash)
        if not verdict.ok:
            log.error("audit chain of %s fails verification: %s", merchant_id,
                      "; ".join(f.message for f in verdict.findings[:5]))
        return verdict

    async def merchants(self) -> Sequence[str]:
        return await self._store.chain_merchants()
