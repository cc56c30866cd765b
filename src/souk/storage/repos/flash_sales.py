"""Flash sales. The sale's unit counter moves only through one conditional UPDATE
(``sold + qty <= units AND NOT ended AND ends_at > now``), in the same transaction that takes the
catalog stock and writes the order at the sale price: no buyer can take a unit another already holds,
and a refused or failed purchase leaves both counters untouched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.flash_sales import FlashSale, FlashSaleSpec
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.storage.repos.base import Repo, require_text
from souk.storage.repos.catalog import check_qty, take_stock
from souk.storage.repos.orders import line_values, order_values
from souk.storage.schema import customers, flash_sales, order_lines, orders, products


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
            rows = (await conn.execute(sa.select(flash_sales).where(
                flash_sales.c.merchant_id == merchant_id, flash_sales.c.room_id == room_id)
                .order_by(flash_sales.c.starts_at, flash_sales.c.id))).all()
        return [_record(r) for r in rows]

    async def end(self, merchant_id: str, sale_id: str) -> FlashSale:
        async with self._db.write() as conn:
            await conn.execute(flash_sales.update().where(*_where(merchant_id, sale_id)).values(ended=True))
            return await _load(conn, merchant_id, sale_id)

    async def buy(
        self, merchant_id: str, sale_id: str, *, customer_id: str, qty: int, country: str,
        currency_paid: str = "USD", order_id: str | None = None,
    ) -> tuple[Order, FlashSale]:
        check_qty(qty)
        order_id = order_id or new_id("ord")
        require_text(order_id, "order id", max_len=64)
        require_text(country, "country", max_len=2)
        now = self._now()
        async with self._db.write() as conn:
            known = await conn.scalar(sa.select(customers.c.id).where(
                customers.c.merchant_id == merchant_id, customers.c.id == customer_id))
            if known is None:
                raise NotFound(f"customer {customer_id!r} not found", code="customer_not_found")
            claimed = (await conn.execute(
                flash_sales.update()
                .where(*_where(merchant_id, sale_id), flash_sales.c.sold + qty <= flash_sales.c.units,
                       flash_sales.c.ended.is_(False), flash_sales.c.ends_at > now)
                .values(sold=flash_sales.c.sold + qty)
                .returning(flash_sales.c.sku, flash_sales.c.price))).first()
            if claimed is None:
                sale = await _load(conn, merchant_id, sale_id)
                if sale.ended or now >= sale.ends_at:
                    raise Conflict("this flash sale has ended", code="sale_ended", details={"sale_id": sale_id})
                raise Conflict(f"flash sale sold out: {sale.remaining} left, {qty} requested", code="sale_sold_out",
                               details={"sale_id": sale_id, "available": sale.remaining, "requested": qty})
            if await conn.scalar(sa.select(orders.c.id).where(
                    orders.c.merchant_id == merchant_id, orders.c.id == order_id)) is not None:
                raise Conflict(f"order {order_id!r} already exists", code="order_exists")
            await take_stock(conn, merchant_id, claimed.sku, qty)  # Conflict out_of_stock rolls the claim back
            line = OrderLine(sku=claimed.sku, qty=qty, unit_price=claimed.price)
            order = Order(id=order_id, customer_id=customer_id, placed_on=now.date(), status=OrderStatus.PENDING,
                          shipping_method="standard", country=country.upper(), lines=(line,),
                          subtotal=line.total, shipping=Decimal("0.00"), total=line.total,
                          currency_paid=currency_paid, note=f"flash sale {sale_id}")
            await conn.execute(orders.insert().values(
                merchant_id=merchant_id, created_at=now, updated_at=now, **order_values(order)))
            await conn.execute(
                order_lines.insert(), line_values(merchant_id, order_id, (line,)))
            return order, await _load(conn, merchant_id, sale_id)
