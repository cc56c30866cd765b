"""Frame transports to Janus: the WebSocket API (subprotocol ``janus-protocol``) and the admin API.

The client only needs :class:`Transport`; tests can hand it any object with these three methods.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from souk.core.errors import Timeout, Unavailable

log = logging.getLogger(__name__)

JANUS_PROTOCOL = "janus-protocol"
JANUS_ADMIN_PROTOCOL = "janus-admin-protocol"


class Transport(Protocol):
    async def send(self, frame: bytes) -> None: ...

    async def recv(self) -> str | bytes:
        """Next frame; raises Unavailable when the connection is gone."""

    async def aclose(self) -> None: ...


class WsTransport:
    def __init__(self, ws: ClientConnection, url: str) -> None:
        self._ws = ws
        self.url = url

    async def send(self, frame: bytes) -> None:
        try:
            # Janus wants text frames
            await self._ws.send(frame.decode("utf-8"))
        except ConnectionClosed as exc:
            raise Unavailable(f"Janus connection {self.url} closed", details={"url": self.url}) from exc

    async def recv(self) -> str | bytes:
        try:
            return await self._ws.recv()
        except ConnectionClosed as exc:
            raise Unavailable(f"Janus connection {self.url} closed", details={"url": self.url}) from exc

    async def aclose(self) -> None:
        await self._ws.close()


async def connect_ws(url: str, *, admin: bool = False, timeout: float = 5.0) -> WsTransport:
    """Open a WebSocket to a Janus (admin) API; raises Unavailable / Timeout with the URL in the message."""
    proto = Subprotocol(JANUS_ADMIN_PROTOCOL if admin else JANUS_PROTOCOL)
    try:
        ws = await asyncio.wait_for(
            connect(url, subprotocols=[proto], max_size=16 * 1024 * 1024, open_timeout=timeout,
                    ping_interval=None, compression=None),
            timeout,
        )
    except TimeoutError as exc:
        raise Timeout(f"connecting to Janus at {url} timed out after {timeout}s") from exc
    except (OSError, InvalidHandshake) as exc:
        raise Unavailable(f"cannot connect to Janus at {url}: {exc}", details={"url": url}) from exc
    return WsTransport(ws, url)
