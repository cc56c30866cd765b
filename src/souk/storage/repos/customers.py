"""Customers of a merchant's store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from souk.core.errors import NotFound
from souk.domain.models import Customer
from souk.storage.repos.base import Repo, require_text, upsert
from souk.storage.schema import customers


def customer_record(row: Any) -> Customer:
    return Customer(id=row.id, name=row.name, email=row.email, country=row.country,
                    language=row.language, vip=bool(row.vip))


def customer_values(c: Customer) -> dict[str, Any]:
    require_text(c.id, "customer id", max_len=64)
    require_text(c.name, "customer name")
    require_text(c.email, "customer email", max_len=320)
    require_text(c.country, "customer country", max_len=2)
    return {"id": c.id, "name": c.name, "email": c.email.strip().lower(), "country": c.country.upper(),
            "language": c.language or "en", "vip": bool(c.vip)}


class SqlCustomerRepo(Repo):
    async def upsert(self, merchant_id: str, customer: Customer) -> Customer:
        values = customer_values(customer)
        async with self._db.write() as conn:
            await upsert(conn, customers, {"merchant_id": merchant_id, **values}, keys=["merchant_id", "id"])
        return await self.get(merchant_id, customer.id)

    async def get(self, merchant_id: str, customer_id: str) -> Customer:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(customers).where(
                customers.c.merchant_id == merchant_id, customers.c.id == customer_id))).first()
        if row is None:
            raise NotFound(f"customer {customer_id!r} not found", code="customer_not_found")
        return customer_record(row)

    async def find_by_email(self, merchant_id: str, email: str) -> Customer | None:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(customers).where(
                customers.c.merchant_id == merchant_id, customers.c.email == email.strip().lower())
                .order_by(customers.c.id).limit(1))).first()
        return customer_record(row) if row is not None else None

    async def list(self, merchant_id: str) -> list[Customer]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(customers).where(customers.c.merchant_id == merchant_id)
                                       .order_by(customers.c.id))).all()
        return [customer_record(r) for r in rows]
