"""The voice WebSocket: ``/v1/voice``. Browser microphone in, the agent's voice out, with barge-in.

Authenticate with ``?token=<access token>`` or a first message ``{"type":"auth","token":"..."}``;
``?language=es`` fixes the language (otherwise it is detected per turn).

With the customer-service desk (docs/desk.md) the voice conversation is a desk conversation
(:mod:`souk.api.voice_desk`): ``?session=<id>`` joins the shopper's open assistant conversation (the widget's
text session: one conversation when it switches between text and voice; 404 ``unknown_conversation`` for
one that is not theirs), otherwise the socket opens its own (``ready`` says its ``conversation_id``; it ends
with the socket, unless it waits for or is with a person and the socket only dropped: resume with
``?session=``).

Client -> server
  binary: microphone PCM, 16 kHz mono s16le, normally 20 ms (640 bytes) a message; any whole number of
          samples up to 1 s is accepted.
  text:   {"type":"text","text":"..."}  a typed turn (at most 10 kB)
          {"type":"interrupt"}          stop the agent now (push-to-stop)
          {"type":"human"}              talk to a person (with the desk): the notice is spoken and sent
          {"type":"ping"} -> {"type":"pong"};  {"type":"bye"} closes.
Server -> client
  binary: the agent's audio, 16 kHz mono s16le, 20 ms a message, paced in real time (~60 ms ahead).
  text:   ready, vad, transcript, agent_text (with handoff / tool_calls / cards from the brain),
          audio_start, interrupted (flush your playback buffer), resumed, audio_end, metrics, error;
          with the desk also the agent socket's desk frames (desk, desk_status, csat_request, call_offer, call)
          and {"type":"sent","seq","status":"assigned"} for a turn that went to the person who has the
          conversation (the AI stays quiet). A person's message is spoken: its agent_text has "scripted": true
          and "desk": "agent_message"; a hand-off notice's has "desk": "notice".
Bad input gets an ``error`` event and is dropped; 50 bad messages in a row, an auth failure or a client
that does not read its audio closes the socket with a 44xx code from souk.api.errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from souk.api import voice_desk
from souk.api import ws as ws_helpers
from souk.api.context import AppContext
from souk.api.errors import ws_close_code
from souk.api.limit_deps import limits_of
from souk.api.limits import Who, client_address
from souk.assistant.service import AssistantService
from souk.core.errors import BadRequest, RateLimited, SoukError, TooLarge, Unavailable
from souk.core.ids import new_id
from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep
from souk.core.metrics import Metrics

log = logging.getLogger(__name__)
router = APIRouter()

MAX_AUDIO_BYTES = 32_000  # 1 s of audio in one message
MAX_TEXT_BYTES = 10_240
MAX_BAD_IN_A_ROW = 50
OUTBOX_LIMIT = 500  # ~10 s of agent audio frames plus events
FLUSH_TIMEOUT_S = 2.0


class _SocketOutput:
    """VoiceOutput over a WebSocket: a bounded outbox drained by one writer task."""

    def __init__(self, ws: WebSocket, on_overflow: Callable[[SoukError], None] | None = None) -> None:
        self._ws = ws
        self.queue: asyncio.Queue[bytes | str | None] = asyncio.Queue(OUTBOX_LIMIT)
        self.overflowed = False
        self._on_overflow = on_overflow
        self.metrics: Metrics | None = None  # the turn's stage times go to souk.core.metrics when set

    def _put(self, item: bytes | str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():  # nobody reads it: free it (the writer is stuck in a send)
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            if self._on_overflow is not None:
                self._on_overflow(RateLimited("agent audio not read", code="slow_consumer"))

    async def send_audio(self, pcm: bytes) -> None:
        self._put(pcm)

    async def send_event(self, event: dict[str, Any]) -> None:
        if self.metrics is not None and event.get("type") == "metrics":
            self.metrics.voice_turn(event)
        self._put(json.dumps(event, ensure_ascii=False, default=str))

    def flush_audio(self) -> None:
        """Barge-in: drop the agent audio not yet written to the socket (queued events stay, in order)."""
        kept = [item for item in _drain(self.queue) if not isinstance(item, bytes)]
        for item in kept:
            self.queue.put_nowait(item)

    async def writer(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            if isinstance(item, bytes):
                await self._ws.send_bytes(item)
            else:
                await self._ws.send_text(item)

    def close(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


def _drain(queue: asyncio.Queue[bytes | str | None]) -> list[bytes | str | None]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


@router.websocket("/v1/voice")
async def voice(ws: WebSocket) -> None:
    ctx: AppContext = ws.app.state.ctx
    await ws.accept()
    try:
        claims = await ws_helpers.authenticate(ws, ctx.tokens, max_bytes=MAX_TEXT_BYTES)
        service, brains = ctx.voice, ctx.assistant
        if service is None or brains is None:
            raise Unavailable("the voice assistant is not configured on this server", code="voice_unavailable")
        if service.sessions >= service.max_sessions:
            raise Unavailable("too many voice sessions on this node; try again shortly",
                              code="voice_busy", retryable=True)
        language = _language(ws.query_params.get("language"))
        who = Who(claims.merchant_id, claims.identity, client_address(ws))
        desk, resume = ctx.desk, ws.query_params.get("session")
        conv = None
        if desk is not None and isinstance(brains, AssistantService):  # one desk conversation (voice_desk)
            await desk.require_here(claims.merchant_id)  # several nodes: room_elsewhere (details.url)
            if resume:
                conv = brains.get(resume, claims.merchant_id, claims.identity)
            else:
                await limits_of(ctx).assistant_open(who, brains.open_count(claims.merchant_id, claims.identity))
        else:
            await limits_of(ctx).assistant_open(who, 0)
        engine = await service.engine()
        if desk is not None and isinstance(brains, AssistantService) and conv is None:
            conv = await brains.open(claims.merchant_id, claims.identity, claims.customer_id, language=language,
                                     channel="voice")
    except SoukError as exc:
        await ws_helpers.refuse(ws, exc)
        return
    except WebSocketDisconnect:
        return
    ending = ws_helpers.Ending(ws)  # token expired / revoked, or agent audio not read: close 4401/4403/4429
    out = _SocketOutput(ws, on_overflow=lambda exc: ending.end(exc, say=False))
    out.metrics = ctx.metrics
    sid = new_id("voice")
    link = None
    if conv is not None and desk is not None and isinstance(brains, AssistantService):
        link = voice_desk.DeskVoice(ctx, brains, desk, claims, conv, out, language=language,
                                    owned=conv.channel == "voice", on_overflow=lambda exc: ending.end(exc, say=False))
        session = engine.new_session(link.brain, link, language=language, session_id=sid)
    else:
        # the merchant's own assistant when the service keeps one per merchant, else the one brain given
        assistant = brains.brain_for(claims.merchant_id) if isinstance(brains, AssistantService) else brains
        brain = assistant.new_session(customer_id=claims.customer_id, language=language, channel="voice")
        session = engine.new_session(brain, out, language=language, session_id=sid)
    service.sessions += 1
    writer = asyncio.create_task(out.writer(), name=f"voice-writer:{sid}")
    ready: dict[str, Any] = {"type": "ready", "session": sid, "sample_rate": 16000, "frame_ms": 20,
                             "format": "s16le", "language": language}
    if link is not None:
        ready.update(conversation_id=link.conv.id, desk=True, resumed=bool(resume))
    await out.send_event(ready)
    session.start()
    if link is not None:
        link.start(session)
        if resume and (where := await link.resumed_status()) is not None:  # joined mid hand-off
            await out.send_event(where)
    close_code, reason = 1000, "bye"
    watch = ws_helpers.watch_token(ctx, claims, ending.end)
    try:
        close_code, reason = await _read_loop(ws, ending, session, out, writer,
                                              lambda text: limits_of(ctx).assistant_message(who, text), link)
    except WebSocketDisconnect:
        pass
    finally:
        watch.cancel()
        service.sessions -= 1
        await session.aclose()
        if link is not None:
            await link.aclose(bye=reason == "bye")
        out.close()
        if out.overflowed:
            close_code, reason = 4429, "slow consumer: agent audio not read"
        if out.overflowed or reason == "disconnected":
            writer.cancel()  # nobody to flush to: a send on a closing socket can wait for its timeout
        try:
            await asyncio.wait_for(asyncio.gather(writer, return_exceptions=True), FLUSH_TIMEOUT_S)
        except TimeoutError:
            log.info("voice %s: outbox not flushed in %.0f s", sid, FLUSH_TIMEOUT_S)
        await ending.aclose()
        if ending.error is None and (close_code != 1000 or reason != "disconnected"):
            await ws_helpers.close(ws, close_code, reason)


async def _read_loop(ws: WebSocket, ending: ws_helpers.Ending, session: Any, out: _SocketOutput,
                     writer: asyncio.Task[None], typed: Callable[[str], Awaitable[None]],
                     link: voice_desk.DeskVoice | None = None) -> tuple[int, str]:
    bad = 0
    while not writer.done() and not out.overflowed:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return 1000, "disconnected"
        if ending.error is not None:  # ended by the server: its token, or agent audio the client does not read
            return ws_close_code(ending.error), ending.error.code
        data = message.get("bytes")
        text = message.get("text")
        try:
            if data is not None:
                _check_audio(data)
                if data:
                    await session.feed_audio(data)
            elif text is not None and await _control(text, session, out, typed, link):
                return 1000, "bye"
            bad = 0
        except SoukError as exc:
            bad += 1
            await out.send_event({"type": "error", **exc.to_dict()})
            if bad >= MAX_BAD_IN_A_ROW:
                return ws_close_code(exc), "too many bad messages"
    return 1000, "closed"


def _check_audio(data: bytes) -> None:
    if len(data) > MAX_AUDIO_BYTES:
        raise TooLarge(f"audio message of {len(data)} bytes exceeds {MAX_AUDIO_BYTES} (1 s); send 20 ms frames",
                       code="audio_too_large")
    if len(data) % 2:
        raise BadRequest("audio must be 16-bit PCM: an odd number of bytes is not", code="bad_audio")


async def _control(text: str, session: Any, out: _SocketOutput, typed: Callable[[str], Awaitable[None]],
                   link: voice_desk.DeskVoice | None = None) -> bool:
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise TooLarge(f"text message exceeds {MAX_TEXT_BYTES} bytes", code="text_too_large")
    if too_deep(text):
        raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", code="bad_json")
    try:
        msg = json.loads(text)
    except ValueError as exc:
        raise BadRequest("text messages must be JSON objects", code="bad_json") from exc
    if not isinstance(msg, dict):
        raise BadRequest("text messages must be JSON objects", code="bad_json")
    kind = msg.get("type")
    if kind == "text":
        body = msg.get("text")
        if not isinstance(body, str) or not body.strip():
            raise BadRequest("text needs a non-empty string field 'text'", code="bad_text")
        await typed(body)  # the assistant's message limits (rate, size)
        await session.send_text(body.strip())
    elif kind == "interrupt":
        session.interrupt()
    elif kind == "human":
        if link is None:
            raise Unavailable("this server runs no customer-service desk", code="desk_unavailable")
        await typed("")
        await out.send_event(await link.ask_for_person())
    elif kind == "ping":
        await out.send_event({"type": "pong"})
    elif kind == "bye":
        return True
    elif kind == "auth":
        pass  # a client that sends auth even with ?token=
    else:
        raise BadRequest(f"unknown message type {kind!r}", code="unknown_type")
    return False


def _language(value: str | None) -> str | None:
    if not value:
        return None
    lang = value.strip().lower().split("-")[0]
    if not (2 <= len(lang) <= 3 and lang.isalpha()):
        raise BadRequest(f"language must be an ISO 639-1 code, got {value!r}", code="bad_language")
    return lang
