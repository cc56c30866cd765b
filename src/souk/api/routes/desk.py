"""The customer-service desk for staff (docs/desk.md): inbox and queues, a conversation with its packet, claim,
reply, notes, transfer, hand back, close, video, presence, metrics and SLA warnings, staff profiles and the
merchant's desk settings; and the staff socket ``/v1/desk/ws``.

Staff = an access token of the merchant for room ``*`` with role ``agent`` or ``host``; its identity is the
agent's id. Staff profiles and settings also take the merchant's API key; changing them takes the API key or a
``host`` token. Another merchant's conversation is ``404 conversation_not_found``, as one that does not exist.
The rules live in souk.desk.service.DeskService (``ctx.desk``); the routes parse and answer.

Staff socket ``/v1/desk/ws`` (``?token=`` or a first ``{"type":"auth","token"}``):
  server: {"type":"hello","agent","presence","holds"}, {"type":"queues",...}, {"type":"assigned","conversation",
          "packet","overflow"}, {"type":"conversation","conversation"}, {"type":"event","conversation_id","event"},
          {"type":"presence","presence"}, {"type":"call","conversation_id","call_id","room_id"},
          {"type":"pong"}, {"type":"error",...}
  client: {"type":"presence","presence":"online"|"away"|"offline"}, {"type":"ping"}
On a node that does not serve the merchant's desk (several nodes) the socket is refused with an error frame
``room_elsewhere`` (details.url: the node that does) and close code 4409. A socket that does not read is cut off
(close 4429 ``slow_consumer``); when an agent's last socket closes,
their conversations go back to their queues after ``desk.agent_grace_s`` unless they reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, WebSocket, WebSocketDisconnect

from souk.api import ws as ws_helpers
from souk.api.audit import audited
from souk.api.auth import TOKEN_ERRORS, Ctx, access_claims, key_or_token
from souk.api.context import AppContext
from souk.api.desk_bodies import (
    AGENT_PATTERN,
    ID_PATTERN,
    AgentIn,
    CloseIn,
    NoteIn,
    PresenceIn,
    ReplyIn,
    SettingsIn,
    StatusFilter,
    TransferIn,
)
from souk.api.errors import ws_close_code
from souk.api.openapi import errors, raises
from souk.auth.tokens import ANY_ROOM, AccessClaims, Role
from souk.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    SoukError,
    TooLarge,
    Unavailable,
)
from souk.core.jsondepth import too_deep
from souk.desk.feeds import Feed
from souk.desk.service import DeskService
from souk.desk.views import last_packet, packet_dict, route_of, staff_event
from souk.domain.desk.routing import Presence
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Resolution, Status

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/desk", tags=["desk"])

DESK_ROLES = (Role.AGENT, Role.HOST)
SEND_TIMEOUT_S = 10.0  # a staff socket that takes no frame for this long is cut off (4429)
MAX_FRAME = 4096
MAX_BAD_IN_A_ROW = 20

ConversationId = Annotated[str, Path(pattern=ID_PATTERN, description="a desk conversation id (for the assistant's "
                                                                     "text conversations: its session id)")]
AgentId = Annotated[str, Path(pattern=AGENT_PATTERN, description="a staff member's id: their token identity")]

NOT_FOUND = {404: ["conversation_not_found"]}
UNAVAILABLE = {503: ["desk_unavailable"]}
ELSEWHERE = {409: ["room_elsewhere"]}  # several nodes: another node serves this merchant's desk (details: node, url)
HOLDER = {403: ["not_your_conversation"], 409: ["not_with_humans"]}
APPEND = {413: ["timeline_full"]}  # every change is an event on the conversation's timeline


# ---------------------------------------------------------------- who may do what


def desk_service(ctx: AppContext) -> DeskService:
    if ctx.desk is None:
        raise Unavailable("this server runs no customer-service desk", code="desk_unavailable")
    return ctx.desk


def is_desk_staff(claims: AccessClaims) -> bool:
    return claims.room == ANY_ROOM and claims.role in DESK_ROLES


def require_desk_staff(claims: AccessClaims) -> None:
    if not is_desk_staff(claims):
        raise Forbidden("the desk needs a staff token (room '*', role agent or host)", code="staff_only")


@raises(TOKEN_ERRORS, {403: ["staff_only"]}, UNAVAILABLE, ELSEWHERE)
def staff(claims: Annotated[AccessClaims, Depends(access_claims)], ctx: Ctx) -> AccessClaims:
    require_desk_staff(claims)
    desk_service(ctx)
    return claims


Staff = Annotated[AccessClaims, Depends(staff)]


@dataclass(frozen=True, slots=True)
class Manager:
    merchant_id: str
    host: bool  # may change settings and staff profiles (API key or a host token)


@raises(TOKEN_ERRORS, {401: ["bad_api_key"], 403: ["staff_only"]}, UNAVAILABLE, ELSEWHERE)
async def manager(request: Request, ctx: Ctx) -> Manager:
    """The merchant's API key, or a desk staff token (``host`` may change things, ``agent`` reads)."""
    merchant, claims = await key_or_token(request, ctx, missing="an API key or a staff access token is required")
    if claims is not None:
        require_desk_staff(claims)
    desk_service(ctx)
    return Manager(merchant_id=merchant, host=claims is None or claims.role is Role.HOST)


Managing = Annotated[Manager, Depends(manager)]


def require_host(m: Manager) -> None:
    if not m.host:
        raise Forbidden("changing the desk's settings or staff takes the API key or a host token",
                        code="host_only")


@raises({403: ["host_only"]})
def host_manager(m: Managing) -> Manager:
    """A manager that may change things (audited before the change: souk.api.audit)."""
    require_host(m)
    return m


# ---------------------------------------------------------------- conversations


def _summary(desk: DeskService, conv: Any) -> dict[str, Any]:
    return desk._summary(conv)


@router.get("/conversations", responses=errors(UNAVAILABLE),
            dependencies=[audited(staff, "conversation.list", "conversation")])
async def inbox(claims: Staff, ctx: Ctx, status: StatusFilter | None = None,
                agent: Annotated[str | None, Query(pattern=AGENT_PATTERN)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    desk = desk_service(ctx)
    rows = await desk.inbox(claims.merchant_id, status=Status(status.value) if status else None, agent_id=agent,
                            limit=limit)
    return {"conversations": rows}


@router.get("/conversations/{conversation_id}", responses=errors(NOT_FOUND),
            dependencies=[audited(staff, "conversation.read", "conversation", "conversation_id")])
async def conversation(conversation_id: ConversationId, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    desk = desk_service(ctx)
    conv, events = await desk.conversation(claims.merchant_id, conversation_id)
    return {"conversation": _summary(desk, conv), "events": [staff_event(seq, e) for seq, e in events],
            "packet": packet_dict(last_packet(events))}


@router.post("/conversations/{conversation_id}/claim", responses=errors(
    NOT_FOUND, APPEND, {404: ["agent_not_found"], 409: ["not_queued", "agent_not_online", "agent_full"]}))
async def claim(conversation_id: ConversationId, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    desk = desk_service(ctx)
    conv = await desk.claim(claims.merchant_id, conversation_id, claims.identity)
    return {"conversation": _summary(desk, conv)}


@router.post("/conversations/{conversation_id}/messages", responses=errors(
    NOT_FOUND, {400: ["empty_text"], 403: ["not_your_conversation"], 404: ["unknown_canned_reply"],
                409: ["not_assigned", "conversation_closed", "text_and_canned"], 413: ["timeline_full"]}))
async def reply(conversation_id: ConversationId, body: ReplyIn, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    if body.text is not None and body.canned_id is not None:
        raise Conflict("send text or a canned reply, not both", code="text_and_canned")
    if body.text is None and body.canned_id is None:
        raise BadRequest("a reply needs text or a canned reply", code="empty_text")
    seq = await desk_service(ctx).agent_message(claims.merchant_id, conversation_id, claims.identity,
                                                text=body.text, canned_id=body.canned_id)
    return {"seq": seq}


@router.post("/conversations/{conversation_id}/notes", responses=errors(
    NOT_FOUND, {413: ["timeline_full"]}))
async def note(conversation_id: ConversationId, body: NoteIn, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    seq = await desk_service(ctx).note(claims.merchant_id, conversation_id, claims.identity, body.text)
    return {"seq": seq}


@router.post("/conversations/{conversation_id}/transfer", responses=errors(
    NOT_FOUND, HOLDER, APPEND, {400: ["bad_transfer"], 404: ["agent_not_found"],
                        409: ["agent_not_online", "agent_full", "already_queued"]}))
async def transfer(conversation_id: ConversationId, body: TransferIn, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    desk = desk_service(ctx)
    if (body.agent_id is None) == (body.queue is None):
        raise BadRequest("transfer to one agent (agent_id) or one queue (queue)", code="bad_transfer")
    route = None
    if body.queue is not None:
        conv, _ = await desk.conversation(claims.merchant_id, conversation_id)
        route = route_of(body.queue, conv.language)
    conv = await desk.transfer(claims.merchant_id, conversation_id, claims.identity, to_agent=body.agent_id,
                               to_queue=route, reason=body.reason)
    return {"conversation": _summary(desk, conv)}


@router.post("/conversations/{conversation_id}/handback", responses=errors(NOT_FOUND, HOLDER, APPEND))
async def handback(conversation_id: ConversationId, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    desk = desk_service(ctx)
    conv = await desk.hand_back(claims.merchant_id, conversation_id, claims.identity)
    return {"conversation": _summary(desk, conv)}


@router.post("/conversations/{conversation_id}/close", responses=errors(NOT_FOUND, HOLDER, APPEND,
                                                                                  {409: ["call_active"]}))
async def close(conversation_id: ConversationId, claims: Staff, ctx: Ctx,
                body: CloseIn | None = None) -> dict[str, Any]:
    desk = desk_service(ctx)
    resolution = body.resolution if body is not None else Resolution.RESOLVED
    conv = await desk.close(claims.merchant_id, conversation_id, claims.identity, resolution)
    return {"conversation": _summary(desk, conv)}


@router.post("/conversations/{conversation_id}/video", responses=errors(
    NOT_FOUND, {409: ["not_assigned", "call_active", "shopper_offline"]}))
async def video(conversation_id: ConversationId, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    """Ring the shopper's widget (``call_offer``); when they accept, their consult call
    (``POST /v1/consults`` with this ``conversation_id``) rings this agent's desk socket (``call``)."""
    await desk_service(ctx).offer_video(claims.merchant_id, conversation_id, claims.identity)
    return {"offered": True}


# ---------------------------------------------------------------- queues, presence, numbers


@router.get("/queues", responses=errors(UNAVAILABLE))
async def queues(claims: Staff, ctx: Ctx) -> dict[str, Any]:
    desk = desk_service(ctx)
    await desk.require_here(claims.merchant_id)  # the queues live on the node that serves the desk
    return desk.queues(claims.merchant_id)


@router.put("/presence", responses=errors({404: ["agent_not_found"]}))
async def presence(body: PresenceIn, claims: Staff, ctx: Ctx) -> dict[str, Any]:
    """The caller's presence (the desk socket's ``presence`` frame does the same); an agent the desk does not
    know yet opens the desk socket first."""
    await desk_service(ctx).set_presence(claims.merchant_id, claims.identity, body.presence)
    return {"presence": body.presence.value}


@router.get("/metrics", responses=errors(UNAVAILABLE))
async def metrics(claims: Staff, ctx: Ctx, days: Annotated[int, Query(ge=1, le=366)] = 7) -> dict[str, Any]:
    desk = desk_service(ctx)
    since = dt.datetime.fromtimestamp(ctx.clock.wall(), dt.UTC) - dt.timedelta(days=days)
    return await desk.metrics(claims.merchant_id, since=since)


@router.get("/sla", responses=errors(UNAVAILABLE))
async def sla(claims: Staff, ctx: Ctx) -> dict[str, Any]:
    return {"warnings": await desk_service(ctx).warnings(claims.merchant_id)}


# ---------------------------------------------------------------- staff profiles and settings


@router.get("/agents", responses=errors(UNAVAILABLE))
async def agents(m: Managing, ctx: Ctx) -> dict[str, Any]:
    return {"agents": [p.to_dict() for p in await desk_service(ctx).agents(m.merchant_id)]}


@router.get("/agents/{agent_id}", responses=errors({404: ["agent_not_found"]}))
async def agent(agent_id: AgentId, m: Managing, ctx: Ctx) -> dict[str, Any]:
    found = next((p for p in await desk_service(ctx).agents(m.merchant_id) if p.id == agent_id), None)
    if found is None:
        raise NotFound(f"no staff profile {agent_id!r}", code="agent_not_found")
    return found.to_dict()


@router.put("/agents/{agent_id}", responses=errors({403: ["host_only"], 409: ["capacity_below_load"]}),
            dependencies=[audited(host_manager, "desk.agent.update", "staff_profile", "agent_id")])
async def put_agent(agent_id: AgentId, body: AgentIn, m: Managing, ctx: Ctx) -> dict[str, Any]:
    require_host(m)
    profile = StaffProfile.from_dict(m.merchant_id, agent_id, body.model_dump())
    await desk_service(ctx).put_agent(profile)
    return profile.to_dict()


@router.delete("/agents/{agent_id}", responses=errors({403: ["host_only"], 404: ["agent_not_found"]}),
               dependencies=[audited(host_manager, "desk.agent.delete", "staff_profile", "agent_id")])
async def delete_agent(agent_id: AgentId, m: Managing, ctx: Ctx) -> dict[str, Any]:
    require_host(m)
    desk = desk_service(ctx)
    await desk.require_here(m.merchant_id)  # routing forgets the agent on the node that serves the desk
    if not await desk.remove_agent(m.merchant_id, agent_id):
        raise NotFound(f"no staff profile {agent_id!r}", code="agent_not_found")
    return {"removed": True}


@router.get("/settings", responses=errors(UNAVAILABLE))
async def get_settings(m: Managing, ctx: Ctx) -> dict[str, Any]:
    return (await desk_service(ctx).settings_for(m.merchant_id)).to_dict()


@router.put("/settings", responses=errors({400: ["bad_desk_settings", "bad_handoff_rule", "bad_sla"],
                                          403: ["host_only"], 409: ["canned_id_taken"],
                                          413: ["too_many_canned_replies"]}),
            dependencies=[audited(host_manager, "desk.settings.update", "desk_settings")])
async def put_settings(body: SettingsIn, m: Managing, ctx: Ctx) -> dict[str, Any]:
    """Change the merchant's desk settings; keys left out keep their value, ``hours: null`` and
    ``max_wait_s: null`` clear them."""
    require_host(m)
    desk = desk_service(ctx)
    data = body.model_dump(exclude_unset=True, mode="json")
    if data.get("handoff") is not None:
        data["handoff"] = {k: v for k, v in data["handoff"].items() if v is not None or k == "order_value_threshold"}
    for key in ("handoff", "sla", "canned", "email_offer"):
        if key in data and data[key] is None:
            del data[key]  # null: keep
    ids = [c["id"] for c in data.get("canned") or []]
    if len(ids) != len(set(ids)):
        raise Conflict("two canned replies have the same id", code="canned_id_taken")
    settings = DeskSettings.from_dict(data, base=await desk.settings_for(m.merchant_id))
    await desk.put_settings(m.merchant_id, settings)
    return settings.to_dict()


# ---------------------------------------------------------------- the staff socket


@router.websocket("/ws")
async def desk_ws(ws: WebSocket) -> None:
    ctx: AppContext = ws.app.state.ctx
    await ws.accept()
    try:
        claims = await ws_helpers.authenticate(ws, ctx.tokens, max_bytes=MAX_FRAME)
        require_desk_staff(claims)
        desk = desk_service(ctx)
        await desk.require_here(claims.merchant_id)  # several nodes: room_elsewhere (details.url), close 4409
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    merchant, agent_id = claims.merchant_id, claims.identity
    try:
        feed = await desk.connect_agent(merchant, agent_id)  # the desk may have moved since the check above
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    ending = ws_helpers.Ending(ws)
    watch = ws_helpers.watch_token(ctx, claims, ending.end)
    lock = asyncio.Lock()
    pump = asyncio.create_task(_pump(ws, feed, ending, lock), name=f"desk-ws-{agent_id}")
    try:
        await _read(ws, ending, desk, claims, lock)
    except WebSocketDisconnect:
        pass
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        watch.cancel()
        await desk.disconnect_agent(merchant, agent_id, feed)
        await ending.aclose()
    if ending.error is None:
        await ws_helpers.close(ws, 1000, "bye")


async def send_json(ws: WebSocket, lock: asyncio.Lock, body: dict[str, Any]) -> None:
    """One frame; a client that has not taken it within SEND_TIMEOUT_S is not reading (TimeoutError)."""
    text = json.dumps(body, ensure_ascii=False, default=str)
    async with lock, asyncio.timeout(SEND_TIMEOUT_S):
        await ws.send_text(text)


def slow_consumer() -> RateLimited:
    return RateLimited("the client does not read its frames; reconnect", code="slow_consumer")


async def _pump(ws: WebSocket, feed: Feed, ending: ws_helpers.Ending, lock: asyncio.Lock) -> None:
    """The feed's frames to the socket; a feed that overflowed or a send that stalls cuts the socket off."""
    try:
        async for frame in feed:
            await send_json(ws, lock, frame)
    except TimeoutError:
        ending.end(slow_consumer(), say=False)
        return
    except (WebSocketDisconnect, RuntimeError, OSError):
        return
    if feed.overflowed:
        ending.end(slow_consumer(), say=False)


async def _read(ws: WebSocket, ending: ws_helpers.Ending, desk: DeskService, claims: AccessClaims,
                lock: asyncio.Lock) -> None:
    bad = 0
    while True:
        frame = await ws.receive()
        if frame["type"] == "websocket.disconnect" or ending.error is not None:
            return
        try:
            msg = parse_frame(frame.get("text"), ("presence", "ping"))
            if msg["type"] == "ping":
                await send_json(ws, lock, {"type": "pong"})
            else:
                try:
                    value = Presence(msg.get("presence"))
                except ValueError as exc:
                    raise BadRequest("presence is online, away or offline", code="bad_presence") from exc
                await desk.set_presence(claims.merchant_id, claims.identity, value)
            bad = 0
        except TimeoutError:
            ending.end(slow_consumer(), say=False)
            return
        except SoukError as exc:
            bad += 1
            await send_json(ws, lock, {"type": "error", **exc.to_dict()})
            if bad >= MAX_BAD_IN_A_ROW:
                await ws_helpers.close(ws, ws_close_code(exc), "too many bad messages")
                return


def parse_frame(raw: str | None, kinds: tuple[str, ...], max_bytes: int = MAX_FRAME) -> dict[str, Any]:
    """A client frame: a JSON object whose ``type`` is one of ``kinds``."""
    if raw is None:
        raise BadRequest("send text frames with JSON messages", code="binary_not_supported")
    if len(raw) > max_bytes:
        raise TooLarge(f"frames are limited to {max_bytes} bytes", code="message_too_large")
    if too_deep(raw):
        raise BadRequest("JSON nested too deep", code="bad_json")
    try:
        msg = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("frames are JSON objects", code="bad_json") from exc
    if not isinstance(msg, dict) or msg.get("type") not in kinds:
        raise BadRequest(f"expected a frame of type {', '.join(kinds)}", code="bad_message")
    return msg
