"""What was done to an order for its shopper (docs/agent.md, "Actions"): the audit of each action (who, when,
in which conversation and channel, done or refused and why) and the returns and exchanges opened on it.

Read by the merchant's API key, a staff token (room ``*``, moderate or admin) or a desk staff token (room
``*``, agent or host). Another merchant's order is ``404 order_not_found``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import STAFF_ERRORS, TOKEN_ERRORS, Ctx, is_staff, key_or_token
from souk.api.openapi import errors, raises
from souk.api.routes.desk import is_desk_staff
from souk.core.errors import Forbidden
from souk.domain.models import ReturnRecord
from souk.domain.order_actions import ActionRecord

router = APIRouter(prefix="/v1/orders", tags=["orders"])

ORDER_ID = r"^#?[A-Za-z0-9_\-]{1,64}$"
OrderId = Annotated[str, Path(pattern=ORDER_ID, description="the order's id in the merchant's store, e.g. 1001")]


@raises(TOKEN_ERRORS, {401: ["bad_api_key"]}, STAFF_ERRORS)
async def order_reader(request: Request, ctx: Ctx) -> str:
    """The merchant of an API key, a staff token or a desk staff token."""
    merchant, claims = await key_or_token(request, ctx, missing="an API key or a staff access token is required")
    if claims is not None and not (is_staff(claims) or is_desk_staff(claims)):
        raise Forbidden("this call needs a staff token (room '*')", code="staff_only")
    return merchant


Reader = Annotated[str, Depends(order_reader)]


class ActionOut(BaseModel):
    id: str
    kind: str = Field(description="cancel, change_address, return, exchange or resend_tracking")
    status: str = Field(description="done or refused")
    refusal: str | None = Field(description="why a request was refused (already_shipped, window_passed, ...)")
    actor: str = Field(description="the customer id, email-verified:<customer id>, or a staff id")
    channel: str
    conversation_id: str | None
    idempotency_key: str
    created_at: dt.datetime
    details: dict[str, Any] = Field(description="the quote confirmed (items, refund, fee, label) and the result")

    @classmethod
    def of(cls, a: ActionRecord) -> ActionOut:
        return cls(id=a.id, kind=a.kind, status=a.status, refusal=a.refusal, actor=a.actor, channel=a.channel,
                   conversation_id=a.conversation_id, idempotency_key=a.idempotency_key, created_at=a.created_at,
                   details=dict(a.details))


class ReturnOut(BaseModel):
    id: str = Field(description="the RMA, e.g. RMA-01JD...")
    kind: str = Field(description="return or exchange")
    status: str
    lines: list[dict[str, Any]]
    refund_amount: str
    fee: str
    label_ref: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, r: ReturnRecord) -> ReturnOut:
        return cls(id=r.id, kind=r.kind, status=r.status, lines=[dict(ln) for ln in r.lines],
                   refund_amount=f"{r.refund_amount:.2f}", fee=f"{r.fee:.2f}", label_ref=r.label_ref,
                   created_at=r.created_at)


class OrderActionsOut(BaseModel):
    order_id: str
    actions: list[ActionOut] = Field(description="oldest first")
    returns: list[ReturnOut]


@router.get("/{order_id}/actions", response_model=OrderActionsOut, responses=errors({404: ["order_not_found"]}),
            dependencies=[audited(order_reader, "order.actions.read", "order", "order_id")])
async def order_actions(order_id: OrderId, merchant: Reader, ctx: Ctx,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> OrderActionsOut:
    """The actions taken on the order for its shopper (by the assistant after the shopper's yes, or by staff),
    and the returns and exchanges opened on it."""
    oid = order_id.lstrip("#")
    order = await ctx.storage.orders.get(merchant, oid)  # 404 order_not_found: not this merchant's order
    actions = await ctx.storage.order_actions.of_order(merchant, order.id, limit=limit)
    rmas = await ctx.storage.order_actions.returns_of(merchant, order.id)
    return OrderActionsOut(order_id=order.id, actions=[ActionOut.of(a) for a in actions],
                           returns=[ReturnOut.of(r) for r in rmas])
