"""Actions on orders (souk.domain.order_actions): the write, its audit row and, for returns and exchanges,
the RMA, in one transaction.

Each write is conditional on the order's state at that moment (a cancel is ``UPDATE ... WHERE status IN
('pending', 'processing')``), so concurrent requests cannot both succeed; when the condition no longer holds
the request is recorded as refused, with the reason. A request's idempotency key is unique per merchant: a
retry (or a concurrent twin) gets the first request's record back, marked ``replayed``, and no second effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, Conflict
from souk.core.ids import new_id
from souk.domain.models import OrderStatus, ReturnRecord
from souk.domain.order_actions import ActionKind, ActionRecord, ActionRequest, RmaDraft
from souk.storage.repos.base import Repo, check_limit, require_text
from souk.storage.repos.catalog import put_back_stock
from souk.storage.schema import order_actions, order_lines, orders, returns

NOT_SHIPPED = ("pending", "processing")
CHANNEL_MAX = 32

# what a write does inside the transaction: (refusal or None, details to add to the audit row)
Effect = Callable[[AsyncConnection, str], Awaitable[tuple[str | None, dict[str, Any]]]]


def action_record(row: Any, *, replayed: bool = False) -> ActionRecord:
    return ActionRecord(id=row.id, order_id=row.order_id, kind=row.kind, status=row.status, refusal=row.refusal,
                        idempotency_key=row.idempotency_key, conversation_id=row.conversation_id, actor=row.actor,
                        channel=row.channel, details=dict(row.details or {}), created_at=row.created_at,
                        replayed=replayed)


def return_record(row: Any) -> ReturnRecord:
    return ReturnRecord(id=row.id, order_id=row.order_id, kind=row.kind, lines=tuple(row.lines or ()),
                        refund_amount=row.refund_amount, fee=row.fee, label_ref=row.label_ref, status=row.status,
                        created_at=row.created_at)


async def load_returns(conn: AsyncConnection, merchant_id: str, *conds: Any) -> list[ReturnRecord]:
    rows = (await conn.execute(sa.select(returns).where(returns.c.merchant_id == merchant_id, *conds)
                               .order_by(returns.c.created_at, returns.c.id))).all()
    return [return_record(r) for r in rows]


def _status_refusal(status: str | None, *, want_shipped: bool) -> str:
    if status is None:
        return "not_your_order"
    if status == OrderStatus.CANCELLED.value:
        return "already_cancelled"
    if status in (OrderStatus.RETURNED.value, OrderStatus.REFUNDED.value):
        return "already_returned"
    if want_shipped:
        return "not_shipped_yet" if status in NOT_SHIPPED else "not_delivered"
    return "already_shipped"


class SqlOrderActionRepo(Repo):
    # --- the actions -------------------------------------------------------------------------------------
    async def cancel(self, merchant_id: str, req: ActionRequest, *, restock: bool = True) -> ActionRecord:
        async def effect(conn: AsyncConnection, _action_id: str) -> tuple[str | None, dict[str, Any]]:
            changed = await conn.execute(orders.update().where(
                *self._order(merchant_id, req), orders.c.status.in_(NOT_SHIPPED))
                .values(status=OrderStatus.CANCELLED.value, updated_at=self._now()))
            if changed.rowcount != 1:
                return _status_refusal(await self._status(conn, merchant_id, req), want_shipped=False), {}
            if restock:
                lines = (await conn.execute(sa.select(order_lines.c.sku, order_lines.c.qty).where(
                    order_lines.c.merchant_id == merchant_id, order_lines.c.order_id == req.order_id)
                    .order_by(order_lines.c.sku))).all()
                for ln in lines:
                    await put_back_stock(conn, merchant_id, ln.sku, int(ln.qty))
            return None, {"restocked": restock}

        return await self._act(merchant_id, req, ActionKind.CANCEL, effect)

    async def change_address(self, merchant_id: str, req: ActionRequest, *, text: str, country: str) -> ActionRecord:
        address = {"text": require_text(text, "address", max_len=300).strip(), "country": country.strip().upper()}

        async def effect(conn: AsyncConnection, _action_id: str) -> tuple[str | None, dict[str, Any]]:
            changed = await conn.execute(orders.update().where(
                *self._order(merchant_id, req), orders.c.status.in_(NOT_SHIPPED),
                orders.c.country == address["country"]).values(shipping_address=address, updated_at=self._now()))
            if changed.rowcount == 1:
                return None, {"address": address}
            status = await self._status(conn, merchant_id, req)
            if status in NOT_SHIPPED:  # the order is still waiting: the country is what differs
                return "country_change", {}
            return _status_refusal(status, want_shipped=False), {}

        return await self._act(merchant_id, req, ActionKind.CHANGE_ADDRESS, effect)

    async def start_return(self, merchant_id: str, req: ActionRequest, draft: RmaDraft) -> ActionRecord:
        """A return (``req.kind`` RETURN) or an exchange (EXCHANGE) of a delivered order: an RMA row, with a
        return label reference when ``draft.label``. A line already in an open RMA of the order is refused."""
        if req.kind not in (ActionKind.RETURN, ActionKind.EXCHANGE):
            raise BadRequest(f"{req.kind.value} is not a return", code="bad_value")
        if not draft.lines or any(not isinstance(ln.get("sku"), str) for ln in draft.lines):
            raise BadRequest("a return needs its lines, each with a sku", code="bad_value")
        if draft.refund_amount < 0 or draft.fee < 0:
            raise BadRequest("refund and fee cannot be negative", code="bad_value")

        async def effect(conn: AsyncConnection, action_id: str) -> tuple[str | None, dict[str, Any]]:
            status = await conn.scalar(sa.select(orders.c.status).where(*self._order(merchant_id, req))
                                       .with_for_update())  # PostgreSQL: one return of this order at a time
            if status != OrderStatus.DELIVERED.value:
                return _status_refusal(status, want_shipped=True), {}
            taken = {str(ln.get("sku")) for r in await load_returns(conn, merchant_id, returns.c.order_id == req.order_id)
                     if r.status != "cancelled" for ln in r.lines}
            if taken & {str(ln["sku"]) for ln in draft.lines}:
                return "already_returned", {}
            rma = ReturnRecord(id=f"RMA-{new_id().upper()}", order_id=req.order_id, kind=req.kind.value,
                               lines=draft.lines, refund_amount=draft.refund_amount, fee=draft.fee,
                               label_ref=f"LBL-{new_id().upper()}" if draft.label else None, status="requested",
                               created_at=self._now())
            await conn.execute(returns.insert().values(
                merchant_id=merchant_id, id=rma.id, order_id=rma.order_id, kind=rma.kind, lines=list(rma.lines),
                refund_amount=rma.refund_amount, fee=rma.fee, label_ref=rma.label_ref, status=rma.status,
                action_id=action_id, created_at=rma.created_at))
            return None, {"rma_id": rma.id, "label_ref": rma.label_ref}

        return await self._act(merchant_id, req, req.kind, effect)

    async def resend_tracking(self, merchant_id: str, req: ActionRequest) -> ActionRecord:
        async def effect(conn: AsyncConnection, _action_id: str) -> tuple[str | None, dict[str, Any]]:
            row = (await conn.execute(sa.select(orders.c.status, orders.c.carrier, orders.c.tracking_number)
                                      .where(*self._order(merchant_id, req)))).first()
            if row is None or row.status in NOT_SHIPPED or row.status == OrderStatus.CANCELLED.value:
                return _status_refusal(row.status if row else None, want_shipped=True), {}
            if not row.tracking_number:
                return "no_tracking", {}
            return None, {"carrier": row.carrier, "tracking_number": row.tracking_number}

        return await self._act(merchant_id, req, ActionKind.RESEND_TRACKING, effect)

    # --- reading -----------------------------------------------------------------------------------------
    async def by_key(self, merchant_id: str, idempotency_key: str) -> ActionRecord | None:
        async with self._db.read() as conn:
            return await self._by_key(conn, merchant_id, idempotency_key)

    async def of_order(self, merchant_id: str, order_id: str, *, limit: int = 100) -> list[ActionRecord]:
        """The order's actions, oldest first."""
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(order_actions).where(
                order_actions.c.merchant_id == merchant_id, order_actions.c.order_id == order_id)
                .order_by(order_actions.c.created_at, order_actions.c.id).limit(check_limit(limit)))).all()
        return [action_record(r) for r in rows]

    async def returns_of(self, merchant_id: str, order_id: str) -> list[ReturnRecord]:
        async with self._db.read() as conn:
            return await load_returns(conn, merchant_id, returns.c.order_id == order_id)

    # --- the one write path --------------------------------------------------------------------------------
    async def _act(self, merchant_id: str, req: ActionRequest, kind: ActionKind, effect: Effect) -> ActionRecord:
        key = require_text(req.idempotency_key, "idempotency key", max_len=128)
        require_text(req.order_id, "order id", max_len=64)
        require_text(req.actor, "actor", max_len=128)
        require_text(req.channel, "channel", max_len=CHANNEL_MAX)
        if req.conversation_id is not None:
            require_text(req.conversation_id, "conversation id", max_len=128)
        try:
            async with self._db.write() as conn:
                seen = await self._by_key(conn, merchant_id, key)
                if seen is not None:
                    return self._replay(seen, req, kind)
                action_id = new_id("act")
                refusal, extra = await effect(conn, action_id)
                record = ActionRecord(id=action_id, order_id=req.order_id, kind=kind.value,
                                      status="refused" if refusal else "done", refusal=refusal, idempotency_key=key,
                                      conversation_id=req.conversation_id, actor=req.actor, channel=req.channel,
                                      details={**dict(req.details), **extra}, created_at=self._now())
                await conn.execute(order_actions.insert().values(
                    merchant_id=merchant_id, id=record.id, order_id=record.order_id, kind=record.kind,
                    status=record.status, refusal=record.refusal, idempotency_key=key,
                    conversation_id=record.conversation_id, actor=record.actor, channel=record.channel,
                    details=dict(record.details), created_at=record.created_at))
        except Conflict as exc:
            if exc.code != "duplicate":
                raise
            # a concurrent request with the same key committed first: its effect stands, this one rolled back
            seen = await self.by_key(merchant_id, key)
            if seen is None:
                raise
            return self._replay(seen, req, kind)
        return record

    @staticmethod
    def _replay(seen: ActionRecord, req: ActionRequest, kind: ActionKind) -> ActionRecord:
        if seen.order_id != req.order_id or seen.kind != kind.value:
            raise Conflict("this idempotency key was used for another action", code="idempotency_key_reused",
                           details={"order_id": seen.order_id, "kind": seen.kind})
        return replace(seen, replayed=True)

    @staticmethod
    async def _by_key(conn: AsyncConnection, merchant_id: str, key: str) -> ActionRecord | None:
        row = (await conn.execute(sa.select(order_actions).where(
            order_actions.c.merchant_id == merchant_id, order_actions.c.idempotency_key == key))).first()
        return action_record(row) if row is not None else None

    @staticmethod
    def _order(merchant_id: str, req: ActionRequest) -> list[Any]:
        conds = [orders.c.merchant_id == merchant_id, orders.c.id == req.order_id]
        if req.customer_id is not None:
            conds.append(orders.c.customer_id == req.customer_id)
        return conds

    @staticmethod
    async def _status(conn: AsyncConnection, merchant_id: str, req: ActionRequest) -> str | None:
        status = await conn.scalar(sa.select(orders.c.status).where(*SqlOrderActionRepo._order(merchant_id, req)))
        return str(status) if status is not None else None
