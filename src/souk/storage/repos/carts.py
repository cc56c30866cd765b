"""Live-room carts in the database: one row per (merchant, room, viewer identity) holding {sku: qty}.

Every change runs under the cart's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are
serialized by BEGIN IMMEDIATE), so two tabs or two Souk nodes changing one cart never lose an update.
Bounded: past ``max_carts`` carts of a merchant the longest-idle ones are dropped when a new cart starts.
Checkout turns the cart into an order in ONE transaction (see ``checkout``)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.clock import Clock
from souk.core.errors import Conflict, NotFound
from souk.core.ids import new_id
from souk.domain.checkout import CartLine
from souk.domain.coupons import CartChange, CartCheckout, CheckoutResult, Coupon, coupon_used
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.pricing import cart_totals
from souk.storage.db import Database
from souk.storage.repos.base import Repo, require_text
from souk.storage.repos.catalog import take_stock
from souk.storage.repos.coupons import claim, load_coupon, lookup_code, record_redemption, used
from souk.storage.repos.merchants import merchant_currency
from souk.storage.repos.orders import line_values, order_values
from souk.storage.schema import customers, live_carts, order_lines, orders

log = logging.getLogger(__name__)

MAX_CARTS = 50_000  # per merchant; the longest-idle cart goes first


def _key(merchant_id: str, room_id: str, identity: str) -> tuple[Any, ...]:
    return (live_carts.c.merchant_id == merchant_id, live_carts.c.room_id == room_id,
            live_carts.c.identity == identity)


def _as_cart(doc: Any) -> dict[str, int]:
    """The stored document is a list of [sku, qty] pairs: a list keeps the order lines were added in
    (PostgreSQL's JSONB does not keep object key order)."""
    return {str(sku): int(qty) for sku, qty in (doc or [])}


def _as_doc(cart: dict[str, int]) -> list[list[Any]]:
    return [[sku, qty] for sku, qty in cart.items()]


def _as_lines(cart: dict[str, int]) -> tuple[CartLine, ...]:
    return tuple(CartLine(sku, qty) for sku, qty in cart.items())


async def _locked(conn: AsyncConnection, merchant_id: str, room_id: str, identity: str) -> dict[str, int] | None:
    row = (await conn.execute(sa.select(live_carts.c.lines).where(*_key(merchant_id, room_id, identity))
                              .with_for_update())).first()
    return None if row is None else _as_cart(row.lines)


class SqlCartRepo(Repo):
    def __init__(self, db: Database, clock: Clock, *, max_carts: int = MAX_CARTS) -> None:
        super().__init__(db, clock)
        self._max_carts = max_carts

    async def lines(self, merchant_id: str, room_id: str, identity: str) -> tuple[CartLine, ...]:
        async with self._db.read() as conn:
            doc = await conn.scalar(sa.select(live_carts.c.lines).where(*_key(merchant_id, room_id, identity)))
        return _as_lines(_as_cart(doc))

    async def update(self, merchant_id: str, room_id: str, identity: str, change: CartChange) -> tuple[CartLine, ...]:
        require_text(room_id, "room id", max_len=128)
        require_text(identity, "identity", max_len=128)
        now = self._now()
        async with self._db.write() as conn:
            cart = await _locked(conn, merchant_id, room_id, identity)
            new = cart is None
            after = change(dict(cart or {}))  # raises (cart_full...) before anything is written
            if not after:
                if not new:
                    await conn.execute(live_carts.delete().where(*_key(merchant_id, room_id, identity)))
                return ()
            if new:
                insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                created = await conn.execute(insert(live_carts).values(
                    merchant_id=merchant_id, room_id=room_id, identity=identity, lines=[], updated_at=now)
                    .on_conflict_do_nothing())
                if created.rowcount == 0:  # another node created it a moment ago: lock it and start again
                    cart = await _locked(conn, merchant_id, room_id, identity)
                    after = change(dict(cart or {}))
                else:
                    await self._evict(conn, merchant_id)
            await conn.execute(live_carts.update().where(*_key(merchant_id, room_id, identity))
                               .values(lines=_as_doc(after), updated_at=now))
        return _as_lines(after)

    async def _evict(self, conn: AsyncConnection, merchant_id: str) -> None:
        count = int(await conn.scalar(sa.select(sa.func.count()).select_from(live_carts)
                                      .where(live_carts.c.merchant_id == merchant_id)) or 0)
        excess = count - self._max_carts
        if excess <= 0:
            return
        oldest = (await conn.execute(
            sa.select(live_carts.c.room_id, live_carts.c.identity).where(live_carts.c.merchant_id == merchant_id)
            .order_by(live_carts.c.updated_at, live_carts.c.room_id, live_carts.c.identity).limit(excess))).all()
        for row in oldest:
            await conn.execute(live_carts.delete().where(*_key(merchant_id, row.room_id, row.identity)))
        log.info("merchant %s: %d idle live carts dropped (limit %d)", merchant_id, len(oldest), self._max_carts)

    async def clear(self, merchant_id: str, room_id: str, identity: str) -> None:
        async with self._db.write() as conn:
            await conn.execute(live_carts.delete().where(*_key(merchant_id, room_id, identity)))

    async def checkout(self, merchant_id: str, co: CartCheckout) -> CheckoutResult:
        order_id = co.order_id or new_id("ord")
        require_text(order_id, "order id", max_len=64)
        require_text(co.country, "country", max_len=2)
        code = lookup_code(co.coupon) if co.coupon else None
        now = self._now()
        async with self._db.write() as conn:
            if await conn.scalar(sa.select(customers.c.id).where(
                    customers.c.merchant_id == merchant_id, customers.c.id == co.customer_id)) is None:
                raise NotFound(f"customer {co.customer_id!r} not found", code="customer_not_found")
            if await conn.scalar(sa.select(orders.c.id).where(
                    orders.c.merchant_id == merchant_id, orders.c.id == order_id)) is not None:
                raise Conflict(f"order {order_id!r} already exists", code="order_exists")
            cart = await _locked(conn, merchant_id, co.room_id, co.identity)
            if not cart:
                raise Conflict("the cart is empty", code="cart_empty")
            coupon: Coupon | None = None
            if code is not None:
                await load_coupon(conn, merchant_id, co.room_id, code)  # coupon_invalid first
                if await used(conn, merchant_id, co.room_id, code, co.customer_id):
                    raise coupon_used(code)
                coupon = await claim(conn, merchant_id, co.room_id, code, now)  # row lock held to commit
                if await used(conn, merchant_id, co.room_id, code, co.customer_id):  # a racing own checkout
                    raise coupon_used(code)
            # Stock row locks in a fixed (sku) order, as orders.create does.
            priced: dict[str, Decimal] = {}
            for sku in sorted(cart):
                _, priced[sku] = await take_stock(conn, merchant_id, sku, cart[sku])
            lines = tuple(OrderLine(sku=sku, qty=qty, unit_price=priced[sku]) for sku, qty in cart.items())
            totals = cart_totals(lines, coupon=coupon, shipping_fee=co.shipping_fee,
                                 free_shipping_over=co.free_shipping_over)
            note = co.note
            if coupon is not None:
                note = f"{note or ''}; coupon {coupon.code} -{totals.discount}".lstrip("; ")
            order = Order(id=order_id, customer_id=co.customer_id, placed_on=now.date(),
                          status=OrderStatus.PENDING, shipping_method="standard", country=co.country.upper(),
                          lines=lines, subtotal=totals.goods, shipping=totals.shipping, total=totals.total,
                          currency_paid=await merchant_currency(conn, merchant_id), note=note)
            await conn.execute(orders.insert().values(
                merchant_id=merchant_id, created_at=now, updated_at=now, **order_values(order)))
            await conn.execute(order_lines.insert(), line_values(merchant_id, order_id, lines))
            if coupon is not None:
                await record_redemption(conn, merchant_id, coupon, customer_id=co.customer_id, order_id=order_id,
                                        discount=totals.discount, now=now)
            await conn.execute(live_carts.delete().where(*_key(merchant_id, co.room_id, co.identity)))
        return CheckoutResult(order=order, goods=totals.goods, discount=totals.discount, coupon=coupon)
