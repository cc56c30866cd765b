"""Group buys: an offer of one product in a room whose unit price drops in tiers as more buyers join.

The rule a seller expects ("the price drops for everyone as more join"): every buyer of the offer pays the
price of the highest tier unlocked. A tier unlocks when the offer's number of buyers reaches its
``min_buyers``; storage reprices the orders of the offer that are still pending in the transaction of the
join that unlocked it, so an order always shows what its buyer will pay, and the price at the end is the
final tier's. The first tier is the price of the first buyer (``min_buyers`` 1); tiers rise in buyers and
fall in price. ``cap`` is the number of units the offer may sell (a stock cap); a buyer joins once, with
1..``max_qty`` units. The offer's counters (buyers, units) live in the database
(souk.storage.repos.group_buys) and move only through one conditional UPDATE, as flash sales' do.
"""

from __future__ import annotations

import builtins
import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from souk.core.errors import BadRequest, Conflict
from souk.domain.models import Order

MAX_TIERS = 10
MAX_CAP = 1_000_000
MAX_QTY = 20
MAX_SECONDS = 7 * 24 * 3600
CENT = Decimal("0.01")


def _bad(message: str, **details: object) -> BadRequest:
    return BadRequest(message, code="bad_group_buy", details=details or None)


@dataclass(frozen=True, slots=True)
class Tier:
    min_buyers: int
    price: Decimal


def check_tiers(tiers: tuple[Tier, ...], cap: int) -> None:
    """400 ``bad_group_buy`` unless: 1..MAX_TIERS tiers, the first at 1 buyer, buyers strictly rising, prices
    strictly falling, non-negative with at most cents, and every tier reachable within ``cap`` units."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise _bad(f"a group buy has 1..{MAX_TIERS} tiers, got {len(tiers)}", field="tiers")
    for i, t in enumerate(tiers):
        if not isinstance(t.min_buyers, int) or isinstance(t.min_buyers, bool) or t.min_buyers < 1:
            raise _bad(f"tier {i}: min_buyers must be a positive integer", field=f"tiers[{i}].min_buyers")
        price = Decimal(t.price)
        if not price.is_finite() or price < 0 or price != price.quantize(CENT):
            raise _bad(f"tier {i}: price must be a non-negative amount in cents", field=f"tiers[{i}].price")
    if tiers[0].min_buyers != 1:
        raise _bad("the first tier is the price of the first buyer: its min_buyers must be 1",
                   field="tiers[0].min_buyers")
    for i, (a, b) in enumerate(itertools.pairwise(tiers), start=1):
        if b.min_buyers <= a.min_buyers:
            raise _bad(f"tier {i}: min_buyers must be above the previous tier's", field=f"tiers[{i}].min_buyers")
        if Decimal(b.price) >= Decimal(a.price):
            raise _bad(f"tier {i}: price must be below the previous tier's", field=f"tiers[{i}].price")
    if tiers[-1].min_buyers > cap:
        raise _bad(f"the last tier needs {tiers[-1].min_buyers} buyers but the offer caps at {cap} units: "
                   "it could never unlock", field="cap")


def tier_index(tiers: tuple[Tier, ...], buyers: int) -> int:
    """The index of the highest tier unlocked by ``buyers`` (0 when nobody joined yet: the first tier's
    price is what the first buyer pays)."""
    index = 0
    for i, t in enumerate(tiers):
        if buyers >= t.min_buyers:
            index = i
    return index


@dataclass(frozen=True, slots=True)
class GroupBuySpec:
    room_id: str
    sku: str
    tiers: tuple[Tier, ...]
    cap: int
    duration_s: float
    max_qty: int = 1  # units one buyer may take

    def __post_init__(self) -> None:
        if not self.room_id or not self.sku:
            raise _bad("a group buy needs a room and a sku")
        for name, value, top in (("cap", self.cap, MAX_CAP), ("max_qty", self.max_qty, MAX_QTY)):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= top:
                raise _bad(f"{name} must be 1..{top}, got {value!r}", field=name)
        if not 0 < float(self.duration_s) <= MAX_SECONDS:
            raise _bad(f"duration must be 1..{MAX_SECONDS} seconds", field="duration_s")
        check_tiers(self.tiers, self.cap)


@dataclass(frozen=True, slots=True)
class GroupBuy:
    id: str
    room_id: str
    sku: str
    tiers: tuple[Tier, ...]
    cap: int
    max_qty: int
    buyers: int
    units: int  # units taken by the buyers
    starts_at: dt.datetime
    ends_at: dt.datetime
    ended: bool  # ended early by the host

    @property
    def tier(self) -> int:
        return tier_index(self.tiers, self.buyers)

    @property
    def price(self) -> Decimal:
        """What every buyer pays now (and at the end, unless more join)."""
        return self.tiers[self.tier].price

    @property
    def next_tier(self) -> Tier | None:
        return self.tiers[self.tier + 1] if self.tier + 1 < len(self.tiers) else None

    @property
    def remaining(self) -> int:
        return self.cap - self.units

    def active(self, now: dt.datetime) -> bool:
        return not self.ended and now < self.ends_at and self.units < self.cap

    def seconds_left(self, now: dt.datetime) -> float:
        return 0.0 if self.ended else max(0.0, (self.ends_at - now).total_seconds())


def refusal(offer: GroupBuy, now: dt.datetime, qty: int) -> Conflict | None:
    """Why a join of ``qty`` units is refused now, if it is: ``group_buy_ended``, ``group_buy_full``."""
    if offer.ended or now >= offer.ends_at:
        return Conflict("this group buy has ended", code="group_buy_ended", details={"offer_id": offer.id})
    if offer.units + qty > offer.cap:
        return Conflict(f"this group buy is full: {offer.remaining} units left, {qty} requested",
                        code="group_buy_full",
                        details={"offer_id": offer.id, "available": offer.remaining, "requested": qty})
    return None


def check_qty(offer: GroupBuy, qty: int) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= offer.max_qty:
        raise BadRequest(f"a buyer takes 1..{offer.max_qty} units of this group buy, got {qty!r}",
                         code="bad_group_buy", details={"field": "qty", "max": offer.max_qty})


def already_joined(offer_id: str, customer_id: str) -> Conflict:
    return Conflict(f"{customer_id} already joined this group buy", code="already_joined",
                    details={"offer_id": offer_id})


@dataclass(frozen=True, slots=True)
class Joined:
    """A join's result: the buyer's order (at the price now), the offer after it, and whether it unlocked a
    tier (then ``repriced`` names the other buyers' pending orders moved to the new price)."""

    order: Order
    offer: GroupBuy
    unlocked: bool
    repriced: tuple[str, ...] = ()


class GroupBuyRepo(Protocol):
    async def create(self, merchant_id: str, spec: GroupBuySpec, *, offer_id: str | None = None) -> GroupBuy: ...
    async def get(self, merchant_id: str, offer_id: str) -> GroupBuy: ...
    async def list(self, merchant_id: str, room_id: str) -> builtins.list[GroupBuy]: ...
    async def end(self, merchant_id: str, offer_id: str) -> GroupBuy: ...

    async def running(self, merchant_id: str) -> builtins.list[GroupBuy]:
        """Offers neither ended nor past their end time, in every room of the merchant."""
        ...

    async def joined(self, merchant_id: str, offer_id: str, customer_id: str) -> str | None:
        """The order id of ``customer_id``'s join of the offer, None if they have not joined."""
        ...

    async def join(self, merchant_id: str, offer_id: str, *, customer_id: str, qty: int, country: str,
                   order_id: str | None = None, require_pinned: bool = False) -> Joined:
        """Join: one transaction moves the offer's counters (never past ``cap``, never after the end), takes the
        catalog stock, writes the buyer's order at the tier price the join reaches and reprices the offer's
        pending orders when it unlocks a tier. Conflicts: ``group_buy_ended``, ``group_buy_full``,
        ``already_joined``, ``out_of_stock``, ``not_pinned``, ``order_exists``. ``order_id`` is the
        idempotency key: a retry answers with the first order."""
        ...
