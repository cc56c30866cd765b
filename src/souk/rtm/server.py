"""The dedicated picows WebSocket listener for RTM clients (the hot path, beside the HTTP API).

``ws://host:port/rtm/ws?token=<access token>``. A refused token (missing, invalid, expired, revoked) gets
the WebSocket, an ``err`` frame and a close with its code (4401, 4403); each connection then speaks the
frames of :mod:`souk.rtm.envelope` until it closes, or its token expires or is revoked (the injected
TokenGuard closes it the same way).
Errors that end a connection close it with the code from the injected ``close_code`` mapper (the API's one
error -> close-code map) and a JSON reason carrying the error (and, for slow consumers, the resume point).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from souk.auth.guard import TokenGuard, Watch
from souk.auth.revocation import MemoryRevocations
from souk.auth.tokens import AccessClaims, TokenService
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner
from souk.rtm.envelope import control_frame, encode
from souk.rtm.service import RtmService
from souk.rtm.session import MAX_BUFFERED_HIGH_WATERS, Session, slow_consumer

log = logging.getLogger(__name__)

CloseCode = Callable[[SoukError], int]


def default_close_code(exc: SoukError) -> int:
    return 4000 + {"bad_request": 400, "unauthenticated": 401, "token_expired": 401, "forbidden": 403,
                   "too_large": 413, "rate_limited": 429, "unavailable": 503}.get(exc.kind.value, 500)


class PicoConn:
    __slots__ = ("_buffered", "_close_code", "_max_buffered", "_send", "_t", "closed", "resume")

    def __init__(self, transport: WSTransport, close_code: CloseCode, max_buffered: int = 1 << 20) -> None:
        self._t = transport
        self._close_code = close_code
        self._max_buffered = max_buffered
        self.closed = False
        self.resume: Callable[[], dict[str, int]] = dict
        self._send = transport.send  # bound once: these two run for every member on every tick
        self._buffered = transport.underlying_transport.get_write_buffer_size

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        if self._buffered() > self._max_buffered:  # a client that never reads: cut it off, drop its buffer
            self.close(slow_consumer(self.resume()))
            return
        self._send(WSMsgType.TEXT, data)

    def buffered(self) -> int:
        return self._buffered()  # type: ignore[no-any-return]

    def close(self, error: SoukError | None) -> None:
        if self.closed:
            return
        self.closed = True
        if error is None:
            self._t.send_close(WSCloseCode.OK)
        else:
            body = error.to_dict()
            self._t.send(WSMsgType.TEXT, control_frame("err", **body))
            reason = encode({"code": error.code, **error.details})[:120]
            self._t.send_close(self._close_code(error), reason)  # type: ignore[arg-type]
        # a client that stopped reading would hold its unsent buffer until TCP gives up: drop it now
        self._t.disconnect(graceful=self._buffered() <= self._max_buffered)


class _Refusal(WSListener):
    """A connection whose token was refused: told why, closed with the error's code."""

    def __init__(self, server: RtmServer, error: SoukError) -> None:
        self._server = server
        self._error = error

    def on_ws_connected(self, transport: WSTransport) -> None:
        PicoConn(transport, self._server.close_code).close(self._error)


class _Listener(WSListener):
    def __init__(self, server: RtmServer, claims: AccessClaims) -> None:
        self._server = server
        self._claims = claims
        self._session: Session | None = None
        self._conn: PicoConn | None = None
        self._watch: Watch | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        cap = self._server.service.config.high_water * MAX_BUFFERED_HIGH_WATERS
        self._conn = PicoConn(transport, self._server.close_code, cap)
        self._session = Session(self._server.service, self._claims, self._conn)
        self._conn.resume = self._session.resume_points
        self._server.sessions.add(self._session)
        self._conn.send(self._session.welcome())
        self._watch = self._server.guard.watch(self._claims, self._conn.close)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        t = frame.msg_type
        if t is WSMsgType.TEXT or t is WSMsgType.BINARY:
            if self._session is not None:
                self._session.feed(frame.get_payload_as_bytes())
        elif t is WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self._conn is not None:
            self._conn.closed = True
        if self._session is not None:
            session, self._session = self._session, None
            if session in self._server.sessions:  # else the server's aclose() is closing it
                self._server.sessions.discard(session)
                self._server.tasks.spawn(session.aclose(), "session-close")


class RtmServer:
    def __init__(self, service: RtmService, tokens: TokenService, *, host: str = "127.0.0.1", port: int = 0,
                 close_code: CloseCode = default_close_code, path: str = "/rtm/ws",
                 guard: TokenGuard | None = None) -> None:
        self.service = service
        self.tokens = tokens
        # without a shared guard (a standalone node), tokens still end at their expiry
        self.guard = guard if guard is not None else TokenGuard(MemoryRevocations())
        self.close_code = close_code
        self._host = host
        self._port = port
        self._path = path
        self.sessions: set[Session] = set()
        self.tasks = TaskOwner("rtm-server")
        self._server: asyncio.Server | None = None
        self.port = 0

    def _factory(self, request: WSUpgradeRequest) -> WSListener | WSUpgradeResponseWithListener | None:
        url = urlsplit(request.path.decode("latin-1"))
        if url.path != self._path:
            return None
        token = (parse_qs(url.query).get("token") or [""])[0]
        try:
            claims = self.tokens.verify(token)
        except SoukError as exc:
            return _Refusal(self, exc)
        return _Listener(self, claims)

    async def start(self) -> int:
        self._server = await ws_create_server(
            self._factory, self._host, self._port,
            max_frame_size=max(self.service.config.max_frame_bytes * 4, 64 * 1024),
            enable_auto_ping=True, auto_ping_idle_timeout=20, auto_ping_reply_timeout=20)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("rtm listening on ws://%s:%d%s", self._host, self.port, self._path)
        return self.port

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for s in list(self.sessions):
            s.conn.close(None)
            await s.aclose()
        self.sessions.clear()
        await self.tasks.aclose()
