"""A TCP relay from the link's core address to a loopback service, so the shopper side can reach it.

Souk listens on 127.0.0.1 in the core namespace; a browser in the shopper namespace can only reach the
core side through the link (10.77.<n>.1). The relay listens there and copies bytes both ways, so the HTTP
and WebSocket traffic crosses the emulated link like the media does (the relay itself adds no impairment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)
CHUNK = 65_536


class TcpRelay:
    def __init__(self, server: asyncio.Server, target: tuple[str, int]) -> None:
        self._server = server
        self._target = target
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @classmethod
    async def start(cls, listen: tuple[str, int], target: tuple[str, int]) -> TcpRelay:
        relay: TcpRelay
        server = await asyncio.start_server(lambda r, w: relay._accept(r, w), listen[0], listen[1])
        relay = cls(server, target)
        return relay

    @property
    def port(self) -> int:
        return int(self._server.sockets[0].getsockname()[1])

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._serve(reader, writer), name=f"linkem-relay-{self.port}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self._target)
        except OSError as exc:
            log.warning("linkem relay: cannot reach %s:%s: %s", *self._target, exc)
            writer.close()
            return
        try:
            await asyncio.gather(_copy(reader, up_w), _copy(up_r, writer))
        finally:
            for w in (writer, up_w):
                w.close()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.close()
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await t
        await self._server.wait_closed()


async def _copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(CHUNK):
            dst.write(data)
            await dst.drain()
        if dst.can_write_eof():
            dst.write_eof()
    except (ConnectionError, OSError):
        dst.close()
