"""Real-time messaging over HTTP: server-side publish, history, presence, moderation, and a WebSocket.

Clients normally use the dedicated picows listener (``ws://host:<rtm.port>/rtm/ws?token=``, the hot path,
beside the signaling socket); when ``rtm.port`` is 0 the same protocol is served here at
``/v1/rtm/ws?token=`` through ASGI (fine for small rooms, slower per send). ``GET /v1/rtm/info`` tells a
client which to use. REST calls take an access token, or a merchant API key for server-side publishing
(acting as the ``service`` role for the whole merchant).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from souk.api import ws as ws_helpers
from souk.api.auth import Ctx, bearer
from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.api.log_ids import bind_request
from souk.api.openapi import errors
from souk.api.params import Channel
from souk.auth.apikeys import PREFIX as API_KEY_PREFIX
from souk.auth.tokens import ANY_ROOM, DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.errors import SoukError, TooLarge, Unavailable
from souk.rtm.envelope import Kind, control_frame, encode
from souk.rtm.node import RtmNode
from souk.rtm.session import MAX_BUFFERED_HIGH_WATERS, Session, slow_consumer

log = logging.getLogger(__name__)
router = APIRouter()


def _node(ctx: AppContext) -> RtmNode:
    if ctx.rtm is None:
        raise Unavailable("real-time messaging is not running", code="rtm_unavailable")
    node: RtmNode = ctx.rtm
    return node


async def _claims(request: Request, ctx: AppContext) -> AccessClaims:
    """An access token, or a merchant API key acting as the merchant's service identity."""
    token = bearer(request)
    if token is not None and token.startswith(API_KEY_PREFIX):
        merchant = await ctx.api_keys.verify_api_key(token)
        return AccessClaims(merchant_id=merchant, identity="server", room=ANY_ROOM, role=Role.SERVICE,
                            privileges=DEFAULT_PRIVILEGES[Role.SERVICE], expires_at=time.time() + 60,
                            name="server")
    return ctx.tokens.verify(token)


def _json_list(name: str, raws: list[bytes]) -> Response:
    return Response(b'{"%s":[' % name.encode() + b",".join(raws) + b"]}", media_type="application/json")


class PublishIn(BaseModel):
    kind: Kind = Kind.CHAT
    body: Any = None
    id: str = Field(default="", max_length=64)
    count: int = Field(default=1, ge=1, le=100)


# Sequence numbers fit in 64-bit storage (a larger one was a 500 from SQLite); the bound is 2**53 - 1 so that
# every JSON client (JavaScript numbers, validators that read numbers as doubles) compares it exactly.
MAX_SEQ = 2**53 - 1


class _Moderation(BaseModel):
    user: str = ""
    seq: int = Field(default=0, ge=0, le=MAX_SEQ)
    duration_s: float = Field(default=0.0, ge=0, le=366 * 86_400)  # checked for every action
    words: list[str] = Field(default_factory=list)


class MemberModeration(_Moderation):
    action: Literal["mute", "unmute", "kick", "ban", "unban"]
    user: str = Field(min_length=1, max_length=128)
    duration_s: float = Field(default=0.0, ge=0, le=366 * 86_400, description="0: until lifted")


class DeleteModeration(_Moderation):
    action: Literal["delete"]
    seq: int = Field(ge=1, le=MAX_SEQ, description="the message's seq")


class SlowModeration(_Moderation):
    action: Literal["slow"]
    duration_s: float = Field(default=0.0, ge=0, le=3600, description="seconds between messages; 0: off")


class KeywordsModeration(_Moderation):
    action: Literal["keywords"]
    words: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=500)


# one shape per action, so a request the schema allows is one the service accepts
ModerateIn = Annotated[MemberModeration | DeleteModeration | SlowModeration | KeywordsModeration,
                       Field(discriminator="action")]
# An access token for the channel's room, or a merchant API key (the merchant's server identity).
AUTH = {401: ["token_missing", "token_invalid", "token_expired", "bad_api_key"], 403: ["wrong_room"]}
JOIN = {403: ["privilege_missing", "banned"]}


@router.get("/v1/rtm/info", responses=errors({503: ["rtm_unavailable"]}))
async def info(ctx: Ctx) -> dict[str, Any]:
    node = _node(ctx)
    return {"ws_path": "/rtm/ws" if node.port else "/v1/rtm/ws", "ws_port": node.port or None,
            "max_message_bytes": node.service.config.max_message_bytes, "version": 1}


@router.post("/v1/rtm/channels/{ch}/messages", responses=errors(AUTH, {
    403: ["privilege_missing", "banned", "muted", "keyword_blocked"], 413: ["message_too_large"],
    429: ["rate_limited", "slow_mode", "user_rate_limited", "channel_rate_limited"]}))
async def publish(ch: Channel, payload: PublishIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    claims = await _claims(request, ctx)
    acc = await _node(ctx).service.publish(claims, ch, payload.kind, payload.body, payload.id, payload.count)
    if acc is None:
        return {"ephemeral": True}
    return {"seq": acc.seq, "duplicate": acc.duplicate}


@router.get("/v1/rtm/channels/{ch}/messages", responses=errors(AUTH, JOIN))
async def history(ch: Channel, request: Request, ctx: Ctx, since: int | None = Query(default=None, ge=0, le=MAX_SEQ),
                  limit: int = Query(default=50, ge=1, le=1000)) -> Response:
    claims = await _claims(request, ctx)
    return _json_list("messages", await _node(ctx).service.history(claims, ch, since=since, limit=limit))


@router.get("/v1/rtm/channels/{ch}/presence", responses=errors(AUTH, JOIN))
async def presence(ch: Channel, request: Request, ctx: Ctx) -> Response:
    claims = await _claims(request, ctx)
    return _json_list("members", await _node(ctx).service.presence(claims, ch))


@router.post("/v1/rtm/channels/{ch}/moderation", responses=errors(AUTH, {403: ["privilege_missing"]}))
async def moderate(ch: Channel, payload: ModerateIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    claims = await _claims(request, ctx)
    acc = await _node(ctx).service.moderate(claims, ch, payload.action, user=payload.user, seq=payload.seq,
                                             dur=payload.duration_s, words=payload.words)
    return {"seq": acc.seq if acc else None}


class _AsgiConn:
    """Hub-facing connection over an ASGI WebSocket: an outbox drained by one writer task, bounded in bytes.

    The hub holds channel batches back while ``buffered()`` is above its high-water mark; direct replies
    (pongs, acks) to a client that never reads are what could still pile up, so past ``max_buffered`` the
    connection is cut off with ``slow_consumer`` and its resume points, and the outbox is dropped."""

    def __init__(self, ws: WebSocket, max_buffered: int) -> None:
        self._ws = ws
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._bytes = 0
        self._max = max_buffered
        self.error: SoukError | None = None
        self.closed = False
        self.peer_gone = False
        self.cut_slow = False  # cut off for not reading: the writer is stuck, skip the goodbye
        self.ended = asyncio.Event()
        self.resume: Callable[[], dict[str, int]] = dict

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        if self._bytes > self._max:
            self.close(slow_consumer(self.resume()))
            return
        self._bytes += len(data)
        self._queue.put_nowait(data)

    def buffered(self) -> int:
        return self._bytes

    def close(self, error: SoukError | None) -> None:
        if not self.closed:
            self.closed = True
            self.error = error
            if self._bytes > self._max:  # nothing queued will ever be read: free it now
                self.cut_slow = True
                while not self._queue.empty():
                    self._queue.get_nowait()
                self._bytes = 0
            self._queue.put_nowait(None)
            self.ended.set()

    async def writer(self) -> None:
        while True:
            data = await self._queue.get()
            if data is None:
                break
            self._bytes -= len(data)
            await self._ws.send_text(data.decode())
        if self.peer_gone:
            return
        if self.error is not None:
            await self._ws.send_text(control_frame("err", **self.error.to_dict()).decode())
            reason = encode({"code": self.error.code, **self.error.details}).decode()[:120]
            await self._ws.close(ws_close_code(self.error), reason)
        else:
            await self._ws.close()


async def _refuse(ws: WebSocket, exc: SoukError) -> None:
    """Accept, say why in an ``err`` frame, close with the documented code (not a bare HTTP 403)."""
    await ws.accept()
    await ws_helpers.refuse(ws, exc, control_frame("err", **exc.to_dict()).decode())


@router.websocket("/v1/rtm/ws")
async def rtm_socket(ws: WebSocket) -> None:
    ctx: AppContext = ws.app.state.ctx
    try:
        node = _node(ctx)
        claims = ctx.tokens.verify(ws.query_params.get("token"))
    except SoukError as exc:
        await _refuse(ws, exc)
        return
    await ws.accept()
    bind_request(ws, claims.merchant_id, claims.room)  # the ids of the socket's log lines
    config = node.service.config
    conn = _AsgiConn(ws, config.high_water * MAX_BUFFERED_HIGH_WATERS)
    session = Session(node.service, claims, conn)
    conn.resume = session.resume_points
    writer = asyncio.create_task(conn.writer(), name=f"rtm-asgi-writer:{claims.identity}")
    watch = ws_helpers.watch_token(ctx, claims, conn.close)
    conn.send(session.welcome())
    limit = config.max_frame_bytes * 4
    ended = asyncio.create_task(conn.ended.wait(), name=f"rtm-asgi-ended:{claims.identity}")
    try:
        while not conn.closed:
            receive = asyncio.ensure_future(ws.receive())
            await asyncio.wait((receive, ended), return_when=asyncio.FIRST_COMPLETED)
            if not receive.done():  # closed by the server (slow, token ended, kicked): stop reading
                receive.cancel()
                await asyncio.gather(receive, return_exceptions=True)
                break
            msg = receive.result()
            if msg["type"] == "websocket.disconnect":
                conn.peer_gone = True
                break
            raw = msg.get("bytes") or (msg.get("text") or "").encode()
            if len(raw) > limit:
                conn.close(TooLarge(f"frame of {len(raw)} bytes is too large", code="frame_too_large"))
                break
            session.feed(raw)
    except WebSocketDisconnect:
        conn.peer_gone = True
    finally:
        watch.cancel()
        ended.cancel()
        conn.close(conn.error)
        slow = conn.cut_slow
        await session.aclose()
        if slow:  # the writer is stuck in a send the client will never read
            writer.cancel()
        try:
            await asyncio.wait_for(asyncio.gather(writer, return_exceptions=True), 2)
        except TimeoutError:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
        if slow:
            await _close_quietly(ws, conn.error)


async def _close_quietly(ws: WebSocket, error: SoukError | None) -> None:
    """Close a socket whose client does not read: the close frame may never go out; do not wait long."""
    code = ws_close_code(error) if error is not None else 1000
    with contextlib.suppress(TimeoutError, RuntimeError, WebSocketDisconnect, OSError):
        async with asyncio.timeout(1.0):
            await ws.close(code, error.code if error else "")
