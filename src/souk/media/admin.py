"""Janus admin API client (WebSocket, subprotocol ``janus-admin-protocol``): sessions and handles.

Used for health figures and to *prove* clean-up (tests count handles with :meth:`list_handles`).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import msgspec

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Unavailable
from souk.media import messages as m
from souk.media.client import wait_with_clock
from souk.media.errors import JanusError, core_error
from souk.media.transport import Transport, connect_ws


class JanusAdmin:
    """Request/reply admin client; one request at a time (admin traffic is rare)."""

    def __init__(self, transport: Transport, *, admin_secret: str, timeout: float = 5.0,
                 clock: Clock | None = None) -> None:
        self._transport = transport
        self._secret = admin_secret or None
        self._timeout = timeout
        self._clock = clock or SystemClock()
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, admin_secret: str, timeout: float = 5.0) -> JanusAdmin:
        return cls(await connect_ws(url, admin=True, timeout=timeout), admin_secret=admin_secret,
                   timeout=timeout)

    async def _call(self, req: m._AdminReq) -> m.Success:
        if self._closed:
            raise Unavailable("Janus admin connection is closed")
        tx = secrets.token_hex(8)
        req = msgspec.structs.replace(req, transaction=tx, admin_secret=self._secret)
        async with self._lock:
            await self._transport.send(m.encode(req))  # type: ignore[arg-type]

            async def reply() -> m.Incoming:
                while True:
                    msg = m.decode(await self._transport.recv())
                    if msg.transaction == tx:
                        return msg

            msg = await wait_with_clock(asyncio.ensure_future(reply()), self._timeout, self._clock,
                                        "janus admin")
        if isinstance(msg, m.Error):
            raise core_error(msg.error.code, msg.error.reason)
        if not isinstance(msg, m.Success):
            raise JanusError(f"unexpected admin reply {type(msg).__name__}")
        return msg

    async def ping(self) -> None:
        await self._call(m.AdminPing(transaction=""))

    async def list_sessions(self) -> list[int]:
        return list((await self._call(m.ListSessions(transaction=""))).sessions or [])

    async def list_handles(self, session_id: int) -> list[int]:
        return list((await self._call(m.ListHandles(transaction="", session_id=session_id))).handles or [])

    async def handle_info(self, session_id: int, handle_id: int) -> dict[str, Any]:
        """Janus's whole view of one handle (ICE, DTLS, media, NACK queues, stats)."""
        return dict((await self._call(m.HandleInfo(transaction="", session_id=session_id,
                                                     handle_id=handle_id))).info or {})

    async def count_handles(self) -> int:
        """Handles across every session on the node."""
        total = 0
        for sid in await self.list_sessions():
            try:
                total += len(await self.list_handles(sid))
            except JanusError:
                continue  # session vanished between the two calls
        return total

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._transport.aclose()
