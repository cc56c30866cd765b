"""Flash sales. The sale's unit counter moves only through one conditional UPDATE
(``sold + qty <= units AND NOT ended AND ends_at > now``), in the same transaction that takes the
catalog stock and writes the order at the sale price: no buyer can take a unit another already holds,
and a refused or failed purchase leaves both counters untouched.

A buy's order id is its idempotency key: the same transaction writes a ``flash_sale_buys`` row keyed by
it, and a retried buy (a lost answer, a Souk restart) finds that row and answers with the first order,
never a second order and never ``sale_sold_out``; two retries racing each other end with one order."""

from __future__ import annotations

import builtins
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.flash_sales import FlashSale, FlashSaleSpec
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.pins import not_pinned
from souk.domain.pricing import sale_totals
from souk.storage.repos.base import Repo, in_room, require_text, still_running
from souk.storage.repos.catalog import check_qty, take_stock
from souk.storage.repos.merchants import merchant_currency
from souk.storage.repos.orders import line_values, load_orders, order_values
from souk.storage.schema import (
    customers,
    flash_sale_buys,
    flash_sales,
    live_pins,
    order_lines,
    orders,
    products,
)

log = logging.getLogger(__name__)


def _record(row: Any) -> FlashSale:
    return FlashSale(id=row.id, room_id=row.room_id, sku=row.sku, price=row.price, units=int(row.units),
                     sold=int(row.sold), starts_at=row.starts_at, ends_at=row.ends_at, ended=bool(row.ended))


def _where(merchant_id: str, sale_id: str) -> tuple[Any, ...]:
    return (flash_sales.c.merchant_id == merchant_id, flash_sales.c.id == sale_id)


async def _load(conn: AsyncConnection, merchant_id: str, sale_id: str) -> FlashSale:
    row = (await conn.execute(sa.select(flash_sales).where(*_where(merchant_id, sale_id)))).first()
    if row is None:
        raise NotFound(f"flash sale {sale_id!r} not found", code="sale_not_found", details={"sale_id": sale_id})
    return _record(row)


class SqlFlashSaleRepo(Repo):
    async def create(self, merchant_id: str, spec: FlashSaleSpec, *, sale_id: str | None = None) -> FlashSale:
        sale_id = sale_id or new_id("sale")
        require_text(sale_id, "sale id", max_len=64)
        now = self._now()
        async with self._db.write() as conn:
            known = await conn.scalar(sa.select(products.c.sku).where(
                products.c.merchant_id == merchant_id, products.c.sku == spec.sku))
            if known is None:
                raise NotFound(f"product {spec.sku!r} not found", code="product_not_found",
                               details={"sku": spec.sku})
            await conn.execute(flash_sales.insert().values(
                merchant_id=merchant_id, id=sale_id, room_id=spec.room_id, sku=spec.sku, price=Decimal(spec.price),
                units=spec.units, sold=0, starts_at=now, ends_at=now + dt.timedelta(seconds=float(spec.duration_s)),
                ended=False))
            return await _load(conn, merchant_id, sale_id)

    async def get(self, merchant_id: str, sale_id: str) -> FlashSale:
        async with self._db.read() as conn:
            return await _load(conn, merchant_id, sale_id)

    async def list(self, merchant_id: str, room_id: str) -> list[FlashSale]:
        async with self._db.read() as conn:
            rows = (await conn.execute(in_room(flash_sales, merchant_id, room_id))).all()
        return [_record(r) for r in rows]

    async def running(self, merchant_id: str) -> builtins.list[FlashSale]:
        """The merchant's sales not ended and not past their end time (in every room), soonest end first."""
        async with self._db.read() as conn:
            rows = (await conn.execute(still_running(flash_sales, merchant_id, self._now()))).all()
        return [_record(r) for r in rows]

    async def end(self, merchant_id: str, sale_id: str) -> FlashSale:
        async with self._db.write() as conn:
            await conn.execute(flash_sales.update().where(*_where(merchant_id, sale_id)).values(ended=True))
            return await _load(conn, merchant_id, sale_id)

    async def buy(
        self, merchant_id: str, sale_id: str, *, customer_id: str, qty: int, country: str,
        currency_paid: str | None = None, order_id: str | None = None, require_pinned: bool = False,
    ) -> tuple[Order, FlashSale]:
        check_qty(qty)
        order_id = order_id or new_id("ord")
        require_text(order_id, "order id", max_len=64)
        require_text(country, "country", max_len=2)
        buy = _Buy(sale_id=sale_id, customer_id=customer_id, qty=qty, order_id=order_id)
        try:
            return await self._buy(merchant_id, buy, country=country, currency_paid=currency_paid,
                                   require_pinned=require_pinned)
        except _Replay:
            pass  # a twin with this order id committed while this one waited: its claim was rolled back
        except Conflict as exc:
            if exc.code != "duplicate":
                raise
            # the orders primary key refused this order id: a twin (perhaps of another sale) wrote it first
        async with self._db.read() as conn:
            first = await _replay(conn, merchant_id, buy)
        if first is None:
            raise Conflict(f"order {order_id!r} already exists", code="order_exists", details={"order_id": order_id})
        return first

    async def _buy(self, merchant_id: str, buy: _Buy, *, country: str, currency_paid: str | None,
                   require_pinned: bool) -> tuple[Order, FlashSale]:
        sale_id, order_id, qty = buy.sale_id, buy.order_id, buy.qty
        now = self._now()
        async with self._db.write() as conn:
            known = await conn.scalar(sa.select(customers.c.id).where(
                customers.c.merchant_id == merchant_id, customers.c.id == buy.customer_id))
            if known is None:
                raise NotFound(f"customer {buy.customer_id!r} not found", code="customer_not_found")
            first = await _replay(conn, merchant_id, buy)
            if first is not None:
                return first  # a retry: the first result, whatever the sale's state now
            sale = await _load(conn, merchant_id, sale_id)
            if require_pinned:
                pins = await conn.scalar(sa.select(live_pins.c.skus).where(
                    live_pins.c.merchant_id == merchant_id, live_pins.c.room_id == sale.room_id))
                if sale.sku not in (pins or []):
                    raise not_pinned(sale.sku)
            claimed = (await conn.execute(
                flash_sales.update()
                .where(*_where(merchant_id, sale_id), flash_sales.c.sold + qty <= flash_sales.c.units,
                       flash_sales.c.ended.is_(False), flash_sales.c.ends_at > now)
                .values(sold=flash_sales.c.sold + qty)
                .returning(flash_sales.c.sku, flash_sales.c.price))).first()
            # PostgreSQL: the UPDATE waited for the sale's row lock of any twin buying with this order id, and
            # this statement's snapshot sees what the twin committed. SQLite: writers are serialized anyway.
            if claimed is None:
                first = await _replay(conn, merchant_id, buy)
                if first is not None:
                    return first
                sale = await _load(conn, merchant_id, sale_id)
                if sale.ended or now >= sale.ends_at:
                    raise Conflict("this flash sale has ended", code="sale_ended", details={"sale_id": sale_id})
                raise Conflict(f"flash sale sold out: {sale.remaining} left, {qty} requested", code="sale_sold_out",
                               details={"sale_id": sale_id, "available": sale.remaining, "requested": qty})
            if await _replay(conn, merchant_id, buy) is not None:
                raise _Replay  # roll this claim back; buy() answers with the twin's order
            await take_stock(conn, merchant_id, claimed.sku, qty)  # Conflict out_of_stock rolls the claim back
            line = OrderLine(sku=claimed.sku, qty=qty, unit_price=claimed.price)
            totals = sale_totals(line)
            order = Order(id=order_id, customer_id=buy.customer_id, placed_on=now.date(), status=OrderStatus.PENDING,
                          shipping_method="standard", country=country.upper(), lines=(line,),
                          subtotal=totals.goods, shipping=totals.shipping, total=totals.total,
                          currency_paid=currency_paid or await merchant_currency(conn, merchant_id),
                          note=f"flash sale {sale_id}")
            await conn.execute(orders.insert().values(
                merchant_id=merchant_id, created_at=now, updated_at=now, **order_values(order)))
            await conn.execute(
                order_lines.insert(), line_values(merchant_id, order_id, (line,)))
            await conn.execute(flash_sale_buys.insert().values(
                merchant_id=merchant_id, order_id=order_id, sale_id=sale_id, customer_id=buy.customer_id, qty=qty,
                bought_at=now))
            return order, await _load(conn, merchant_id, sale_id)


@dataclass(frozen=True, slots=True)
class _Buy:
    """What a buy asks for; its order id is the idempotency key."""

    sale_id: str
    customer_id: str
    qty: int
    order_id: str


class _Replay(Exception):
    """Inside the buy's transaction: a twin buy with the same order id committed first; roll back."""


async def _replay(conn: AsyncConnection, merchant_id: str, buy: _Buy) -> tuple[Order, FlashSale] | None:
    """The first result of a buy with ``buy.order_id``: (its order, the sale now); None if there is no such
    order. The order id naming another order (another sale, buyer or quantity, or not a sale's order) is 409
    ``order_exists``: never someone else's order."""
    prior = (await conn.execute(sa.select(flash_sale_buys).where(
        flash_sale_buys.c.merchant_id == merchant_id, flash_sale_buys.c.order_id == buy.order_id))).first()
    if prior is None:
        taken = await conn.scalar(sa.select(orders.c.id).where(
            orders.c.merchant_id == merchant_id, orders.c.id == buy.order_id))
        if taken is None:
            return None
    elif (prior.sale_id, prior.customer_id, int(prior.qty)) == (buy.sale_id, buy.customer_id, buy.qty):
        found = await load_orders(conn, merchant_id, orders.c.id == buy.order_id)
        if found:
            log.info("flash sale %s: order %s retried; answering with the first result", buy.sale_id, buy.order_id)
            return found[0], await _load(conn, merchant_id, buy.sale_id)
    raise Conflict(f"order {buy.order_id!r} already exists and is not this purchase", code="order_exists",
                   details={"order_id": buy.order_id})
