"""Helpers for tests against a real coturn: a supervised relay in a temporary data dir, a TURN allocation
through aioice (the ICE library aiortc uses), and a UDP peer to relay to."""

from __future__ import annotations

import asyncio
import shutil
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aioice import turn as aioice_turn

from souk.core.settings import load_settings
from souk.media.turn import TurnRelay, TurnSupervisor


def need_coturn() -> None:
    if shutil.which("turnserver") is None:
        pytest.skip("coturn is not installed (make setup installs it)")


@asynccontextmanager
async def running_turn(data_dir: Path, **turn: Any) -> AsyncIterator[tuple[TurnSupervisor, TurnRelay]]:
    need_coturn()
    turn.setdefault("allowed_peer_ips", ["127.0.0.1"])  # the tests' peers listen on loopback
    settings = load_settings(None, data_dir=str(data_dir), turn=turn)
    sup = TurnSupervisor(settings, health_every_s=0.2)
    try:
        relay = await sup.start()
        yield sup, relay
    finally:
        await sup.aclose()


class Received(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, Any]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait((data, addr))


async def allocate(host: str, port: int, username: str, password: str, *, transport: str = "udp",
                   tls: bool = False) -> tuple[aioice_turn.TurnTransport, Received]:
    """A TURN allocation; raises aioice's TransactionFailed (401, 403, ...) when the server refuses."""
    ctx: ssl.SSLContext | None = None
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # Souk's self-signed pair
    return await aioice_turn.create_turn_endpoint(Received, server_addr=(host, port), username=username,
                                                  password=password, ssl=ctx, transport=transport)


@asynccontextmanager
async def udp_peer(host: str) -> AsyncIterator[tuple[asyncio.DatagramTransport, Received]]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(Received, local_addr=(host, 0))
    try:
        yield transport, proto
    finally:
        transport.close()
