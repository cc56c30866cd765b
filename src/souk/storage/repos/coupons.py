"""Coupons of a live room. The redemption counter moves only through ``claim`` (one conditional UPDATE:
not ended, not past ends_at, below max_redemptions) inside the checkout's transaction (repos/carts.py);
the ``coupon_redemptions`` primary key makes a coupon single-use per customer."""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, Conflict, TooLarge
from souk.domain.coupons import MAX_COUPONS_PER_ROOM, Coupon, CouponSpec, coupon_invalid, normalize_code
from souk.storage.repos.base import Repo, require_text
from souk.storage.schema import coupon_redemptions, coupons


def _record(row: Any) -> Coupon:
    return Coupon(room_id=row.room_id, code=row.code, kind=row.kind, value=row.value, min_spend=row.min_spend,
                  max_redemptions=None if row.max_redemptions is None else int(row.max_redemptions),
                  redeemed=int(row.redeemed), created_at=row.created_at, ends_at=row.ends_at,
                  ended=bool(row.ended))


def _where(merchant_id: str, room_id: str, code: str) -> tuple[Any, ...]:
    return (coupons.c.merchant_id == merchant_id, coupons.c.room_id == room_id, coupons.c.code == code)


def lookup_code(code: str) -> str:
    """A code as typed by a viewer: malformed codes are simply not coupons of this room."""
    try:
        return normalize_code(code)
    except BadRequest:
        raise coupon_invalid(str(code)[:40]) from None


async def load_coupon(conn: AsyncConnection, merchant_id: str, room_id: str, code: str) -> Coupon:
    row = (await conn.execute(sa.select(coupons).where(*_where(merchant_id, room_id, code)))).first()
    if row is None:
        raise coupon_invalid(code)
    return _record(row)


async def used(conn: AsyncConnection, merchant_id: str, room_id: str, code: str, customer_id: str) -> bool:
    return await conn.scalar(sa.select(coupon_redemptions.c.order_id).where(
        coupon_redemptions.c.merchant_id == merchant_id, coupon_redemptions.c.room_id == room_id,
        coupon_redemptions.c.code == code, coupon_redemptions.c.customer_id == customer_id)) is not None


async def claim(conn: AsyncConnection, merchant_id: str, room_id: str, code: str, now: dt.datetime) -> Coupon:
    """Take one redemption in the caller's transaction (row-locked until it ends), or raise
    ``coupon_invalid`` / ``coupon_expired`` / ``coupon_exhausted``. Returns the coupon after the claim."""
    row = (await conn.execute(
        coupons.update()
        .where(*_where(merchant_id, room_id, code), coupons.c.ended.is_(False),
               sa.or_(coupons.c.ends_at.is_(None), coupons.c.ends_at > now),
               sa.or_(coupons.c.max_redemptions.is_(None), coupons.c.redeemed < coupons.c.max_redemptions))
        .values(redeemed=coupons.c.redeemed + 1)
        .returning(*coupons.c))).first()
    if row is not None:
        return _record(row)
    coupon = await load_coupon(conn, merchant_id, room_id, code)
    raise coupon.refusal(now) or Conflict(f"coupon {code} has no redemptions left", code="coupon_exhausted",
                                          details={"code": code})


async def record_redemption(conn: AsyncConnection, merchant_id: str, coupon: Coupon, *, customer_id: str,
                            order_id: str, discount: Any, now: dt.datetime) -> None:
    await conn.execute(coupon_redemptions.insert().values(
        merchant_id=merchant_id, room_id=coupon.room_id, code=coupon.code, customer_id=customer_id,
        order_id=order_id, discount=discount, redeemed_at=now))


class SqlCouponRepo(Repo):
    async def create(self, merchant_id: str, spec: CouponSpec) -> Coupon:
        require_text(spec.room_id, "room id", max_len=128)
        now = self._now()
        ends_at = None if spec.duration_s is None else now + dt.timedelta(seconds=float(spec.duration_s))
        async with self._db.write() as conn:
            if await conn.scalar(sa.select(coupons.c.code).where(
                    *_where(merchant_id, spec.room_id, spec.code))) is not None:
                raise Conflict(f"coupon {spec.code} already exists in this live room", code="coupon_exists",
                               details={"code": spec.code})
            count = await conn.scalar(sa.select(sa.func.count()).select_from(coupons).where(
                coupons.c.merchant_id == merchant_id, coupons.c.room_id == spec.room_id))
            if int(count or 0) >= MAX_COUPONS_PER_ROOM:
                raise TooLarge(f"a live room holds at most {MAX_COUPONS_PER_ROOM} coupons", code="too_many_coupons")
            await conn.execute(coupons.insert().values(
                merchant_id=merchant_id, room_id=spec.room_id, code=spec.code, kind=spec.kind, value=spec.value,
                min_spend=spec.min_spend, max_redemptions=spec.max_redemptions, redeemed=0, created_at=now,
                ends_at=ends_at, ended=False))
            return await load_coupon(conn, merchant_id, spec.room_id, spec.code)

    async def get(self, merchant_id: str, room_id: str, code: str) -> Coupon:
        code = lookup_code(code)
        async with self._db.read() as conn:
            return await load_coupon(conn, merchant_id, room_id, code)

    async def list(self, merchant_id: str, room_id: str) -> list[Coupon]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(coupons).where(
                coupons.c.merchant_id == merchant_id, coupons.c.room_id == room_id)
                .order_by(coupons.c.created_at, coupons.c.code))).all()
        return [_record(r) for r in rows]

    async def running(self, merchant_id: str) -> builtins.list[Coupon]:
        """The merchant's coupons with an end time still ahead and not ended (every room), soonest end first."""
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(coupons).where(
                coupons.c.merchant_id == merchant_id, coupons.c.ended.is_(False), coupons.c.ends_at.is_not(None),
                coupons.c.ends_at > self._now()).order_by(coupons.c.ends_at, coupons.c.room_id, coupons.c.code))).all()
        return [_record(r) for r in rows]

    async def end(self, merchant_id: str, room_id: str, code: str) -> Coupon:
        code = lookup_code(code)
        async with self._db.write() as conn:
            await conn.execute(coupons.update().where(*_where(merchant_id, room_id, code)).values(ended=True))
            return await load_coupon(conn, merchant_id, room_id, code)

    async def used_by(self, merchant_id: str, room_id: str, code: str, customer_id: str) -> bool:
        code = lookup_code(code)
        async with self._db.read() as conn:
            return await used(conn, merchant_id, room_id, code, customer_id)
