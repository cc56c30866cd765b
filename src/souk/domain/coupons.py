"""Coupons for a live room and the checkout that may redeem one (pure values, rules and the ports).

A coupon takes ``percent`` off the goods or a fixed ``amount`` (never more than the goods), needs the goods
to reach ``min_spend``, may cap its redemptions and may end at a wall-clock time. Each customer redeems a
coupon at most once. The redemption counter lives in the database and moves only in the checkout's own
transaction (souk.storage.repos.carts), so concurrent buyers can never redeem more than ``max_redemptions``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

from souk.core.errors import BadRequest, Conflict
from souk.domain.checkout import CartLine
from souk.domain.models import Order

CENT = Decimal("0.01")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
MAX_AMOUNT = Decimal(1000000)
MAX_REDEMPTIONS = 10_000_000
MAX_COUPON_SECONDS = 30 * 24 * 3600
MAX_COUPONS_PER_ROOM = 50

CouponKind = Literal["percent", "amount"]


def normalize_code(code: str) -> str:
    """Codes are case-insensitive (kept upper case); 2-32 of A-Z 0-9 _ -."""
    norm = (code or "").strip().upper()
    if not CODE_RE.match(norm):
        raise BadRequest("a coupon code is 2-32 letters, digits, '_' or '-'", code="bad_coupon",
                         details={"code": code[:40] if isinstance(code, str) else None})
    return norm


@dataclass(frozen=True, slots=True)
class CouponSpec:
    room_id: str
    code: str
    kind: CouponKind
    value: Decimal
    min_spend: Decimal = Decimal(0)
    max_redemptions: int | None = None
    duration_s: float | None = None

    def __post_init__(self) -> None:
        if not self.room_id:
            raise BadRequest("a coupon needs a room", code="bad_coupon")
        object.__setattr__(self, "code", normalize_code(self.code))
        if self.kind not in ("percent", "amount"):
            raise BadRequest(f"coupon kind must be 'percent' or 'amount', got {self.kind!r}", code="bad_coupon")
        value = Decimal(self.value)
        if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
            raise BadRequest("coupon value must be a positive amount with at most 2 decimals", code="bad_coupon")
        if self.kind == "percent" and value > 100:
            raise BadRequest("a percent coupon takes at most 100 percent off", code="bad_coupon")
        if value > MAX_AMOUNT:
            raise BadRequest(f"coupon value must be at most {MAX_AMOUNT}", code="bad_coupon")
        min_spend = Decimal(self.min_spend)
        if not min_spend.is_finite() or min_spend < 0 or min_spend > MAX_AMOUNT:
            raise BadRequest("min_spend must be a non-negative amount", code="bad_coupon")
        mr = self.max_redemptions
        if mr is not None and (not isinstance(mr, int) or isinstance(mr, bool) or not 0 < mr <= MAX_REDEMPTIONS):
            raise BadRequest(f"max_redemptions must be 1..{MAX_REDEMPTIONS}", code="bad_coupon")
        if self.duration_s is not None and not 0 < float(self.duration_s) <= MAX_COUPON_SECONDS:
            raise BadRequest(f"duration must be 1..{MAX_COUPON_SECONDS} seconds", code="bad_coupon")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "min_spend", min_spend.quantize(CENT))


@dataclass(frozen=True, slots=True)
class Coupon:
    room_id: str
    code: str
    kind: CouponKind
    value: Decimal
    min_spend: Decimal
    max_redemptions: int | None
    redeemed: int
    created_at: dt.datetime
    ends_at: dt.datetime | None
    ended: bool  # ended by the host

    @property
    def remaining(self) -> int | None:
        """Redemptions left (None: unlimited)."""
        return None if self.max_redemptions is None else self.max_redemptions - self.redeemed

    def expired(self, now: dt.datetime) -> bool:
        return self.ended or (self.ends_at is not None and now >= self.ends_at)

    def active(self, now: dt.datetime) -> bool:
        return not self.expired(now) and self.remaining != 0

    def discount(self, goods: Decimal) -> Decimal:
        """Money off ``goods`` (never more than the goods)."""
        if self.kind == "percent":
            off = (Decimal(goods) * self.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            off = self.value
        return min(off, Decimal(goods)).quantize(CENT)

    def refusal(self, now: dt.datetime, goods: Decimal | None = None) -> Conflict | None:
        """Why this coupon cannot be redeemed now (for ``goods``), or None. Already-used is the store's
        to say (it knows the customer)."""
        if self.expired(now):
            return Conflict(f"coupon {self.code} has ended", code="coupon_expired", details={"code": self.code})
        if self.remaining == 0:
            return Conflict(f"coupon {self.code} has no redemptions left", code="coupon_exhausted",
                            details={"code": self.code})
        if goods is not None and Decimal(goods) < self.min_spend:
            return Conflict(f"coupon {self.code} needs goods of at least {self.min_spend}",
                            code="coupon_min_spend",
                            details={"code": self.code, "min_spend": str(self.min_spend), "goods": str(goods)})
        return None


def coupon_invalid(code: str) -> Conflict:
    return Conflict(f"no coupon {code!r} in this live room", code="coupon_invalid", details={"code": code})


def coupon_used(code: str) -> Conflict:
    return Conflict(f"coupon {code} was already used by this customer", code="coupon_used", details={"code": code})


@dataclass(frozen=True, slots=True)
class CartCheckout:
    """What a live-room cart checkout needs; the repository reads the cart itself, in its transaction."""

    room_id: str
    identity: str  # the viewer (cart owner)
    customer_id: str
    country: str
    shipping_fee: Decimal  # charged when the goods after the discount are below free_shipping_over
    free_shipping_over: Decimal
    coupon: str | None = None
    order_id: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    order: Order
    goods: Decimal  # before the discount
    discount: Decimal
    coupon: Coupon | None  # after this redemption


CartChange = Callable[[dict[str, int]], dict[str, int]]


class CouponRepo(Protocol):
    async def create(self, merchant_id: str, spec: CouponSpec) -> Coupon: ...
    async def get(self, merchant_id: str, room_id: str, code: str) -> Coupon:
        """Conflict ``coupon_invalid`` when the room has no such coupon."""
        ...
    async def list(self, merchant_id: str, room_id: str) -> list[Coupon]: ...
    async def end(self, merchant_id: str, room_id: str, code: str) -> Coupon: ...
    async def used_by(self, merchant_id: str, room_id: str, code: str, customer_id: str) -> bool: ...

    async def running(self, merchant_id: str) -> builtins.list[Coupon]:
        """Coupons with an end time still ahead, not ended, in every room (a restart re-arms their end)."""
        ...


class CartRepo(Protocol):
    async def lines(self, merchant_id: str, room_id: str, identity: str) -> tuple[CartLine, ...]: ...

    async def update(self, merchant_id: str, room_id: str, identity: str, change: CartChange) -> tuple[CartLine, ...]:
        """Apply ``change`` to the cart ({sku: qty}) under its row lock; an empty result deletes the cart."""
        ...

    async def clear(self, merchant_id: str, room_id: str, identity: str) -> None: ...

    async def checkout(self, merchant_id: str, co: CartCheckout) -> CheckoutResult:
        """Cart -> order in ONE transaction: read the cart, redeem the coupon (if any), take the stock, write the
        order and the redemption, delete the cart. Any refusal rolls all of it back; the cart is kept."""
        ...
