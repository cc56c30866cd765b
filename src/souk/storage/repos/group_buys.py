"""Group buys. An offer's counters move only through one conditional UPDATE
(``units + qty <= cap AND NOT ended AND ends_at > now``), in the same transaction that takes the catalog
stock, writes the buyer's order at the price of the tier the join reaches, records the join and, when the
join unlocks a tier, reprices the offer's other pending orders: no join can take a unit past the cap, a
refused or failed join leaves every counter and order untouched, and no two buyers of one offer ever pay
different prices once both orders are written.

A join's order id is its idempotency key (the ``group_buy_joins`` primary key): a retried join answers with
the first order. The unique (offer, customer) makes a second join by the same buyer ``already_joined``.
PostgreSQL: the UPDATE holds the offer's row lock until commit, so joins of one offer are serialized and
each statement after it sees what the previous join committed. SQLite: writers are serialized anyway."""

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
from souk.domain.group_buys import (
    CENT,
    GroupBuy,
    GroupBuySpec,
    Joined,
    Tier,
    already_joined,
    check_qty,
    refusal,
    tier_index,
)
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.pins import not_pinned
from souk.domain.pricing import sale_totals
from souk.storage.repos.base import Repo, in_room, require_text, still_running
from souk.storage.repos.catalog import take_stock
from souk.storage.repos.merchants import merchant_currency
from souk.storage.repos.orders import line_values, load_orders, order_values
from souk.storage.schema import (
    customers,
    group_buy_joins,
    group_buys,
    live_pins,
    order_lines,
    orders,
    products,
)

log = logging.getLogger(__name__)
PENDING = OrderStatus.PENDING.value


def _tiers(doc: Any) -> tuple[Tier, ...]:
    return tuple(Tier(int(n), Decimal(str(p)).quantize(CENT)) for n, p in doc)


def _record(row: Any) -> GroupBuy:
    return GroupBuy(id=row.id, room_id=row.room_id, sku=row.sku, tiers=_tiers(row.tiers), cap=int(row.cap),
                    max_qty=int(row.max_qty), buyers=int(row.buyers), units=int(row.units),
                    starts_at=row.starts_at, ends_at=row.ends_at, ended=bool(row.ended))


def _where(merchant_id: str, offer_id: str) -> tuple[Any, ...]:
    return (group_buys.c.merchant_id == merchant_id, group_buys.c.id == offer_id)


async def _load(conn: AsyncConnection, merchant_id: str, offer_id: str) -> GroupBuy:
    row = (await conn.execute(sa.select(group_buys).where(*_where(merchant_id, offer_id)))).first()
    if row is None:
        raise NotFound(f"group buy {offer_id!r} not found", code="group_buy_not_found",
                       details={"offer_id": offer_id})
    return _record(row)


async def _joined(conn: AsyncConnection, merchant_id: str, offer_id: str, customer_id: str) -> str | None:
    found = await conn.scalar(sa.select(group_buy_joins.c.order_id).where(
        group_buy_joins.c.merchant_id == merchant_id, group_buy_joins.c.offer_id == offer_id,
        group_buy_joins.c.customer_id == customer_id))
    return None if found is None else str(found)


class SqlGroupBuyRepo(Repo):
    async def create(self, merchant_id: str, spec: GroupBuySpec, *, offer_id: str | None = None) -> GroupBuy:
        offer_id = offer_id or new_id("gb")
        require_text(offer_id, "group buy id", max_len=64)
        require_text(spec.room_id, "room id", max_len=128)
        now = self._now()
        async with self._db.write() as conn:
            known = await conn.scalar(sa.select(products.c.sku).where(
                products.c.merchant_id == merchant_id, products.c.sku == spec.sku))
            if known is None:
                raise NotFound(f"product {spec.sku!r} not found", code="product_not_found",
                               details={"sku": spec.sku})
            await conn.execute(group_buys.insert().values(
                merchant_id=merchant_id, id=offer_id, room_id=spec.room_id, sku=spec.sku,
                tiers=[[t.min_buyers, str(Decimal(t.price).quantize(CENT))] for t in spec.tiers], cap=spec.cap,
                max_qty=spec.max_qty, buyers=0, units=0, starts_at=now,
                ends_at=now + dt.timedelta(seconds=float(spec.duration_s)), ended=False))
            return await _load(conn, merchant_id, offer_id)

    async def get(self, merchant_id: str, offer_id: str) -> GroupBuy:
        async with self._db.read() as conn:
            return await _load(conn, merchant_id, offer_id)

    async def list(self, merchant_id: str, room_id: str) -> builtins.list[GroupBuy]:
        async with self._db.read() as conn:
            rows = (await conn.execute(in_room(group_buys, merchant_id, room_id))).all()
        return [_record(r) for r in rows]

    async def running(self, merchant_id: str) -> builtins.list[GroupBuy]:
        async with self._db.read() as conn:
            rows = (await conn.execute(still_running(group_buys, merchant_id, self._now()))).all()
        return [_record(r) for r in rows]

    async def end(self, merchant_id: str, offer_id: str) -> GroupBuy:
        async with self._db.write() as conn:
            await conn.execute(group_buys.update().where(*_where(merchant_id, offer_id)).values(ended=True))
            return await _load(conn, merchant_id, offer_id)

    async def joined(self, merchant_id: str, offer_id: str, customer_id: str) -> str | None:
        async with self._db.read() as conn:
            return await _joined(conn, merchant_id, offer_id, customer_id)

    async def join(self, merchant_id: str, offer_id: str, *, customer_id: str, qty: int, country: str,
                   order_id: str | None = None, require_pinned: bool = False) -> Joined:
        order_id = order_id or new_id("ord")
        require_text(order_id, "order id", max_len=64)
        require_text(country, "country", max_len=2)
        ask = _Join(offer_id=offer_id, customer_id=customer_id, qty=qty, order_id=order_id)
        try:
            return await self._join(merchant_id, ask, country=country, require_pinned=require_pinned)
        except _Replay:
            pass  # a twin with this order id committed while this one waited: its claim was rolled back
        except Conflict as exc:
            if exc.code != "duplicate":
                raise
            # a unique key refused the write: a twin with this order id, or the buyer's other join, won
        async with self._db.read() as conn:
            first = await _replay(conn, merchant_id, ask)
            if first is None and await _joined(conn, merchant_id, offer_id, customer_id) is not None:
                raise already_joined(offer_id, customer_id)
        if first is None:
            raise Conflict(f"order {order_id!r} already exists", code="order_exists", details={"order_id": order_id})
        return first

    async def _join(self, merchant_id: str, ask: _Join, *, country: str, require_pinned: bool) -> Joined:
        offer_id, qty = ask.offer_id, ask.qty
        now = self._now()
        async with self._db.write() as conn:
            if await conn.scalar(sa.select(customers.c.id).where(
                    customers.c.merchant_id == merchant_id, customers.c.id == ask.customer_id)) is None:
                raise NotFound(f"customer {ask.customer_id!r} not found", code="customer_not_found")
            first = await _replay(conn, merchant_id, ask)
            if first is not None:
                return first  # a retry: the first result, whatever the offer's state now
            offer = await _load(conn, merchant_id, offer_id)
            check_qty(offer, qty)
            if require_pinned:
                pins = await conn.scalar(sa.select(live_pins.c.skus).where(
                    live_pins.c.merchant_id == merchant_id, live_pins.c.room_id == offer.room_id))
                if offer.sku not in (pins or []):
                    raise not_pinned(offer.sku)
            if await _joined(conn, merchant_id, offer_id, ask.customer_id) is not None:
                raise already_joined(offer_id, ask.customer_id)
            claimed = (await conn.execute(
                group_buys.update()
                .where(*_where(merchant_id, offer_id), group_buys.c.units + qty <= group_buys.c.cap,
                       group_buys.c.ended.is_(False), group_buys.c.ends_at > now)
                .values(buyers=group_buys.c.buyers + 1, units=group_buys.c.units + qty)
                .returning(group_buys.c.buyers))).first()
            if claimed is None:
                first = await _replay(conn, merchant_id, ask)
                if first is not None:
                    return first
                raise refusal(await _load(conn, merchant_id, offer_id), now, qty) or Conflict(
                    "this group buy cannot be joined now", code="group_buy_ended", details={"offer_id": offer_id})
            # PostgreSQL: the UPDATE waited for the row lock of any join committing before it; these
            # statements see what that join committed (a twin of this one, or this buyer's other join).
            if await _replay(conn, merchant_id, ask) is not None:
                raise _Replay  # roll this claim back; join() answers with the twin's order
            if await _joined(conn, merchant_id, offer_id, ask.customer_id) is not None:
                raise already_joined(offer_id, ask.customer_id)
            await take_stock(conn, merchant_id, offer.sku, qty)  # Conflict out_of_stock rolls the claim back
            buyers = int(claimed.buyers)
            level = tier_index(offer.tiers, buyers)
            price = offer.tiers[level].price
            line = OrderLine(sku=offer.sku, qty=qty, unit_price=price)
            totals = sale_totals(line)
            order = Order(id=ask.order_id, customer_id=ask.customer_id, placed_on=now.date(),
                          status=OrderStatus.PENDING, shipping_method="standard", country=country.upper(),
                          lines=(line,), subtotal=totals.goods, shipping=totals.shipping, total=totals.total,
                          currency_paid=await merchant_currency(conn, merchant_id), note=f"group buy {offer_id}")
            await conn.execute(orders.insert().values(
                merchant_id=merchant_id, created_at=now, updated_at=now, **order_values(order)))
            await conn.execute(order_lines.insert(), line_values(merchant_id, ask.order_id, (line,)))
            await conn.execute(group_buy_joins.insert().values(
                merchant_id=merchant_id, order_id=ask.order_id, offer_id=offer_id, customer_id=ask.customer_id,
                qty=qty, joined_at=now))
            unlocked = level > tier_index(offer.tiers, buyers - 1)
            repriced = await _reprice(conn, merchant_id, offer_id, price, now, but=ask.order_id) if unlocked else ()
            if unlocked:
                log.info("group buy %s: buyer %d unlocked tier %d (%s); %d pending orders repriced", offer_id,
                         buyers, level, price, len(repriced))
            return Joined(order=order, offer=await _load(conn, merchant_id, offer_id), unlocked=unlocked,
                          repriced=repriced)


async def _reprice(conn: AsyncConnection, merchant_id: str, offer_id: str, price: Decimal,
                   now: dt.datetime, *, but: str) -> tuple[str, ...]:
    """Every pending order of the offer at ``price`` a unit; one pair of set-based UPDATEs per quantity
    (at most MAX_QTY of them). Orders no longer pending (cancelled, paid and processing) keep their price.
    Returns the ids of the orders repriced, but ``but`` (the newest join's order, written at ``price``)."""
    joins = group_buy_joins.c
    changed: list[str] = []
    quantities = (await conn.execute(sa.select(joins.qty).distinct().where(
        joins.merchant_id == merchant_id, joins.offer_id == offer_id))).scalars().all()
    for qty in quantities:
        ids = sa.select(joins.order_id).where(joins.merchant_id == merchant_id, joins.offer_id == offer_id,
                                              joins.qty == qty).scalar_subquery()
        amount = (price * int(qty)).quantize(CENT)
        done = await conn.execute(orders.update().where(
            orders.c.merchant_id == merchant_id, orders.c.status == PENDING, orders.c.id.in_(ids))
            .values(subtotal=amount, total=orders.c.shipping + sa.bindparam("amount", amount, type_=orders.c.subtotal.type),
                    updated_at=now).returning(orders.c.id))
        changed.extend(str(r.id) for r in done)
        pending = sa.select(orders.c.id).where(orders.c.merchant_id == merchant_id, orders.c.status == PENDING,
                                               orders.c.id.in_(ids)).scalar_subquery()
        await conn.execute(order_lines.update().where(
            order_lines.c.merchant_id == merchant_id, order_lines.c.order_id.in_(pending)).values(unit_price=price))
    return tuple(sorted(i for i in changed if i != but))


@dataclass(frozen=True, slots=True)
class _Join:
    """What a join asks for; its order id is the idempotency key."""

    offer_id: str
    customer_id: str
    qty: int
    order_id: str


class _Replay(Exception):
    """Inside the join's transaction: a twin join with the same order id committed first; roll back."""


async def _replay(conn: AsyncConnection, merchant_id: str, ask: _Join) -> Joined | None:
    """The first result of a join with ``ask.order_id`` (its order as it is now, the offer now); None if
    there is no such order. The order id naming another order is 409 ``order_exists``."""
    prior = (await conn.execute(sa.select(group_buy_joins).where(
        group_buy_joins.c.merchant_id == merchant_id, group_buy_joins.c.order_id == ask.order_id))).first()
    if prior is None:
        taken = await conn.scalar(sa.select(orders.c.id).where(
            orders.c.merchant_id == merchant_id, orders.c.id == ask.order_id))
        if taken is None:
            return None
    elif (prior.offer_id, prior.customer_id, int(prior.qty)) == (ask.offer_id, ask.customer_id, ask.qty):
        found = await load_orders(conn, merchant_id, orders.c.id == ask.order_id)
        if found:
            log.info("group buy %s: order %s retried; answering with the first result", ask.offer_id, ask.order_id)
            return Joined(order=found[0], offer=await _load(conn, merchant_id, ask.offer_id), unlocked=False)
    raise Conflict(f"order {ask.order_id!r} already exists and is not this join", code="order_exists",
                   details={"order_id": ask.order_id})
