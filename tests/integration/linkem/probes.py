"""UDP and TCP probes across an emulated link, both ends in this process (one socket on the shopper side, one
on the core side). A datagram's delay is its kernel receive timestamp minus its send time (both wall clock),
so a busy event loop does not add to it."""

from __future__ import annotations

import asyncio
import itertools
import socket
import statistics
import struct
import time
from dataclasses import dataclass

from souk.bench.linkem.link import Link

HEADER = struct.Struct("!Id")
STAMP = struct.Struct("@qq")  # struct timespec
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


@dataclass
class Probe:
    sent: dict[int, float]  # seq -> send time
    got: dict[int, float]  # seq -> arrival time
    order: list[int]  # seqs in arrival order

    def delays_ms(self) -> list[float]:
        return [(self.got[s] - self.sent[s]) * 1000 for s in self.got]

    def median_ms(self) -> float:
        return statistics.median(self.delays_ms())

    def loss(self) -> float:
        return 1 - len(self.got) / len(self.sent)

    def loss_bursts(self) -> list[int]:
        runs, n = [], 0
        for s in sorted(self.sent):
            if s not in self.got:
                n += 1
            elif n:
                runs.append(n)
                n = 0
        return runs + ([n] if n else [])

    def largest_gap_s(self) -> float:
        times = sorted(self.got.values())
        return max(b - a for a, b in itertools.pairwise(times))


def udp_ends(link: Link) -> tuple[socket.socket, socket.socket]:
    """(shopper-side socket, core-side socket), both bound on the link's addresses, non-blocking."""
    shop = link.socket()
    shop.bind((link.info.shopper_addr, 0))
    core = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    core.bind((link.core_addr, 0))
    for s in (shop, core):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
    return shop, core


async def probe(src: socket.socket, dst: socket.socket, *, count: int, interval_s: float, size: int = 100,
                burst: int = 1, tail_s: float = 1.0) -> Probe:
    """Send ``count`` datagrams from ``src`` to ``dst`` (``burst`` at a time every ``interval_s``) and
    collect them until ``tail_s`` after the last send."""
    loop = asyncio.get_running_loop()
    p = Probe({}, {}, [])
    to = dst.getsockname()
    pad = b"\0" * max(0, size - HEADER.size - 28)  # size counts the IP and UDP headers

    async def send() -> None:
        start = time.monotonic()
        for seq in range(count):
            if seq % burst == 0:
                wait = start + (seq // burst) * interval_s - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            p.sent[seq] = time.time()  # wall clock, as the kernel's receive timestamps are
            await loop.sock_sendto(src, HEADER.pack(seq, p.sent[seq]) + pad, to)

    def on_readable() -> None:  # arrival = the kernel's receive timestamp: the event loop's lag adds nothing
        while True:
            try:
                data, anc, _, _ = dst.recvmsg(65_535, 64)
            except BlockingIOError:
                return
            stamp = next(d for level, kind, d in anc if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS)
            sec, ns = STAMP.unpack(stamp[:STAMP.size])
            seq, _ = HEADER.unpack_from(data)
            p.got[seq] = sec + ns / 1e9
            p.order.append(seq)

    dst.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    loop.add_reader(dst.fileno(), on_readable)
    try:
        await send()
        await asyncio.sleep(tail_s)
        on_readable()  # what a busy loop has not read yet
    finally:
        loop.remove_reader(dst.fileno())
    return p


async def tcp_goodput_bps(link: Link, nbytes: int) -> float:
    """Send ``nbytes`` over TCP from the shopper side to a core-side listener; bits per second received,
    from the first byte to the last."""
    loop = asyncio.get_running_loop()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((link.core_addr, 0))
    server.listen(1)
    server.setblocking(False)
    client = link.socket(kind=socket.SOCK_STREAM)
    client.setblocking(False)
    try:
        await loop.sock_connect(client, server.getsockname())
        conn, _ = await loop.sock_accept(server)
        conn.setblocking(False)

        async def receive() -> float:
            got, first = 0, 0.0
            while got < nbytes:
                chunk = await loop.sock_recv(conn, 65_536)
                if not chunk:
                    raise AssertionError(f"connection closed after {got} bytes")
                if not got:
                    first = time.monotonic()
                got += len(chunk)
            return (got - 1) * 8 / (time.monotonic() - first)

        rx = asyncio.create_task(receive(), name="tcp-probe-rx")
        await loop.sock_sendall(client, b"x" * nbytes)
        rate = await asyncio.wait_for(rx, 60)
        conn.close()
        return rate
    finally:
        client.close()
        server.close()
