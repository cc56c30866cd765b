"""Call records: requested -> (answered) -> ended with an outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.clock import Clock
from souk.core.errors import BadRequest, Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.calls import CallOutcome, CallRecord
from souk.storage.db import Database
from souk.storage.repos.base import Repo, check_limit, require_text
from souk.storage.schema import call_records

# Outcomes that only make sense for a call that was (or was not) answered.
ANSWERED_OUTCOMES = frozenset({CallOutcome.COMPLETED, CallOutcome.FAILED})
UNANSWERED_OUTCOMES = frozenset({CallOutcome.DECLINED, CallOutcome.MISSED, CallOutcome.CANCELLED,
                                 CallOutcome.FAILED})


def call_record(row: Any) -> CallRecord:
    return CallRecord(
        id=row.id, merchant_id=row.merchant_id, room_id=row.room_id, shopper_identity=row.shopper_identity,
        seller_identity=row.seller_identity, product_sku=row.product_sku, language=row.language,
        requested_at=row.requested_at, answered_at=row.answered_at, ended_at=row.ended_at,
        outcome=CallOutcome(row.outcome) if row.outcome else None,
        duration_s=float(row.duration_s) if row.duration_s is not None else None,
        node_id=row.node_id or "", detail=dict(row.detail) if row.detail else None,
    )


def _not_found(call_id: str) -> NotFound:
    return NotFound(f"call {call_id!r} not found", code="call_not_found", details={"call": call_id})


class SqlCallRepo(Repo):
    """Calls are rung and run by one Souk process; ``node_id`` (settings.node_id) names its node on every call
    it creates, so that node, started again, can end what its dead process left open (``interrupt_open``)."""

    def __init__(self, db: Database, clock: Clock, *, node_id: str = "") -> None:
        super().__init__(db, clock)
        self._node_id = node_id

    async def create(
        self,
        merchant_id: str,
        *,
        shopper_identity: str,
        room_id: str | None = None,
        seller_identity: str | None = None,
        product_sku: str | None = None,
        language: str | None = None,
        call_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> CallRecord:
        cid = call_id or new_id("call")
        require_text(cid, "call id", max_len=64)
        require_text(shopper_identity, "shopper identity", max_len=128)
        async with self._db.write() as conn:
            exists = await conn.scalar(sa.select(call_records.c.id).where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == cid))
            if exists is not None:
                raise Conflict(f"call {cid!r} already exists", code="call_exists")
            await conn.execute(call_records.insert().values(
                id=cid, merchant_id=merchant_id, room_id=room_id, shopper_identity=shopper_identity,
                seller_identity=seller_identity, product_sku=product_sku, language=language,
                requested_at=self._now(), node_id=self._node_id, detail=detail))
            return await _get(conn, merchant_id, cid)

    async def get(self, merchant_id: str, call_id: str) -> CallRecord:
        async with self._db.read() as conn:
            return await _get(conn, merchant_id, call_id)

    async def answer(self, merchant_id: str, call_id: str, *, seller_identity: str,
                     detail: dict[str, Any] | None = None) -> CallRecord:
        """One conditional UPDATE: of two nodes answering at once, exactly one wins (the other: Conflict)."""
        require_text(seller_identity, "seller identity", max_len=128)
        values: dict[str, Any] = {"answered_at": self._now(), "seller_identity": seller_identity}
        if detail is not None:
            values["detail"] = detail
        async with self._db.write() as conn:
            changed = await conn.execute(call_records.update().where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == call_id,
                call_records.c.answered_at.is_(None), call_records.c.ended_at.is_(None))
                .values(**values))
            call = await _get(conn, merchant_id, call_id)
            if changed.rowcount == 0:
                state = "ended" if call.ended_at is not None else "answered"
                raise Conflict(f"call {call_id} was already {state}", code="call_not_ringing",
                               details={"call": call_id, "state": state})
            return call

    async def set_room(self, merchant_id: str, call_id: str, room_id: str) -> CallRecord:
        async with self._db.write() as conn:
            changed = await conn.execute(call_records.update().where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == call_id).values(room_id=room_id))
            if changed.rowcount == 0:
                raise _not_found(call_id)
            return await _get(conn, merchant_id, call_id)

    async def finish(self, merchant_id: str, call_id: str, outcome: CallOutcome,
                     detail: dict[str, Any] | None = None) -> CallRecord:
        try:
            outcome = CallOutcome(outcome)
        except ValueError as exc:
            raise BadRequest(f"unknown call outcome {outcome!r}", code="bad_value") from exc
        now = self._now()
        async with self._db.write() as conn:
            row = (await conn.execute(sa.select(call_records).where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == call_id).with_for_update())).first()
            if row is None:
                raise _not_found(call_id)
            call = call_record(row)
            if call.ended_at is not None:
                raise Conflict(f"call {call_id} already ended ({call.outcome.value if call.outcome else ''})",
                               code="call_ended", details={"call": call_id})
            allowed = ANSWERED_OUTCOMES if call.answered_at is not None else UNANSWERED_OUTCOMES
            if outcome not in allowed:
                state = "answered" if call.answered_at is not None else "never answered"
                raise Conflict(f"outcome {outcome.value!r} does not fit a call that was {state}",
                               code="bad_outcome", details={"call": call_id, "outcome": outcome.value})
            duration = max(0.0, (now - call.answered_at).total_seconds()) if call.answered_at else 0.0
            values: dict[str, Any] = {"ended_at": now, "outcome": outcome.value, "duration_s": duration}
            if detail is not None:
                values["detail"] = detail
            await conn.execute(call_records.update().where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == call_id).values(**values))
            return await _get(conn, merchant_id, call_id)

    async def interrupt_open(self, merchant_id: str) -> list[CallRecord]:
        """End this node's calls still ringing or running as ``interrupted`` (ended_at now, duration unknown:
        the process died at some moment before now). Their rooms are the caller's to close."""
        now = self._now()
        is_open = (call_records.c.merchant_id == merchant_id, call_records.c.node_id == self._node_id,
                   call_records.c.ended_at.is_(None))
        async with self._db.write() as conn:
            ids = (await conn.execute(sa.select(call_records.c.id).where(*is_open).with_for_update())).scalars().all()
            if not ids:
                return []
            await conn.execute(call_records.update().where(*is_open, call_records.c.id.in_(ids))
                               .values(ended_at=now, outcome=CallOutcome.INTERRUPTED.value, duration_s=None))
            rows = (await conn.execute(sa.select(call_records).where(
                call_records.c.merchant_id == merchant_id, call_records.c.id.in_(ids))
                .order_by(call_records.c.requested_at, call_records.c.id))).all()
        return [call_record(r) for r in rows]

    async def interrupt(self, merchant_id: str, call_id: str) -> CallRecord | None:
        """End one call still ringing or running as ``interrupted`` (its node died: another node saw its
        heartbeat stop). One conditional UPDATE: None when it had ended already (or by another node first)."""
        async with self._db.write() as conn:
            changed = await conn.execute(call_records.update().where(
                call_records.c.merchant_id == merchant_id, call_records.c.id == call_id,
                call_records.c.ended_at.is_(None))
                .values(ended_at=self._now(), outcome=CallOutcome.INTERRUPTED.value, duration_s=None))
            if changed.rowcount == 0:
                return None
            return await _get(conn, merchant_id, call_id)

    async def open(self, merchant_id: str, *, limit: int = 500) -> list[CallRecord]:
        """This merchant's calls ringing or running now, on any node (oldest first)."""
        q = (sa.select(call_records).where(call_records.c.merchant_id == merchant_id, call_records.c.ended_at.is_(None))
             .order_by(call_records.c.requested_at, call_records.c.id).limit(check_limit(limit)))
        async with self._db.read() as conn:
            return [call_record(r) for r in (await conn.execute(q)).all()]

    async def list(
        self,
        merchant_id: str,
        *,
        seller_identity: str | None = None,
        shopper_identity: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[CallRecord]:
        q = sa.select(call_records).where(call_records.c.merchant_id == merchant_id)
        if seller_identity is not None:
            q = q.where(call_records.c.seller_identity == seller_identity)
        if shopper_identity is not None:
            q = q.where(call_records.c.shopper_identity == shopper_identity)
        if since is not None:
            q = q.where(call_records.c.requested_at >= since)
        q = q.order_by(call_records.c.requested_at.desc(), call_records.c.id.desc()).limit(check_limit(limit))
        async with self._db.read() as conn:
            return [call_record(r) for r in (await conn.execute(q)).all()]


async def _get(conn: AsyncConnection, merchant_id: str, call_id: str) -> CallRecord:
    row = (await conn.execute(sa.select(call_records).where(
        call_records.c.merchant_id == merchant_id, call_records.c.id == call_id))).first()
    if row is None:
        raise _not_found(call_id)
    return call_record(row)
