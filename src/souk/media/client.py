"""Async Janus client: one connection, its sessions, plugin handles and transactions.

- :class:`JanusConnection` owns the transport and a reader task; requests are matched to replies by
  transaction id and time out on the injected clock; frames that are not for a transaction are routed to the
  session / handle they name.
- :class:`JanusSession` keeps itself alive and owns its handles.
- :class:`JanusHandle` sends plugin messages and queues the handle's asynchronous messages (bounded).
When the connection drops, every pending request fails with ``Unavailable`` and every handle receives
:class:`~souk.media.events.HandleGone` ("node_lost").
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any

import msgspec

from souk.core.clock import Clock, SystemClock
from souk.core.errors import SoukError, Timeout, Unavailable
from souk.core.tasks import TaskOwner
from souk.media import messages as m
from souk.media.errors import JanusError, SessionGone, core_error, plugin_error
from souk.media.events import HandleGone
from souk.media.transport import Transport, connect_ws

log = logging.getLogger(__name__)

HANDLE_QUEUE_LIMIT = 256
# Janus detaches every handle of a session it times out and sends the session's "timeout" from another
# thread: either may arrive first. A handle Janus detached waits this long for that "timeout" before it ends
# as "detached", so it ends as "session_timeout" (the media server lost our state, the client is reset).
DETACHED_GRACE_S = 0.25
HandleItem = m.Incoming | HandleGone


async def wait_with_clock(fut: asyncio.Future[Any], timeout: float, clock: Clock, what: str) -> Any:
    """Await ``fut`` for at most ``timeout`` seconds of ``clock`` time; raises souk Timeout."""
    if fut.done():
        return fut.result()
    sleeper = asyncio.ensure_future(clock.sleep(timeout))
    try:
        done, _ = await asyncio.wait({fut, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # our caller was cancelled: don't leave fut running (it may be a queue read)
        fut.cancel()
        raise
    finally:
        sleeper.cancel()
    if fut in done:
        return fut.result()
    fut.cancel()
    raise Timeout(f"{what}: no reply from Janus within {timeout}s")


class JanusConnection:
    """One Janus API connection. Build with :meth:`open` (WebSocket) or the constructor (any Transport)."""

    def __init__(self, transport: Transport, *, api_secret: str | None = None, timeout: float = 10.0,
                 clock: Clock | None = None, name: str = "janus") -> None:
        self._transport = transport
        self._api_secret = api_secret or None
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self.name = name
        self._pending: dict[str, tuple[asyncio.Future[m.Incoming], bool]] = {}
        self._sessions: dict[int, JanusSession] = {}
        self._tasks = TaskOwner(f"janus-conn:{name}")
        self.closed = asyncio.Event()
        self.close_reason = ""
        self.bad_frames = 0
        self._tasks.spawn(self._reader(), "reader")

    @classmethod
    async def open(cls, url: str, *, api_secret: str | None = None, timeout: float = 10.0,
                   clock: Clock | None = None, name: str | None = None) -> JanusConnection:
        transport = await connect_ws(url, timeout=min(timeout, 5.0))
        return cls(transport, api_secret=api_secret, timeout=timeout, clock=clock, name=name or url)

    @property
    def is_open(self) -> bool:
        return not self.closed.is_set()

    @property
    def sessions(self) -> dict[int, JanusSession]:
        return dict(self._sessions)

    # ------------------------------------------------------------------ requests

    async def request(self, req: m.Request, *, timeout: float | None = None, ack_final: bool = False
                      ) -> m.Incoming:
        """Send ``req`` (its transaction/apisecret are filled in) and return the final reply.

        Raises the mapped JanusError for ``{"janus": "error"}``, Timeout, or Unavailable.
        """
        if self.closed.is_set():
            raise Unavailable(f"Janus connection {self.name} is closed: {self.close_reason}")
        tx = secrets.token_hex(8)
        if isinstance(req, m._Req):
            req = msgspec.structs.replace(req, transaction=tx, apisecret=self._api_secret)
        else:
            req = msgspec.structs.replace(req, transaction=tx)
        fut: asyncio.Future[m.Incoming] = asyncio.get_running_loop().create_future()
        self._pending[tx] = (fut, ack_final)
        kind = type(req).__struct_config__.tag
        try:
            await self._transport.send(m.encode(req))
            reply = await wait_with_clock(fut, self.timeout if timeout is None else timeout, self.clock,
                                          f"janus {kind}")
        finally:
            self._pending.pop(tx, None)
        if isinstance(reply, m.Error):
            raise core_error(reply.error.code, reply.error.reason)
        return reply

    async def info(self, timeout: float | None = None) -> m.ServerInfo:
        reply = await self.request(m.Info(transaction=""), timeout=timeout)
        if not isinstance(reply, m.ServerInfo):
            raise JanusError(f"unexpected reply to info: {type(reply).__name__}")
        return reply

    async def create_session(self, keepalive_s: float = 25.0) -> JanusSession:
        reply = await self.request(m.CreateSession(transaction=""))
        sid = _success_id(reply, "create")
        session = JanusSession(self, sid, keepalive_s)
        self._sessions[sid] = session
        return session

    # ------------------------------------------------------------------ reading

    async def _reader(self) -> None:
        reason = "closed"
        try:
            while True:
                frame = await self._transport.recv()
                self._on_frame(frame)
        except Unavailable as exc:
            reason = str(exc)
        except asyncio.CancelledError:
            reason = "closed by us"
            raise
        finally:
            self._lost(reason)

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            msg = m.decode(frame)
        except m.BadMessage as exc:
            self.bad_frames += 1
            tx = _transaction_of(frame)
            waiter = self._pending.get(tx) if tx else None
            if waiter is not None and not waiter[0].done():
                waiter[0].set_exception(exc)
            log.warning("%s: ignoring bad frame from Janus: %s", self.name, exc)
            return
        if msg.transaction is not None and msg.transaction in self._pending:
            fut, ack_final = self._pending[msg.transaction]
            if isinstance(msg, m.Ack) and not ack_final:
                return
            if not fut.done():
                fut.set_result(msg)
            return
        if isinstance(msg, m.Ack):
            return  # late ack of a request that already timed out
        session = self._sessions.get(msg.session_id or 0)
        if session is None:
            log.debug("%s: frame for unknown session %s: %s", self.name, msg.session_id, type(msg).__name__)
            return
        session._dispatch(msg)

    def _lost(self, reason: str) -> None:
        if self.closed.is_set():
            return
        self.close_reason = reason
        self.closed.set()
        for fut, _ in self._pending.values():
            if not fut.done():
                fut.set_exception(Unavailable(f"Janus connection {self.name} lost: {reason}"))
        for session in list(self._sessions.values()):
            session._gone("node_lost")
        self._sessions.clear()

    def _forget(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)

    async def aclose(self) -> None:
        """Close the connection (sessions die with it on the Janus side after its session timeout)."""
        if not self.closed.is_set():
            try:
                await self._transport.aclose()
            except (OSError, RuntimeError, SoukError) as exc:  # a dead socket must not mask the caller's error
                log.debug("%s: close failed: %s", self.name, exc)
        await self._tasks.aclose()
        self._lost("closed by us")


class JanusSession:
    def __init__(self, conn: JanusConnection, session_id: int, keepalive_s: float) -> None:
        self.conn = conn
        self.session_id = session_id
        self.handles: dict[int, JanusHandle] = {}
        self.alive = True
        self.ended = asyncio.Event()  # set once the session is gone (destroyed, timed out, connection lost)
        self._tasks = TaskOwner(f"janus-session:{session_id}")
        if keepalive_s > 0:
            self._tasks.spawn(self._keepalive(keepalive_s), "keepalive")

    async def attach(self, plugin: str, *, opaque_id: str | None = None) -> JanusHandle:
        self._check()
        reply = await self.conn.request(m.Attach(transaction="", session_id=self.session_id, plugin=plugin,
                                                 opaque_id=opaque_id))
        hid = _success_id(reply, "attach")
        handle = JanusHandle(self, hid, plugin)
        self.handles[hid] = handle
        return handle

    async def destroy(self) -> None:
        """Destroy the session on Janus (which detaches its handles). Idempotent; quiet if already gone."""
        if not self.alive:
            return
        await self._tasks.aclose()
        try:
            for handle in list(self.handles.values()):
                await handle.detach()
            await self.conn.request(m.DestroySession(transaction="", session_id=self.session_id))
        except (SessionGone, Unavailable):
            pass
        finally:
            self._gone("closed")

    async def _keepalive(self, every: float) -> None:
        while self.alive:
            await self.conn.clock.sleep(every)
            try:
                await self.conn.request(m.KeepAlive(transaction="", session_id=self.session_id), ack_final=True)
            except SessionGone:
                log.warning("janus session %s expired", self.session_id)
                self._gone("session_timeout")
                return
            except Unavailable:
                return
            except Timeout:
                log.warning("janus keepalive for session %s timed out", self.session_id)

    def _check(self) -> None:
        if not self.alive:
            raise SessionGone(f"janus session {self.session_id} is gone", janus_code=458)

    def _dispatch(self, msg: m.Incoming) -> None:
        if isinstance(msg, m.TimeoutMsg):
            self._gone("session_timeout")
            return
        handle = self.handles.get(msg.sender or 0)
        if handle is None:
            log.debug("janus session %s: frame for unknown handle %s", self.session_id, msg.sender)
            return
        if isinstance(msg, m.DetachedMsg):
            if not self.alive or self._tasks.closed:  # we are closing the session ourselves
                handle._gone("detached")
            else:
                self._tasks.spawn(self._detached(handle), f"detached-{handle.handle_id}")
            return
        handle._push(msg)

    async def _detached(self, handle: JanusHandle) -> None:
        # cancelled by _gone when the session times out meanwhile: the handle then ends as session_timeout
        await self.conn.clock.sleep(DETACHED_GRACE_S)
        handle._gone("detached")

    def _gone(self, reason: str) -> None:
        if not self.alive:
            return
        self.alive = False
        self.ended.set()
        for handle in list(self.handles.values()):
            handle._gone(reason)
        self.handles.clear()
        self.conn._forget(self.session_id)
        # keepalive may be the caller: don't await our own task
        for task in list(self._tasks._tasks):
            if task is not asyncio.current_task():
                task.cancel()


class JanusHandle:
    """A plugin handle. Asynchronous messages for it wait in a bounded queue (oldest dropped when full)."""

    def __init__(self, session: JanusSession, handle_id: int, plugin: str) -> None:
        self.session = session
        self.handle_id = handle_id
        self.plugin = plugin
        self.alive = True
        self.gone_reason = ""
        self.dropped = 0
        # called synchronously with every item as it arrives (before it is queued); must not raise
        self.observer: Callable[[HandleItem], None] | None = None
        self._queue: asyncio.Queue[HandleItem] = asyncio.Queue(maxsize=HANDLE_QUEUE_LIMIT)

    @property
    def conn(self) -> JanusConnection:
        return self.session.conn

    def _ids(self) -> tuple[int, int]:
        if not self.alive:
            raise SessionGone(f"janus handle {self.handle_id} is gone ({self.gone_reason})", janus_code=459)
        return self.session.session_id, self.handle_id

    async def message(self, body: dict[str, Any], jsep: dict[str, Any] | None = None, *,
                      timeout: float | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Send a plugin request; returns (plugin data, jsep or None). Plugin errors raise JanusError."""
        sid, hid = self._ids()
        reply = await self.conn.request(m.Message(transaction="", session_id=sid, handle_id=hid, body=body,
                                                  jsep=jsep), timeout=timeout)
        if isinstance(reply, m.Event | m.Success) and reply.plugindata is not None:
            data = reply.plugindata.data
            if "error_code" in data:
                raise plugin_error(reply.plugindata.plugin, int(data["error_code"]), str(data.get("error", "")))
            return data, reply.jsep if isinstance(reply, m.Event) else None
        raise JanusError(f"unexpected reply to plugin message: {type(reply).__name__}")

    async def trickle(self, candidate: dict[str, Any] | None) -> None:
        """Send one ICE candidate, or None for end-of-candidates."""
        cand = candidate if candidate is not None else {"completed": True}
        sid, hid = self._ids()
        await self.conn.request(m.Trickle(transaction="", session_id=sid, handle_id=hid, candidate=cand),
                                ack_final=True)

    async def hangup(self) -> None:
        sid, hid = self._ids()
        await self.conn.request(m.Hangup(transaction="", session_id=sid, handle_id=hid))

    async def detach(self) -> None:
        """Detach from Janus. Idempotent; quiet when the handle, session or node is already gone."""
        if not self.alive:
            return
        try:
            sid, hid = self._ids()
            await self.conn.request(m.Detach(transaction="", session_id=sid, handle_id=hid))
        except (SessionGone, Unavailable):
            pass
        finally:
            self._gone("closed")

    async def next(self, timeout: float | None = None) -> HandleItem:
        """The next queued message for this handle (HandleGone once it is gone)."""
        if self._queue.empty() and not self.alive:
            return HandleGone(self.gone_reason or "closed")  # type: ignore[arg-type]
        fut = asyncio.ensure_future(self._queue.get())
        if timeout is None:
            return await fut
        return await wait_with_clock(fut, timeout, self.conn.clock, f"event on handle {self.handle_id}")

    def _push(self, item: HandleItem) -> None:
        if self.observer is not None:
            self.observer(item)
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            log.warning("janus handle %s: event queue full, dropped oldest (%d so far)",
                        self.handle_id, self.dropped)
        self._queue.put_nowait(item)

    def _gone(self, reason: str) -> None:
        if not self.alive:
            return
        self.alive = False
        self.gone_reason = reason
        self.session.handles.pop(self.handle_id, None)
        self._push(HandleGone(reason))  # type: ignore[arg-type]


def _success_id(reply: m.Incoming, what: str) -> int:
    if isinstance(reply, m.Success) and reply.data and isinstance(reply.data.get("id"), int):
        return int(reply.data["id"])
    raise JanusError(f"unexpected reply to {what}: {type(reply).__name__}")


_TX = re.compile(rb'"transaction"\s*:\s*"([^"\\]{1,64})"')


def _transaction_of(frame: str | bytes) -> str | None:
    """The transaction a bad frame was meant for, if it can still be read (so its caller fails fast)."""
    raw = frame.encode("utf-8", "replace") if isinstance(frame, str) else frame
    try:
        obj = json.loads(raw)
    except ValueError:
        match = _TX.search(raw)
        return match.group(1).decode("utf-8", "replace") if match else None
    tx = obj.get("transaction") if isinstance(obj, dict) else None
    return tx if isinstance(tx, str) else None
