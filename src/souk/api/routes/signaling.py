"""The signaling WebSocket: ``/v1/signal``.

Authenticate either with ``?token=<access token>`` on the URL, or by connecting bare and sending
``{"type":"auth","token":"..."}`` as the first message within 10 s (keeps tokens out of proxy logs).
The server answers ``welcome``; then see souk.signal.messages for the protocol.

- A staff token (room ``*``) also receives the merchant's console events: ``call`` (ringing, accepted,
  declined, missed, cancelled, ended) for every consult call.
- A room-scoped token receives ``call`` events for its room from the moment it connects.
- ``?join=<room>`` joins that room (with its feeds' offers, as ``join`` with ``subscribe``) as soon as the
  socket is up: the ``joined`` reply (``id`` ``"join"``, or an ``error`` with that id) follows the welcome, a
  round trip sooner than a ``join`` sent after it (the consult's shopper on a slow link).
- Oversized frames (> Settings.server.max_ws_message_bytes), malformed JSON, unknown types, unknown rooms
  and bad SDP get an ``error`` with a stable code; the socket stays open. Auth failures close the socket
  with the 44xx code from souk.api.errors after sending the error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from souk.api import ws as ws_helpers
from souk.api.auth import is_staff
from souk.api.context import AppContext
from souk.api.ice import ice_config
from souk.api.log_ids import bind_request
from souk.api.metrics_signal import MeteredOutbox, observe
from souk.auth.tokens import AccessClaims
from souk.core.errors import SoukError, TooLarge, Unauthenticated
from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal import voice_messages as v
from souk.signal.hub import Outbox, call_info
from souk.signal.session import SignalSession
from souk.signal.voice import VoiceSignals

log = logging.getLogger(__name__)
router = APIRouter()

AUTH_TIMEOUT_S = 10.0


@router.websocket("/v1/signal")
async def signal(ws: WebSocket) -> None:
    ctx: AppContext = ws.app.state.ctx
    limit = ctx.settings.server.max_ws_message_bytes
    await ws.accept()
    outbox = MeteredOutbox(ctx.metrics) if ctx.metrics is not None else Outbox()  # souk.api.metrics_signal
    try:
        claims = await _authenticate(ws, ctx, limit)
    except SoukError as exc:
        await _refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    bind_request(ws, claims.merchant_id, claims.room)  # the ids of the socket's log lines
    if isinstance(outbox, MeteredOutbox):
        outbox.identity = claims.identity
    session = SignalSession(claims=claims, hub=ctx.hub, media=ctx.media, rooms=ctx.signal_rooms, outbox=outbox,
                            gone=ctx.calls, stage=ctx.stage)
    session.voice = voice = VoiceSignals(session, ctx.voice_plane, ctx.voice_seats)
    writer = asyncio.create_task(_writer(ws, outbox), name=f"signal-writer:{claims.identity}")
    ending = ws_helpers.Ending(ws)  # the token expired or was revoked: error frame, close 4401 / 4403
    token_watch = ws_helpers.watch_token(ctx, claims, ending.end)
    _watch(ctx, claims, outbox)
    outbox.push(m.Welcome(identity=claims.identity, merchant=claims.merchant_id, room=claims.room,
                          role=claims.role.value, privileges=sorted(p.value for p in claims.privileges),
                          max_message_bytes=limit, ice_servers=ice_config(ctx, claims).servers))
    if is_staff(claims):
        for ringing in ctx.calls.active(claims.merchant_id):
            outbox.push(m.CallEvent(call=call_info(ringing, ctx.settings.calls.ring_timeout_s)))
    elif (call := ctx.calls.by_room(RoomKey(claims.merchant_id, claims.room))) is not None:
        outbox.push(m.CallEvent(call=call_info(call, ctx.settings.calls.ring_timeout_s)))
    try:
        if early := _early_join(ws):
            outbox.push_frame(v.encode(await _one(session, voice, early, limit, claims, outbox)))
        while not writer.done():
            raw = await _receive(ws)
            if raw is None:
                break
            reply = await _one(session, voice, raw, limit, claims, outbox)
            if not outbox.push_frame(v.encode(reply)):
                break
            if outbox.overflowed:
                break
    except WebSocketDisconnect:
        pass
    finally:
        token_watch.cancel()
        await ending.aclose()
        ctx.hub.unwatch(outbox)
        try:
            await session.aclose()
            await voice.aclose()
        finally:
            outbox.close()
            if outbox.overflowed:
                writer.cancel()
                await ws_helpers.close(ws, 4429, "slow consumer: outbound queue overflowed")
            await asyncio.gather(writer, return_exceptions=True)


async def _one(session: SignalSession, voice: VoiceSignals, raw: str | bytes, limit: int, claims: AccessClaims,
               outbox: Outbox) -> m.ServerMessage | v.VoiceServerMessage:
    if len(raw) > limit:
        return m.Error(code=m.ErrorCode.TOO_LARGE, message=f"message of {len(raw)} bytes exceeds {limit}")
    if too_deep(raw):
        return m.Error(code=m.ErrorCode.MALFORMED, message=f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        msg = v.decode(raw)  # the socket's messages and the voice-room ones (souk.signal.voice_messages)
    except m.DecodeFailure as exc:
        return m.Error(id=exc.request_id, code=exc.code, message=exc.message)
    start = time.perf_counter()
    reply = await _handle(session, voice, msg, claims)
    observe(outbox, type(msg).__name__, reply, time.perf_counter() - start)  # metrics on: counted and timed
    return reply


async def _handle(session: SignalSession, voice: VoiceSignals, msg: m.ClientMessage | v.VoiceClientMessage,
                  claims: AccessClaims) -> m.ServerMessage | v.VoiceServerMessage:
    try:
        if isinstance(msg, v.VOICE_TYPES):
            return await voice.handle(msg)
        return await session.handle(msg)
    except SoukError as exc:
        return m.Error(id=msg.id, code=exc.code, message=exc.message, details=exc.details or None)
    except Exception:
        log.exception("signaling %s from %s failed", type(msg).__name__, claims.identity)
        return m.Error(id=msg.id, code="internal", message="internal error; the request was not applied")


def _early_join(ws: WebSocket) -> str:
    """``?join=<room>``: the join to run before reading the socket (validated as any join), or ""."""
    room = ws.query_params.get("join")
    return json.dumps({"type": "join", "room": room, "subscribe": True, "id": "join"}) if room else ""


def _watch(ctx: AppContext, claims: AccessClaims, outbox: Outbox) -> None:
    if is_staff(claims):
        ctx.hub.watch_console(claims.merchant_id, outbox)
    else:
        ctx.hub.watch_room(RoomKey(claims.merchant_id, claims.room), outbox)


async def _authenticate(ws: WebSocket, ctx: AppContext, limit: int) -> AccessClaims:
    token = ws.query_params.get("token")
    if token:
        return ctx.tokens.verify(token)
    try:
        raw = await asyncio.wait_for(_receive(ws), AUTH_TIMEOUT_S)
    except TimeoutError as exc:
        raise Unauthenticated(f"no token: pass ?token= or send an auth message within {AUTH_TIMEOUT_S:g} s",
                              code="token_missing") from exc
    if raw is None:
        raise WebSocketDisconnect(1000)
    if len(raw) > limit:
        raise TooLarge("auth message too large", code=m.ErrorCode.TOO_LARGE)
    if too_deep(raw):
        raise Unauthenticated("first message must be auth: JSON nested too deep", code="token_missing")
    try:
        msg = m.decode_client(raw)
    except m.DecodeFailure as exc:
        raise Unauthenticated(f"first message must be auth: {exc.message}", code="token_missing") from exc
    if not isinstance(msg, m.Auth):
        raise Unauthenticated("first message must be {\"type\":\"auth\",\"token\":...}", code="token_missing")
    return ctx.tokens.verify(msg.token)


async def _receive(ws: WebSocket) -> str | bytes | None:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    return text if text is not None else message.get("bytes") or b""


async def _writer(ws: WebSocket, outbox: Outbox) -> None:
    while True:
        frame = await outbox.queue.get()
        if frame is None:
            return
        await ws.send_text(frame.decode())


async def _refuse(ws: WebSocket, exc: SoukError) -> None:
    await ws_helpers.refuse(ws, exc, m.encode(m.Error(code=exc.code, message=exc.message)).decode())
