"""Products and stock. Stock only moves through conditional UPDATEs, so it can never go below zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, Conflict, NotFound
from souk.domain.models import Product
from souk.storage.repos.base import Repo, require_text, upsert
from souk.storage.schema import products

MAX_STOCK_MOVE = 1_000_000


def product_record(row: Any) -> Product:
    return Product(sku=row.sku, category=row.category, price=row.price, weight_kg=float(row.weight_kg),
                   names=dict(row.names), description=row.description, attributes=dict(row.attributes),
                   stock=int(row.stock), restock_date=row.restock_date)


def product_values(p: Product) -> dict[str, Any]:
    require_text(p.sku, "sku", max_len=64)
    require_text(p.category, "category", max_len=64)
    if p.price < 0:
        raise BadRequest(f"price of {p.sku} cannot be negative", code="bad_value")
    if p.stock < 0:
        raise BadRequest(f"stock of {p.sku} cannot be negative", code="bad_value")
    return {"sku": p.sku, "category": p.category, "price": Decimal(p.price), "weight_kg": float(p.weight_kg),
            "names": dict(p.names), "description": p.description, "attributes": dict(p.attributes),
            "stock": int(p.stock), "restock_date": p.restock_date}


def check_qty(qty: int) -> int:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= MAX_STOCK_MOVE:
        raise BadRequest(f"quantity must be 1..{MAX_STOCK_MOVE}, got {qty!r}", code="bad_quantity")
    return qty


async def take_stock(conn: AsyncConnection, merchant_id: str, sku: str, qty: int) -> tuple[int, Decimal]:
    """Take ``qty`` units in the caller's transaction; returns (stock left, unit price)."""
    row = (await conn.execute(
        products.update()
        .where(products.c.merchant_id == merchant_id, products.c.sku == sku, products.c.stock >= qty)
        .values(stock=products.c.stock - qty)
        .returning(products.c.stock, products.c.price)
    )).first()
    if row is not None:
        return int(row.stock), row.price
    available = await conn.scalar(sa.select(products.c.stock).where(
        products.c.merchant_id == merchant_id, products.c.sku == sku))
    if available is None:
        raise NotFound(f"product {sku!r} not found", code="product_not_found", details={"sku": sku})
    raise Conflict(f"not enough stock for {sku}: {available} left, {qty} requested", code="out_of_stock",
                   details={"sku": sku, "available": int(available), "requested": qty})


async def put_back_stock(conn: AsyncConnection, merchant_id: str, sku: str, qty: int) -> int:
    stock = await conn.scalar(
        products.update().where(products.c.merchant_id == merchant_id, products.c.sku == sku)
        .values(stock=products.c.stock + qty).returning(products.c.stock))
    if stock is None:
        raise NotFound(f"product {sku!r} not found", code="product_not_found", details={"sku": sku})
    return int(stock)


class SqlCatalogRepo(Repo):
    async def upsert(self, merchant_id: str, product: Product) -> Product:
        values = product_values(product)
        async with self._db.write() as conn:
            await upsert(conn, products, {"merchant_id": merchant_id, **values}, keys=["merchant_id", "sku"])
        return await self.get(merchant_id, product.sku)

    async def get(self, merchant_id: str, sku: str) -> Product:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(products).where(
                products.c.merchant_id == merchant_id, products.c.sku == sku))).first()
        if row is None:
            raise NotFound(f"product {sku!r} not found", code="product_not_found", details={"sku": sku})
        return product_record(row)

    async def list(self, merchant_id: str, *, category: str | None = None) -> list[Product]:
        q = sa.select(products).where(products.c.merchant_id == merchant_id)
        if category is not None:
            q = q.where(products.c.category == category)
        async with self._db.read() as conn:
            rows = (await conn.execute(q.order_by(products.c.sku))).all()
        return [product_record(r) for r in rows]

    async def decrement_stock(self, merchant_id: str, sku: str, qty: int) -> int:
        check_qty(qty)
        async with self._db.write() as conn:
            left, _ = await take_stock(conn, merchant_id, sku, qty)
        return left

    async def restock(self, merchant_id: str, sku: str, qty: int) -> int:
        check_qty(qty)
        async with self._db.write() as conn:
            return await put_back_stock(conn, merchant_id, sku, qty)
