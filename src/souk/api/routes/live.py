"""Live shopping commerce over REST: pins, flash sales, carts, checkout and viewer prices.

Every call takes an access token for the live room (``Authorization: Bearer <jwt>``). Pins and sales need
the host side of the room (host, cohost, moderator); viewers (audience) buy, keep a cart and check out.
Announcements go out as ``system`` messages on the room's RTM channel, ordered with the chat.
Coupons (host side creates and ends; viewers apply them at checkout and in quotes), persistent carts, and
``POST /v1/live/{room}/consult``: a viewer asks for a private 1v1 consult from the show, keeping the cart.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx, is_staff
from souk.api.context import AppContext
from souk.api.limit_deps import RingAllowed
from souk.api.openapi import errors
from souk.api.params import COUPON_SCHEMA, CouponCode, RoomId, SaleId, SkuPath, money
from souk.api.routes.calls import CallOut, call_out, room_token
from souk.auth.tokens import Role
from souk.core.errors import Forbidden, Unavailable
from souk.domain.coupons import CheckoutResult
from souk.domain.landed import INDICATIVE_USD_RATES
from souk.domain.models import Order
from souk.live.access import HOST_ROLES, require_room
from souk.live.service import LiveCommerce

log = logging.getLogger(__name__)
router = APIRouter()


def live(ctx: AppContext) -> LiveCommerce:
    if ctx.live is None:
        raise Unavailable("live commerce is not running", code="live_unavailable")
    return ctx.live


def order_view(o: Order) -> dict[str, Any]:
    return {"order_id": o.id, "status": o.status.value, "country": o.country, "currency": o.currency_paid,
            "lines": [{"sku": ln.sku, "qty": ln.qty, "unit_price": str(ln.unit_price)} for ln in o.lines],
            "subtotal": str(o.subtotal), "shipping": str(o.shipping), "total": str(o.total)}


def checkout_view(r: CheckoutResult) -> dict[str, Any]:
    """The order, with the coupon it redeemed: total = subtotal - discount + shipping."""
    return {**order_view(r.order), "discount": str(r.discount),
            "coupon": None if r.coupon is None else r.coupon.code}


# What the room checks answer: a token for another room; the host side's actions for anyone else.
VIEWER = {403: ["wrong_room"]}
HOST = {403: ["wrong_room", "not_host"]}
CART_ADD = {404: ["product_not_found"], 409: ["not_pinned", "out_of_stock"], 413: ["cart_full", "cart_qty_limit"]}

Sku = Field(min_length=1, max_length=64)
Country = Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")


class PinIn(BaseModel):
    sku: str = Sku


class SaleIn(BaseModel):
    sku: str = Sku
    units: int = Field(ge=1, le=1_000_000)
    price: Annotated[Decimal, money(int_digits=10)] = Field(ge=0, max_digits=12, decimal_places=2)
    duration_s: float = Field(gt=0, le=86_400)


class BuyIn(BaseModel):
    qty: int = Field(default=1, ge=1, le=20)
    country: str = Country
    order_id: str | None = Field(default=None, min_length=1, max_length=64)


class CartIn(BaseModel):
    sku: str = Sku
    qty: int = Field(default=1, ge=1, le=20)


Code = Field(min_length=1, max_length=40, json_schema_extra=COUPON_SCHEMA)  # others: 400 bad_coupon


class CheckoutIn(BaseModel):
    country: str = Country
    coupon: str | None = Field(default=None, min_length=1, max_length=40, json_schema_extra=COUPON_SCHEMA)
    order_id: str | None = Field(default=None, min_length=1, max_length=64)


class _Coupon(BaseModel):
    code: str = Code
    min_spend: Annotated[Decimal, money(int_digits=6)] = Field(
        default=Decimal(0), ge=0, le=1_000_000, max_digits=12, decimal_places=2)
    max_redemptions: int | None = Field(default=None, ge=1, le=10_000_000)
    duration_s: float | None = Field(default=None, gt=0, le=30 * 86_400)


class PercentCoupon(_Coupon):
    kind: Literal["percent"]
    value: Annotated[Decimal, money(int_digits=2, positive=True, maximum=100)] = Field(
        gt=0, le=100, max_digits=5, decimal_places=2, description="percent off, at most 100")


class AmountCoupon(_Coupon):
    kind: Literal["amount"]
    value: Annotated[Decimal, money(int_digits=6, positive=True, maximum=1_000_000)] = Field(
        gt=0, le=1_000_000, max_digits=12, decimal_places=2, description="amount off")


# one shape per kind, so the schema carries each kind's range
CouponIn = Annotated[PercentCoupon | AmountCoupon, Field(discriminator="kind")]


class ConsultIn(BaseModel):
    note: str = Field(default="", max_length=280)
    lang: str = Field(default="en", min_length=2, max_length=16)
    sku: str | None = Field(default=None, min_length=1, max_length=64)


@router.post("/v1/live/{room}/pins", responses=errors(
    HOST, {404: ["product_not_found"], 413: ["too_many_pins"]}))
async def pin(room: RoomId, body: PinIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).pin(claims, room, body.sku)


@router.delete("/v1/live/{room}/pins/{sku}", responses=errors(HOST, {409: ["not_pinned"]}))
async def unpin(room: RoomId, sku: SkuPath, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).unpin(claims, room, sku)


@router.get("/v1/live/{room}/pins", responses=errors(VIEWER))
async def pins(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"pinned": await live(ctx).pinned(claims, room)}


@router.post("/v1/live/{room}/sales", responses=errors(
    HOST, {400: ["bad_sale"], 404: ["product_not_found"], 409: ["not_pinned", "not_enough_stock"]}))
async def start_sale(room: RoomId, body: SaleIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).start_sale(claims, room, body.sku, units=body.units, price=body.price,
                                      duration_s=body.duration_s)


@router.get("/v1/live/{room}/sales/{sale_id}", responses=errors(VIEWER, {404: ["sale_not_found"]}))
async def sale(room: RoomId, sale_id: SaleId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).sale(claims, room, sale_id)


@router.post("/v1/live/{room}/sales/{sale_id}/end", responses=errors(HOST, {404: ["sale_not_found"]}))
async def end_sale(room: RoomId, sale_id: SaleId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).end_sale(claims, room, sale_id)


@router.post("/v1/live/{room}/sales/{sale_id}/buy", responses=errors(VIEWER, {
    404: ["sale_not_found", "product_not_found"],
    409: ["no_shipping", "not_pinned", "sale_ended", "sale_sold_out", "order_exists", "out_of_stock"]}))
async def buy(room: RoomId, sale_id: SaleId, body: BuyIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    order = await live(ctx).buy_sale(claims, room, sale_id, qty=body.qty, country=body.country,
                                     order_id=body.order_id)
    return order_view(order)


@router.get("/v1/live/{room}/cart", responses=errors(VIEWER))
async def cart(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"lines": await live(ctx).cart(claims, room)}


@router.post("/v1/live/{room}/cart", responses=errors(VIEWER, CART_ADD))
async def cart_add(room: RoomId, body: CartIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"lines": await live(ctx).cart_add(claims, room, body.sku, body.qty)}


@router.delete("/v1/live/{room}/cart/{sku}", responses=errors(VIEWER, {400: ["bad_cart"]}))
async def cart_remove(room: RoomId, sku: SkuPath, claims: Claims, ctx: Ctx,
                      qty: int | None = Query(default=None, ge=1, le=20)) -> dict[str, Any]:
    return {"lines": await live(ctx).cart_remove(claims, room, sku, qty)}


@router.post("/v1/live/{room}/checkout", responses=errors(VIEWER, {
    400: ["bad_cart", "bad_coupon"], 404: ["product_not_found"],
    409: ["cart_empty", "no_shipping", "out_of_stock", "order_exists", "coupon_invalid", "coupon_expired", "coupon_exhausted",
          "coupon_min_spend", "coupon_used"]}))
async def checkout(room: RoomId, body: CheckoutIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return checkout_view(await live(ctx).checkout(claims, room, country=body.country, coupon=body.coupon,
                                                  order_id=body.order_id))


@router.post("/v1/live/{room}/coupons", status_code=201, responses=errors(
    HOST, {400: ["bad_coupon"], 409: ["coupon_exists"]}))
async def create_coupon(room: RoomId, body: CouponIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).create_coupon(claims, room, code=body.code, kind=body.kind, value=body.value,
                                         min_spend=body.min_spend, max_redemptions=body.max_redemptions,
                                         duration_s=body.duration_s)


@router.get("/v1/live/{room}/coupons", responses=errors(VIEWER))
async def coupons(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"coupons": await live(ctx).coupons(claims, room)}


@router.post("/v1/live/{room}/coupons/{code}/end", responses=errors(
    HOST, {400: ["bad_coupon"], 409: ["coupon_invalid"]}))
async def end_coupon(room: RoomId, code: CouponCode, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await live(ctx).end_coupon(claims, room, code)


@router.post("/v1/live/{room}/consult", response_model=CallOut, status_code=201, responses=errors(
    VIEWER, {403: ["viewer_only"], 404: ["unknown_product"], 409: ["call_in_progress", "shutting_down"]}))
async def consult(room: RoomId, body: ConsultIn, claims: Claims, ctx: Ctx, _: RingAllowed) -> CallOut:
    """A viewer of the show asks for a private 1v1 consult. The call rings on the merchant's consoles (and the
    host studio) with where it came from and the viewer's cart; the answer is the consult API's: the call and
    a token that makes the viewer the shopper of the call (their identity, so their live cart stays theirs)."""
    require_room(claims, room)
    if is_staff(claims) or claims.role in HOST_ROLES:
        log.warning("room %s: %s (role %s) asked for a consult; refused", room, claims.identity, claims.role.value)
        raise Forbidden("a consult from the show is asked for by a viewer; the host side answers it",
                        code="viewer_only", details={"role": claims.role.value})
    cart = await live(ctx).cart_summary(claims.merchant_id, room, claims.identity)
    sku = body.sku or next((ln["sku"] for ln in cart["lines"]), None) or next(iter(
        await live(ctx).pinned_skus(claims.merchant_id, room)), "")
    call = await ctx.calls.request(claims.merchant_id, shopper=claims.identity, product_sku=sku,
                                   language=body.lang, shopper_name=claims.name, origin_room=room,
                                   note=body.note, cart={"items": cart["items"], "total": cart["total"],
                                                         "currency": cart["currency"]})
    log.info("room %s: %s asked for a consult (call %s, cart %d items)", room, claims.identity, call.id,
             cart["items"])
    return call_out(ctx, call, room_token(ctx, call, claims.identity, Role.MEMBER, call.shopper_name))


@router.get("/v1/live/{room}/quote/{sku}", responses=errors(
    VIEWER, {400: ["unknown_currency", "bad_coupon"], 404: ["product_not_found"], 409: ["coupon_invalid"]}))
async def quote(room: RoomId, sku: SkuPath, claims: Claims, ctx: Ctx,
                country: str = Query(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$"),
                currency: str | None = Query(default=None, min_length=3, max_length=3, json_schema_extra={
                    "enum": sorted(INDICATIVE_USD_RATES)}),
                coupon: str | None = Query(default=None, min_length=1, max_length=40,
                                           json_schema_extra=COUPON_SCHEMA),
                ) -> dict[str, Any]:
    return await live(ctx).quote(claims, room, sku, country=country, currency=currency, coupon=coupon)
