"""The userspace link emulation used by `souk bench connect --netem` (real UDP sockets on loopback)."""

from __future__ import annotations

import asyncio
import time

import pytest

from souk.bench.connect import parse_netem
from souk.bench.shaping import shape_datagrams


def test_parse_netem() -> None:
    assert parse_netem("delay 75ms loss 2%") == {"delay_s": 0.075, "loss": 0.02}
    assert parse_netem("delay 1s") == {"delay_s": 1.0, "loss": 0.0}
    for bad in ("delay", "jitter 5ms", "loss 200%", "delay 75"):
        with pytest.raises(ValueError):
            parse_netem(bad)


class _Sink(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[tuple[bytes, float]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.got.append((data, time.monotonic()))


async def test_datagrams_are_delayed_both_ways() -> None:
    loop = asyncio.get_running_loop()
    _, plain = await loop.create_datagram_endpoint(_Sink, local_addr=("127.0.0.1", 0))  # before shaping
    shape_datagrams(loop, delay_s=0.05, loss=0.0)
    _, shaped = await loop.create_datagram_endpoint(_Sink, local_addr=("127.0.0.1", 0))
    try:
        assert shaped.transport is not None and plain.transport is not None
        sent = time.monotonic()
        shaped.transport.sendto(b"out", plain.transport.get_extra_info("sockname"))
        plain.transport.sendto(b"in", shaped.transport.get_extra_info("sockname"))
        await asyncio.sleep(0.25)
        assert [d for d, _ in plain.got] == [b"out"] and [d for d, _ in shaped.got] == [b"in"]
        assert plain.got[0][1] - sent >= 0.045  # what the shaped side sends is delayed
        assert shaped.got[0][1] - sent >= 0.045  # and so is what it receives
    finally:
        plain.transport.close()
        shaped.transport.close()


async def test_total_loss_drops_everything() -> None:
    loop = asyncio.get_running_loop()
    _, plain = await loop.create_datagram_endpoint(_Sink, local_addr=("127.0.0.1", 0))
    shape_datagrams(loop, delay_s=0.0, loss=0.999999)
    _, s = await loop.create_datagram_endpoint(_Sink, local_addr=("127.0.0.1", 0))
    try:
        assert s.transport is not None and plain.transport is not None
        for _ in range(20):
            s.transport.sendto(b"x", plain.transport.get_extra_info("sockname"))
            plain.transport.sendto(b"y", s.transport.get_extra_info("sockname"))
        await asyncio.sleep(0.1)
        assert plain.got == [] and s.got == []
    finally:
        plain.transport.close()
        s.transport.close()


def test_signaling_messages_are_delayed_and_a_lost_one_waits_for_the_retransmit() -> None:
    import random

    from souk.bench.signal_client import emulated_delay

    rng = random.Random(1)
    assert emulated_delay(0.075, 0.0, rng) == 0.075
    assert emulated_delay(0.075, 0.999999, rng) == pytest.approx(0.075 + 0.35)  # RTT + 200 ms
    assert emulated_delay(0.2, 0.999999, rng) == pytest.approx(0.2 + 0.8)  # 2 RTT on a long link
    delays = [emulated_delay(0.075, 0.02, rng) for _ in range(20000)]
    late = sum(1 for d in delays if d > 0.075)
    assert 300 < late < 500  # about 2 %
