"""Group buys in a room (live show or voice room) over REST: the host side opens and ends an offer of a
pinned product with price tiers; shoppers list offers and join one, which writes their order.

Every call takes an access token for the room (``Authorization: Bearer <jwt>``), like the other room
commerce routes (souk.api.routes.live). Announcements go out on the room's RTM channel (souk.live.group_buy).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import ID_PATTERN, RoomId, money
from souk.api.routes.live import HOST, VIEWER, order_view
from souk.core.errors import Unavailable
from souk.domain.group_buys import MAX_CAP, MAX_QTY, MAX_SECONDS, MAX_TIERS
from souk.live.group_buy import GroupBuys

router = APIRouter()

OfferId = Annotated[str, Path(pattern=ID_PATTERN, description="a group buy id, e.g. gb_1m97...")]
NOT_FOUND = {404: ["group_buy_not_found"]}


def group_buys(ctx: AppContext) -> GroupBuys:
    if ctx.group_buys is None:
        raise Unavailable("live commerce is not running", code="live_unavailable")
    return ctx.group_buys


class TierIn(BaseModel):
    min_buyers: int = Field(ge=1, le=MAX_CAP, description="buyers that unlock this tier; the first tier's is 1")
    price: Annotated[Decimal, money(int_digits=10)] = Field(ge=0, max_digits=12, decimal_places=2,
                                                            description="unit price for every buyer once unlocked")


class GroupBuyIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    tiers: list[TierIn] = Field(min_length=1, max_length=MAX_TIERS, description=(
        "the first at min_buyers 1; min_buyers strictly rising, price strictly falling, the last reachable "
        "within cap (else 400 bad_group_buy)"))
    cap: int = Field(ge=1, le=MAX_CAP, description="units the offer may sell")
    duration_s: float = Field(gt=0, le=MAX_SECONDS)
    max_qty: int = Field(default=1, ge=1, le=MAX_QTY, description="units one buyer may take")


class JoinIn(BaseModel):
    country: str = Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")
    qty: int = Field(default=1, ge=1, le=MAX_QTY, description="at most the offer's max_qty (else 400)")
    order_id: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="idempotency key: a retried join answers with the first order")


@router.post("/v1/live/{room}/group-buys", status_code=201, responses=errors(
    HOST, {400: ["bad_group_buy"], 404: ["product_not_found"], 409: ["not_pinned", "not_enough_stock"]}))
async def create(room: RoomId, body: GroupBuyIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await group_buys(ctx).create(claims, room, body.sku, tiers=[(t.min_buyers, t.price) for t in body.tiers],
                                        cap=body.cap, duration_s=body.duration_s, max_qty=body.max_qty)


@router.get("/v1/live/{room}/group-buys", responses=errors(VIEWER))
async def offers(room: RoomId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return {"offers": await group_buys(ctx).offers(claims, room)}


@router.get("/v1/live/{room}/group-buys/{offer_id}", responses=errors(VIEWER, NOT_FOUND))
async def offer(room: RoomId, offer_id: OfferId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await group_buys(ctx).offer(claims, room, offer_id)


@router.post("/v1/live/{room}/group-buys/{offer_id}/join", responses=errors(VIEWER, {
    400: ["bad_group_buy"], 404: ["group_buy_not_found", "product_not_found"],
    409: ["no_shipping", "not_pinned", "group_buy_ended", "group_buy_full", "already_joined", "order_exists",
          "out_of_stock"]}))
async def join(room: RoomId, offer_id: OfferId, body: JoinIn, claims: Claims,
               ctx: Ctx) -> dict[str, Any]:
    order, view = await group_buys(ctx).join(claims, room, offer_id, country=body.country, qty=body.qty,
                                             order_id=body.order_id)
    return {**order_view(order), "offer": view}


@router.post("/v1/live/{room}/group-buys/{offer_id}/end", responses=errors(HOST, NOT_FOUND))
async def end(room: RoomId, offer_id: OfferId, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    return await group_buys(ctx).end(claims, room, offer_id)
