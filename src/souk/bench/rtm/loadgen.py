"""The one load generator for both servers (run in separate processes by :mod:`souk.bench.rtm.run`).

``recv``: open N WebSocket clients (picows), join the channel, and check every delivered message:
latency (receive time - send timestamp in the body), per-publisher order, loss and duplicates. Client i
connects to ``--url`` number i mod the number of URLs (one per node), and deliveries are also counted per URL
(``received_by_node``) so the orchestrator can divide each node's CPU time by the deliveries it made.
``pub``: P publisher connections sending R messages a second in total, each body ``{p, n, ts}``.
Protocols: ``souk`` (Souk RTM frames) and ``sio`` (Engine.IO 4 / Socket.IO 5 over a raw WebSocket).
Prints one JSON line of results on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from typing import Any

import msgspec
import numpy as np
from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

HIST_MS = 20_000


class Body(msgspec.Struct, gc=False):
    p: int
    n: int
    ts: float


class SoukMsg(msgspec.Struct, gc=False):
    seq: int
    b: Body


class SoukFrame(msgspec.Struct, gc=False):
    t: str
    m: list[SoukMsg] = []


_souk_dec = msgspec.json.Decoder(SoukFrame)
_sio_dec = msgspec.json.Decoder(tuple[str, Body])


class Stats:
    def __init__(self, publishers: int) -> None:
        self.hist = np.zeros(HIST_MS + 1, dtype=np.int64)
        self.lat: list[float] = []
        self.received = 0
        self.dups = 0
        self.reordered = 0
        self.errors: list[str] = []
        self.disconnects = 0
        self.resumes = 0
        self.publishers = publishers

    def flush_lat(self) -> None:
        if self.lat:
            ms = np.minimum((np.asarray(self.lat) * 1000.0).astype(np.int64), HIST_MS)
            np.add.at(self.hist, ms, 1)
            self.lat = []


class Client(WSListener):
    def __init__(self, proto: str, stats: Stats, ch: str, node: int = 0) -> None:
        self.proto = proto
        self.node = node  # index of the URL (node) this client is connected to
        self.received = 0
        self.stats = stats
        self.ch = ch
        self.next_n = [1] * stats.publishers
        self.missing: set[tuple[int, int]] = set()
        self.last_seq = 0
        self.ready = asyncio.get_running_loop().create_future()
        self.t: WSTransport | None = None
        self.closed = False
        self.url = ""
        self.stopping = False
        self.resume_task: asyncio.Task[None] | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.t = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.CLOSE:
            transport.disconnect()
            return
        if frame.msg_type is not WSMsgType.TEXT:
            return
        data = frame.get_payload_as_bytes()
        now = time.time()
        if self.proto == "souk":
            if data[:9] == b'{"t":"b",':
                f = _souk_dec.decode(data)
                for m in f.m:
                    if m.seq <= self.last_seq:
                        self.stats.dups += 1
                        continue
                    self.last_seq = m.seq
                    self._check(m.b, now)
            elif b'"t":"joined"' in data:
                if not self.ready.done():
                    self.ready.set_result(None)
            elif b'"t":"hello"' in data:
                if self.last_seq:  # a resumed connection: everything after the last sequence it got
                    transport.send(WSMsgType.TEXT, b'{"t":"join","ch":"%s","since":%d}' % (self.ch.encode(),
                                                                                        self.last_seq))
                else:
                    transport.send(WSMsgType.TEXT, b'{"t":"join","ch":"%s","history":0}' % self.ch.encode())
            elif b'"t":"err"' in data:
                self.stats.errors.append(data.decode()[:200])
        else:
            if data[:2] == b"42":
                self._check(_sio_dec.decode(data[2:])[1], now)
            elif data == b"2":
                transport.send(WSMsgType.TEXT, b"3")
            elif data[:1] == b"0":
                transport.send(WSMsgType.TEXT, b"40")
            elif data[:2] == b"40" and not self.ready.done():
                self.ready.set_result(None)

    def _check(self, b: Body, now: float) -> None:
        st = self.stats
        st.received += 1
        self.received += 1
        st.lat.append(now - b.ts)
        exp = self.next_n[b.p]
        if b.n == exp:
            self.next_n[b.p] = exp + 1
        elif b.n > exp:
            for k in range(exp, b.n):
                self.missing.add((b.p, k))
            self.next_n[b.p] = b.n + 1
        elif (b.p, b.n) in self.missing:
            self.missing.discard((b.p, b.n))
            st.reordered += 1
        else:
            st.dups += 1

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed = True
        self.stats.disconnects += 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("disconnected before joining"))
        elif self.proto == "souk" and self.url and not self.stopping:
            # what a Souk client does when cut off (slow consumer, node restart): reconnect and resume
            self.resume_task = asyncio.get_running_loop().create_task(self._resume())

    async def _resume(self) -> None:
        await asyncio.sleep(0.05)
        try:
            await ws_connect(lambda: self, self.url, websocket_handshake_timeout=30)
            self.closed = False
            self.stats.resumes += 1
        except (OSError, WSError) as exc:
            self.stats.errors.append(f"resume failed: {exc}")


def _url(proto: str, base: str, token: str) -> str:
    if proto == "souk":
        return f"{base}/rtm/ws?token={token}"
    return f"{base}/socket.io/?EIO=4&transport=websocket"


async def recv(args: argparse.Namespace) -> dict[str, Any]:
    stats = Stats(args.publishers)
    urls = args.url
    clients: list[Client] = []
    sem = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with sem:
            c: Client | None = None

            node = i % len(urls)
            url = _url(args.proto, urls[node], args.token)

            def factory() -> Client:
                nonlocal c
                c = Client(args.proto, stats, args.channel, node)
                c.url = url
                return c
            await ws_connect(factory, url, websocket_handshake_timeout=30)
            assert c is not None
            clients.append(c)
            await asyncio.wait_for(c.ready, 30)

    await asyncio.gather(*(one(i) for i in range(args.offset, args.offset + args.clients)))
    gc.collect()
    gc.freeze()  # long-lived connection objects leave the collector's view: shorter pauses while measuring
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    stop = asyncio.ensure_future(reader.readline())
    while not stop.done():
        stats.flush_lat()
        await asyncio.sleep(0.2)
    sent = msgspec.json.decode((await stop).strip() or b"[]")
    stats.flush_lat()
    for c in clients:
        c.stopping = True
    lost = 0
    for c in clients:
        for p, total in enumerate(sent):
            lost += max(0, total - (c.next_n[p] - 1))
        lost += len(c.missing)
    for c in clients:
        if c.t is not None and not c.closed:
            c.t.disconnect()
    by_node = [0] * len(urls)
    for c in clients:
        by_node[c.node] += c.received
    return {"received": stats.received, "received_by_node": by_node, "dups": stats.dups, "reordered": stats.reordered, "lost": lost,
            "disconnects": stats.disconnects, "resumes": stats.resumes, "errors": stats.errors[:5],
            "hist": {int(i): int(v) for i, v in zip(*np.nonzero(stats.hist), stats.hist[stats.hist > 0])}}


async def pub(args: argparse.Namespace) -> dict[str, Any]:
    conns: list[WSTransport] = []
    ready: list[asyncio.Future[None]] = []

    class P(WSListener):
        def __init__(self) -> None:
            self.ready = asyncio.get_running_loop().create_future()
            self.errors = 0
            ready.append(self.ready)

        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            data = frame.get_payload_as_bytes()
            if args.proto == "souk":
                if b'"t":"hello"' in data:
                    transport.send(WSMsgType.TEXT, b'{"t":"join","ch":"%s","history":0}' % args.channel.encode())
                elif b'"t":"joined"' in data and not self.ready.done():
                    self.ready.set_result(None)
                elif b'"t":"err"' in data:
                    print(data.decode()[:200], file=sys.stderr)
            elif data[:1] == b"0":
                transport.send(WSMsgType.TEXT, b"40")
            elif data[:2] == b"40" and not self.ready.done():
                self.ready.set_result(None)
            elif data == b"2":
                transport.send(WSMsgType.TEXT, b"3")

    for i in range(args.publishers):
        t, _ = await ws_connect(P, _url(args.proto, args.url[i % len(args.url)], args.token))
        conns.append(t)
    await asyncio.wait_for(asyncio.gather(*ready), 30)
    sent = [0] * args.publishers
    interval = args.publishers / args.rate
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + args.duration
    k = 0
    ch = args.channel.encode()
    while True:
        at = start + k / args.rate
        if at >= end:
            break
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        p = k % args.publishers
        sent[p] += 1
        body = b'{"p":%d,"n":%d,"ts":%.6f}' % (p, sent[p], time.time())
        if args.proto == "souk":
            conns[p].send(WSMsgType.TEXT, b'{"t":"pub","ch":"%s","k":"chat","id":"%d-%d","b":%s}'
                          % (ch, p, sent[p], body))
        else:
            conns[p].send(WSMsgType.TEXT, b'42["pub",' + body + b"]")
        k += 1
    del interval
    await asyncio.sleep(0.3)
    for t in conns:
        t.disconnect()
    return {"sent": sent}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["recv", "pub"])
    ap.add_argument("--proto", choices=["souk", "sio"], required=True)
    ap.add_argument("--url", action="append", required=True)
    ap.add_argument("--token", default="")
    ap.add_argument("--channel", default="bench")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--publishers", type=int, default=10)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--duration", type=float, default=10.0)
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out = asyncio.run(recv(args) if args.mode == "recv" else pub(args))
    print(msgspec.json.encode(out).decode(), flush=True)


if __name__ == "__main__":
    main()
