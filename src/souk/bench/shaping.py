"""Userspace link emulation for `souk bench connect --netem` (this kernel has no sch_netem).

Applied inside the shopper-side worker process only: every UDP datagram it sends or receives (aiortc's
ICE, DTLS, SRTP) is delayed by ``delay_s`` and dropped with probability ``loss``, independently in each
direction, which is what ``tc qdisc ... netem delay 75ms loss 2%`` on both ends of the shopper's link does.
Signaling (TCP) gets the same one-way delay per message, and a lost message (same loss rate, each direction)
arrives one retransmit wait late (souk.bench.signal_client.emulated_delay).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any


class _Link:
    """The emulated link, used for both directions: each datagram is dropped with ``loss`` or delayed by ``delay_s``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delay_s: float, loss: float, rng: random.Random) -> None:
        self._loop = loop
        self._delay = delay_s
        self._loss = loss
        self._rng = rng

    def carry(self, deliver: Any, data: bytes, addr: Any) -> None:
        if self._rng.random() < self._loss:
            return
        self._loop.call_later(self._delay, deliver, data, addr)


class _ShapedTransport:
    def __init__(self, inner: Any, link: _Link) -> None:
        self._inner = inner
        self._link = link

    def sendto(self, data: bytes, addr: Any = None) -> None:
        self._link.carry(self._send_now, data, addr)

    def _send_now(self, data: bytes, addr: Any) -> None:
        if not self._inner.is_closing():
            self._inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _ShapedProtocol(asyncio.DatagramProtocol):
    def __init__(self, inner: Any, link: _Link) -> None:
        self._inner = inner
        self._link = link
        self._closed = False

    def connection_made(self, transport: Any) -> None:
        self._inner.connection_made(_ShapedTransport(transport, self._link))

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._link.carry(self._deliver, data, addr)

    def _deliver(self, data: bytes, addr: Any) -> None:
        if not self._closed:
            self._inner.datagram_received(data, addr)

    def error_received(self, exc: Exception) -> None:
        self._inner.error_received(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._inner.connection_lost(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def shape_datagrams(loop: asyncio.AbstractEventLoop, *, delay_s: float, loss: float,
                    seed: int = 7) -> Callable[[], None]:
    """Make every datagram endpoint created on ``loop`` from now on go through the emulated link; returns a
    function that stops shaping endpoints created after it is called (those already made stay shaped)."""
    link = _Link(loop, delay_s, loss, random.Random(seed))
    original = loop.create_datagram_endpoint

    async def create_datagram_endpoint(protocol_factory: Any, *args: Any, **kwargs: Any) -> Any:
        transport, shaped = await original(
            lambda: _ShapedProtocol(protocol_factory(), link), *args, **kwargs)
        return transport, shaped._inner  # the caller's protocol already holds the shaped transport

    loop.create_datagram_endpoint = create_datagram_endpoint  # type: ignore[method-assign]

    def stop() -> None:
        loop.create_datagram_endpoint = original  # type: ignore[method-assign]

    return stop
