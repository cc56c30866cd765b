"""A Python signaling client (tests, bots and ``souk bench connect``): one WebSocket, request/reply by id,
server events on a bounded queue."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
from typing import Any

import websockets

from souk.core.errors import SoukError, Timeout, Unavailable

log = logging.getLogger(__name__)

EVENT_QUEUE = 256


class SignalError(SoukError):
    """The server answered a request with an error message."""


class SignalClient:
    def __init__(self, ws: Any, welcome: dict[str, Any], timeout: float) -> None:
        self.ws = ws
        self.welcome = welcome
        self.timeout = timeout
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(EVENT_QUEUE)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read(), name="signal-client-reader")
        self.dropped_events = 0
        self.one_way_delay_s = 0.0  # benchmarks: emulate a slow link on this client's side
        self.segment_loss = 0.0  # ... and its TCP losses: a lost message arrives one retransmit timeout late
        self._rng = random.Random(11)

    @classmethod
    async def connect(cls, url: str, token: str, *, timeout: float = 10.0) -> SignalClient:
        """``url`` is the ws:// URL of ``/v1/signal``; returns once ``welcome`` arrived."""
        ws = await websockets.connect(f"{url}?token={token}", max_size=2**22, open_timeout=timeout)
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        except BaseException:
            await ws.close()
            raise
        if first.get("type") != "welcome":
            await ws.close()
            raise SignalError(first.get("message", "refused"), code=first.get("code", "refused"))
        return cls(ws, first, timeout)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                fut = self._pending.pop(msg.get("id") or "", None)
                if fut is not None:
                    if not fut.done():
                        fut.set_result(msg)
                elif self.events.full():
                    self.dropped_events += 1
                else:
                    self.events.put_nowait(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(Unavailable("signaling connection closed", code="connection_closed"))
            self._pending.clear()

    async def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Send one request; returns the reply, raises SignalError for an ``error`` reply."""
        rid = str(next(self._ids))
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        if self.one_way_delay_s or self.segment_loss:
            await asyncio.sleep(emulated_delay(self.one_way_delay_s, self.segment_loss, self._rng))
        await self.ws.send(json.dumps({**msg, "id": rid}))
        try:
            reply = await asyncio.wait_for(fut, self.timeout)
        except TimeoutError as exc:
            self._pending.pop(rid, None)
            raise Timeout(f"no reply to {msg.get('type')}", code="timeout") from exc
        if self.one_way_delay_s or self.segment_loss:
            await asyncio.sleep(emulated_delay(self.one_way_delay_s, self.segment_loss, self._rng))
        if reply.get("type") == "error":
            raise SignalError(reply.get("message", ""), code=reply.get("code", "error"),
                              details=reply.get("details") or {})
        return reply

    async def next_event(self, type_: str, timeout: float | None = None, **match: Any) -> dict[str, Any]:
        """The next server event of ``type_`` (others before it are dropped) whose fields match."""
        async def wait() -> dict[str, Any]:
            while True:
                ev = await self.events.get()
                if ev.get("type") == type_ and all(_get(ev, k) == v for k, v in match.items()):
                    return ev

        try:
            return await asyncio.wait_for(wait(), timeout or self.timeout)
        except TimeoutError as exc:
            raise Timeout(f"no {type_} event {match or ''}", code="timeout") from exc

    async def aclose(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)


def emulated_delay(one_way_s: float, loss: float, rng: random.Random) -> float:
    """One direction of an emulated link for one signaling message: the one-way delay, plus, with probability
    ``loss``, Linux's wait before it resends a lost lone segment (tail loss probe or RTO: about
    max(2 RTT, RTT + 200 ms))."""
    rtt = 2 * one_way_s
    lost = loss > 0 and rng.random() < loss
    return one_way_s + (max(2 * rtt, rtt + 0.2) if lost else 0.0)


def _get(ev: dict[str, Any], dotted: str) -> Any:
    cur: Any = ev
    for part in dotted.split("__"):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur
