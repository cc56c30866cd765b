"""Shared data for the storage contract suite (the `storage` fixture lives in tests/fixtures/postgres.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from souk.domain.models import Customer, Merchant, Product
from souk.storage import Storage

A, B = "shop-a", "shop-b"


def merchant(mid: str) -> Merchant:
    return Merchant(id=mid, name=f"Shop {mid}", ships_from="Shenzhen, CN", currency="USD",
                    languages=("en", "es"), timezone="Asia/Shanghai")


def product(sku: str, stock: int = 10, price: str = "10.00", category: str = "apparel") -> Product:
    return Product(sku=sku, category=category, price=Decimal(price), weight_kg=0.5,
                   names={"en": f"Item {sku}", "es": f"Artículo {sku}"}, description="d",
                   attributes={"sizes": ["S", "M"]}, stock=stock)


def customer(cid: str, email: str | None = None) -> Customer:
    return Customer(id=cid, name=f"Customer {cid}", email=email or f"{cid.lower()}@example.com", country="US",
                    language="en")


@pytest.fixture
async def two_shops(storage: Storage) -> Storage:
    """Merchants A and B with the SAME sku and customer ids, so any missing tenant filter shows."""
    for mid, stock in ((A, 5), (B, 7)):
        await storage.merchants.create(merchant(mid))
        await storage.catalog.upsert(mid, product("SKU-1", stock=stock, price="10.00" if mid == A else "20.00"))
        await storage.customers.upsert(mid, customer("C-1"))
    return storage
