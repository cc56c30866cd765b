"""Consult calls (1v1 video): request from a product page, ring, accept / decline, hang up, records.

- ``POST /v1/consults`` (shopper token for room ``lobby``; or any non-staff token of the merchant):
  ``{product_sku, language, name}`` -> the call (ringing) and a token for its room. The shopper then
  connects ``/v1/signal`` with that token and gets ``call`` events (accepted / declined / missed).
- ``POST /v1/consults/{id}/accept`` (staff token) -> the call and a room token (role host) for the seller.
- ``POST /v1/consults/{id}/decline`` (staff), ``POST /v1/consults/{id}/hangup`` (either side; both ends).
- ``GET /v1/consults`` (staff): calls ringing or in progress now, plus recent call records.
- A call asked for from a live show (``POST /v1/live/{room}/consult``) carries ``origin_room``; the host side of
  that live room may accept / decline it too, and ``GET /v1/consults/{id}`` shows the seller side the viewer's
  live cart (``cart``: lines, items, total).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from souk.api.audit import audited, staff_claims
from souk.api.auth import Claims, Ctx, is_staff, require_staff
from souk.api.limit_deps import RingAllowed
from souk.api.openapi import errors
from souk.api.params import ID_PATTERN, CallId
from souk.auth.tokens import AccessClaims, Role
from souk.consult.models import Call
from souk.core.errors import BadRequest, Conflict, Forbidden, Unavailable
from souk.domain.calls import CallRecord
from souk.live.access import HOST_ROLES, require_host
from souk.signal.hub import call_info

router = APIRouter()


class ConsultRequest(BaseModel):
    product_sku: str = Field(default="", max_length=64, description="the product to talk about; required "
                                                                   "unless conversation_id is given")
    language: str = Field(default="en", min_length=2, max_length=16)
    name: str = Field(default="", max_length=80)
    conversation_id: str | None = Field(default=None, pattern=ID_PATTERN, description=(
        "the shopper's desk conversation whose video offer this call accepts (POST "
        "/v1/desk/conversations/{id}/video rang their assistant widget); the call lands on its timeline and "
        "rings the agent who offered it"))

    model_config = ConfigDict(json_schema_extra={"anyOf": [  # a product, or the conversation of a video offer
        {"required": ["product_sku"], "properties": {"product_sku": {"minLength": 1}}},
        {"required": ["conversation_id"], "properties": {"conversation_id": {"type": "string"}}}]})


class CallOut(BaseModel):
    call: dict[str, Any]
    token: str | None = None
    cart: dict[str, Any] | None = None  # the viewer's live cart, for the seller side of a call from a show


class RecordOut(BaseModel):
    id: str
    room_id: str | None
    shopper: str
    seller: str | None
    product_sku: str | None
    language: str | None
    requested_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: str | None
    duration_s: float | None

    @classmethod
    def of(cls, r: CallRecord) -> RecordOut:
        return cls(id=r.id, room_id=r.room_id, shopper=r.shopper_identity, seller=r.seller_identity,
                   product_sku=r.product_sku, language=r.language, requested_at=r.requested_at,
                   answered_at=r.answered_at, ended_at=r.ended_at,
                   outcome=r.outcome.value if r.outcome else None, duration_s=r.duration_s)


class ConsultList(BaseModel):
    active: list[dict[str, Any]]
    recent: list[RecordOut]


def call_out(ctx: Any, call: Call, token: str | None = None) -> CallOut:
    import msgspec

    info = msgspec.to_builtins(call_info(call, ctx.settings.calls.ring_timeout_s))
    if call.node:  # several nodes: the call's room is served by the node that rang it (docs/multinode.md)
        info["node"] = call.node
    return CallOut(call=info, token=token)


def room_token(ctx: Any, call: Call, identity: str, role: Role, name: str) -> str:
    ttl = int(min(ctx.settings.calls.max_call_s + ctx.settings.calls.ring_timeout_s + 300,
                  ctx.settings.auth.max_token_ttl_s))
    return str(ctx.tokens.mint(merchant_id=call.merchant_id, identity=identity, room=call.room_id, role=role,
                               ttl_s=ttl, name=name))


ANSWER_ERRORS = errors({403: ["staff_only", "not_host", "wrong_room"], 404: ["unknown_call"],
                        409: ["call_not_ringing", "call_finished", "shutting_down"]})


def _require_answerer(claims: AccessClaims, call: Call, action: str) -> None:
    """Staff answer any call; a call from a live show may also be answered by that show's host side."""
    if is_staff(claims):
        return
    if call.origin_room and claims.room == call.origin_room:
        require_host(claims, call.origin_room, action)
        return
    require_staff(claims)


def _seller_side(claims: AccessClaims, call: Call) -> bool:
    if is_staff(claims) or (call.seller and claims.identity == call.seller and claims.room == call.room_id):
        return True
    return bool(call.origin_room) and claims.room == call.origin_room and claims.role in HOST_ROLES


@router.post("/v1/consults", response_model=CallOut, status_code=201, responses=errors(
    {400: ["bad_product"], 403: ["shopper_only"], 404: ["unknown_product", "conversation_not_found"],
     409: ["call_in_progress", "shutting_down", "no_video_offer"], 503: ["desk_unavailable"]}))
async def request_consult(body: ConsultRequest, claims: Claims, ctx: Ctx, _: RingAllowed) -> CallOut:
    if is_staff(claims):
        raise Forbidden("staff tokens answer consults; shoppers request them", code="shopper_only")
    if body.conversation_id:
        return await _video_escalation(ctx, claims, body, body.conversation_id)
    if not body.product_sku:
        raise BadRequest("product_sku is required (or the conversation_id of a video offer)", code="bad_product")
    call = await ctx.calls.request(claims.merchant_id, shopper=claims.identity, product_sku=body.product_sku,
                                   language=body.language, shopper_name=body.name or claims.name)
    return call_out(ctx, call, room_token(ctx, call, claims.identity, Role.MEMBER, call.shopper_name))


async def _video_escalation(ctx: Any, claims: AccessClaims, body: ConsultRequest, conversation_id: str) -> CallOut:
    """The shopper accepted the desk's video offer: a consult call for their conversation, linked to it (the
    call lands on the timeline; the agent who offered it is rung on the desk socket)."""
    desk = ctx.desk
    if desk is None:
        raise Unavailable("this server runs no customer-service desk", code="desk_unavailable")
    await desk.owned(claims.merchant_id, conversation_id, claims.identity)  # another shopper's: 404
    if desk.video_offered_by(claims.merchant_id, conversation_id) is None:
        raise Conflict("no video call was offered in this conversation", code="no_video_offer")
    call = await ctx.calls.request(claims.merchant_id, shopper=claims.identity, product_sku=body.product_sku,
                                   language=body.language, shopper_name=body.name or claims.name,
                                   conversation_id=conversation_id)
    await desk.link_call(claims.merchant_id, conversation_id, call.id, call.room_id)
    return call_out(ctx, call, room_token(ctx, call, claims.identity, Role.MEMBER, call.shopper_name))


@router.get("/v1/consults", response_model=ConsultList, responses=errors({403: ["staff_only"]}),
            dependencies=[audited(staff_claims, "consult.list", "consult")])
async def list_consults(claims: Claims, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> ConsultList:
    require_staff(claims)
    active = [call_out(ctx, c).call for c in ctx.calls.active(claims.merchant_id)]
    recent = [RecordOut.of(r) for r in await ctx.calls.recent(claims.merchant_id, limit)]
    return ConsultList(active=active, recent=recent)


@router.get("/v1/consults/{call_id}", response_model=CallOut,
            responses=errors({403: ["wrong_room"], 404: ["unknown_call"]}))
async def get_consult(call_id: CallId, claims: Claims, ctx: Ctx) -> CallOut:
    call = await ctx.calls.fetch(claims.merchant_id, call_id)
    seller = _seller_side(claims, call)
    if not seller:
        claims.require_room(call.room_id)
    out = call_out(ctx, call)
    if seller and call.origin_room and ctx.live is not None:
        out.cart = await ctx.live.cart_summary(call.merchant_id, call.origin_room, call.shopper)
    return out


@router.post("/v1/consults/{call_id}/accept", response_model=CallOut, responses=ANSWER_ERRORS)
async def accept(call_id: CallId, claims: Claims, ctx: Ctx) -> CallOut:
    _require_answerer(claims, await ctx.calls.fetch(claims.merchant_id, call_id), "accept this consult")
    call = await ctx.calls.accept(claims.merchant_id, call_id, claims.identity)
    return call_out(ctx, call, room_token(ctx, call, claims.identity, Role.HOST, claims.name))


@router.post("/v1/consults/{call_id}/decline", response_model=CallOut, responses=ANSWER_ERRORS)
async def decline(call_id: CallId, claims: Claims, ctx: Ctx) -> CallOut:
    _require_answerer(claims, await ctx.calls.fetch(claims.merchant_id, call_id), "decline this consult")
    return call_out(ctx, await ctx.calls.decline(claims.merchant_id, call_id, claims.identity))


@router.post("/v1/consults/{call_id}/hangup", response_model=CallOut, responses=errors(
    {403: ["wrong_room", "not_in_call"], 404: ["unknown_call"], 409: ["call_finished", "shutting_down"]}))
async def hangup(call_id: CallId, claims: Claims, ctx: Ctx) -> CallOut:
    call = await ctx.calls.fetch(claims.merchant_id, call_id)
    if not is_staff(claims):
        claims.require_room(call.room_id)
    return call_out(ctx, await ctx.calls.hangup(claims.merchant_id, call_id, claims.identity))
