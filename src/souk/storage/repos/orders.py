"""Orders and their lines. Checkout takes stock and writes the order in one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.checkout import NewOrder
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.pricing import order_totals
from souk.storage.repos.base import Repo, check_limit, require_text, upsert
from souk.storage.repos.catalog import put_back_stock, take_stock
from souk.storage.repos.merchants import merchant_currency
from souk.storage.schema import customers, order_lines, orders

CANCELLABLE = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})


def _order_record(row: Any, lines: list[OrderLine]) -> Order:
    eta = (row.eta_from, row.eta_to) if row.eta_from is not None and row.eta_to is not None else None
    return Order(
        id=row.id, customer_id=row.customer_id, placed_on=row.placed_on, status=OrderStatus.parse(row.status),
        shipping_method=row.shipping_method, country=row.country, lines=tuple(lines), subtotal=row.subtotal,
        shipping=row.shipping, total=row.total, currency_paid=row.currency_paid, shipped_on=row.shipped_on,
        delivered_on=row.delivered_on, carrier=row.carrier, tracking_number=row.tracking_number,
        estimated_delivery=eta, refund_status=row.refund_status, refunded=row.refunded, note=row.note,
        shipping_address=dict(row.shipping_address) if row.shipping_address else None,
    )


def order_values(o: Order) -> dict[str, Any]:
    require_text(o.id, "order id", max_len=64)
    require_text(o.customer_id, "customer id", max_len=64)
    eta = o.estimated_delivery
    return {
        "id": o.id, "customer_id": o.customer_id, "placed_on": o.placed_on, "status": o.status.value,
        "shipping_method": o.shipping_method, "country": o.country.upper(), "subtotal": o.subtotal,
        "shipping": o.shipping, "total": o.total, "currency_paid": o.currency_paid,
        "shipped_on": o.shipped_on, "delivered_on": o.delivered_on, "carrier": o.carrier,
        "tracking_number": o.tracking_number, "eta_from": eta[0] if eta else None,
        "eta_to": eta[1] if eta else None, "refund_status": o.refund_status, "refunded": o.refunded,
        "note": o.note,
    }


def line_values(merchant_id: str, order_id: str, lines: tuple[OrderLine, ...]) -> list[dict[str, Any]]:
    return [{"merchant_id": merchant_id, "order_id": order_id, "line_no": i, "sku": ln.sku, "qty": ln.qty,
             "unit_price": ln.unit_price} for i, ln in enumerate(lines, start=1)]


async def load_orders(conn: AsyncConnection, merchant_id: str, *conds: Any, limit: int | None = None) -> list[Order]:
    """Orders matching ``conds`` (newest first) with their lines, in two queries."""
    q = (sa.select(orders).where(orders.c.merchant_id == merchant_id, *conds)
         .order_by(orders.c.placed_on.desc(), orders.c.created_at.desc(), orders.c.id.desc()))
    if limit is not None:
        q = q.limit(limit)
    rows = (await conn.execute(q)).all()
    if not rows:
        return []
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    lq = sa.select(order_lines).where(order_lines.c.merchant_id == merchant_id)
    if limit is not None or conds:
        lq = lq.where(order_lines.c.order_id.in_([r.id for r in rows]))
    for ln in (await conn.execute(lq.order_by(order_lines.c.order_id, order_lines.c.line_no))).all():
        lines[ln.order_id].append(OrderLine(sku=ln.sku, qty=int(ln.qty), unit_price=ln.unit_price))
    return [_order_record(r, lines[r.id]) for r in rows]


class SqlOrderRepo(Repo):
    async def create(self, merchant_id: str, new: NewOrder, *, placed_on: dt.date | None = None) -> Order:
        order_id = new.order_id or new_id("ord")
        require_text(order_id, "order id", max_len=64)
        now = self._now()
        async with self._db.write() as conn:
            known = await conn.scalar(sa.select(customers.c.id).where(
                customers.c.merchant_id == merchant_id, customers.c.id == new.customer_id))
            if known is None:
                raise NotFound(f"customer {new.customer_id!r} not found", code="customer_not_found")
            exists = await conn.scalar(sa.select(orders.c.id).where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id))
            if exists is not None:
                raise Conflict(f"order {order_id!r} already exists", code="order_exists")
            # Row locks on stock are held from here to commit: keep this stretch short. A fixed lock
            # order (by sku) keeps two multi-line checkouts from deadlocking each other.
            priced: dict[str, Decimal] = {}
            for cart_line in sorted(new.lines, key=lambda ln: ln.sku):
                _, priced[cart_line.sku] = await take_stock(conn, merchant_id, cart_line.sku, cart_line.qty)
            lines = tuple(OrderLine(sku=ln.sku, qty=ln.qty, unit_price=priced[ln.sku]) for ln in new.lines)
            totals = order_totals(lines, shipping=new.shipping)
            order = Order(
                id=order_id, customer_id=new.customer_id, placed_on=placed_on or now.date(),
                status=OrderStatus.PENDING, shipping_method=new.shipping_method, country=new.country.upper(),
                lines=lines, subtotal=totals.goods, shipping=totals.shipping, total=totals.total,
                currency_paid=new.currency_paid or await merchant_currency(conn, merchant_id), note=new.note,
            )
            await conn.execute(orders.insert().values(
                merchant_id=merchant_id, created_at=now, updated_at=now, **order_values(order)))
            await conn.execute(order_lines.insert(), line_values(merchant_id, order_id, lines))
        return order

    async def put(self, merchant_id: str, order: Order) -> Order:
        values = order_values(order)
        now = self._now()
        async with self._db.write() as conn:
            await upsert(conn, orders, {"merchant_id": merchant_id, "created_at": now, "updated_at": now, **values},
                         keys=["merchant_id", "id"], insert_only=["created_at"])
            await conn.execute(order_lines.delete().where(
                order_lines.c.merchant_id == merchant_id, order_lines.c.order_id == order.id))
            if order.lines:
                await conn.execute(order_lines.insert(), line_values(merchant_id, order.id, order.lines))
        return await self.get(merchant_id, order.id)

    async def get(self, merchant_id: str, order_id: str) -> Order:
        async with self._db.read() as conn:
            found = await load_orders(conn, merchant_id, orders.c.id == order_id)
        if not found:
            raise NotFound(f"order {order_id!r} not found", code="order_not_found")
        return found[0]

    async def of_customer(self, merchant_id: str, customer_id: str) -> list[Order]:
        async with self._db.read() as conn:
            return await load_orders(conn, merchant_id, orders.c.customer_id == customer_id)

    async def list(
        self, merchant_id: str, *, status: OrderStatus | None = None, limit: int = 100
    ) -> list[Order]:
        conds = [orders.c.status == OrderStatus(status).value] if status is not None else []
        async with self._db.read() as conn:
            return await load_orders(conn, merchant_id, *conds, limit=check_limit(limit))

    async def update_status(
        self,
        merchant_id: str,
        order_id: str,
        status: OrderStatus,
        *,
        carrier: str | None = None,
        tracking_number: str | None = None,
        shipped_on: dt.date | None = None,
        delivered_on: dt.date | None = None,
        estimated_delivery: tuple[dt.date, dt.date] | None = None,
        note: str | None = None,
    ) -> Order:
        try:
            status = OrderStatus(status)
        except ValueError as exc:
            raise BadRequest(f"unknown order status {status!r}", code="bad_value") from exc
        values: dict[str, Any] = {"status": status.value, "updated_at": self._now()}
        optional = {"carrier": carrier, "tracking_number": tracking_number, "shipped_on": shipped_on,
                    "delivered_on": delivered_on, "note": note}
        values.update({k: v for k, v in optional.items() if v is not None})
        if estimated_delivery is not None:
            if estimated_delivery[0] > estimated_delivery[1]:
                raise BadRequest("estimated delivery window ends before it starts", code="bad_value")
            values["eta_from"], values["eta_to"] = estimated_delivery
        await self._update(merchant_id, order_id, values)
        return await self.get(merchant_id, order_id)

    async def record_refund(
        self, merchant_id: str, order_id: str, amount: Decimal, *, refund_status: str = "refunded"
    ) -> Order:
        amount = Decimal(amount)
        if amount <= 0:
            raise BadRequest("refund amount must be positive", code="bad_value")
        async with self._db.write() as conn:
            row = (await conn.execute(sa.select(orders.c.total, orders.c.refunded).where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id).with_for_update())).first()
            if row is None:
                raise NotFound(f"order {order_id!r} not found", code="order_not_found")
            refunded = (row.refunded or Decimal("0.00")) + amount
            if refunded > row.total:
                raise Conflict(f"refunds would exceed the order total {row.total}", code="refund_exceeds_total",
                               details={"total": str(row.total), "refunded": str(row.refunded or 0)})
            await conn.execute(orders.update().where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id).values(
                refunded=refunded, refund_status=refund_status, updated_at=self._now()))
        return await self.get(merchant_id, order_id)

    async def cancel(self, merchant_id: str, order_id: str, *, restock: bool = True) -> Order:
        async with self._db.write() as conn:
            row = (await conn.execute(sa.select(orders.c.status).where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id).with_for_update())).first()
            if row is None:
                raise NotFound(f"order {order_id!r} not found", code="order_not_found")
            if OrderStatus.parse(row.status) not in CANCELLABLE:
                raise Conflict(f"order {order_id} is {row.status} and can no longer be cancelled",
                               code="not_cancellable", details={"status": row.status})
            await conn.execute(orders.update().where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id).values(
                status=OrderStatus.CANCELLED.value, updated_at=self._now()))
            if restock:
                lines = (await conn.execute(sa.select(order_lines.c.sku, order_lines.c.qty).where(
                    order_lines.c.merchant_id == merchant_id, order_lines.c.order_id == order_id)
                    .order_by(order_lines.c.sku))).all()
                for ln in lines:
                    await put_back_stock(conn, merchant_id, ln.sku, int(ln.qty))
        return await self.get(merchant_id, order_id)

    async def _update(self, merchant_id: str, order_id: str, values: dict[str, Any]) -> None:
        async with self._db.write() as conn:
            changed = await conn.execute(orders.update().where(
                orders.c.merchant_id == merchant_id, orders.c.id == order_id).values(**values))
            if changed.rowcount == 0:
                raise NotFound(f"order {order_id!r} not found", code="order_not_found")
