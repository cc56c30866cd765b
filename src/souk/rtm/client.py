"""A small Python RTM client (tests, bots, server-side tools) on picows.

Keeps per-channel ordered messages, dedupes by sequence and by (sender, client id), remembers the last
sequence per channel so :meth:`RtmClient.reconnect` resumes without loss (at-least-once on the wire,
exactly-once in :attr:`messages`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from souk.core.errors import SoukError, Unavailable
from souk.core.ids import new_id

_decode = msgspec.json.Decoder()


class _Listener(WSListener):
    def __init__(self, client: RtmClient) -> None:
        self.client = client

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.TEXT:
            self.client._on_frame(_decode.decode(frame.get_payload_as_bytes()))
        elif frame.msg_type is WSMsgType.CLOSE:
            self.client.close_code = int(frame.get_close_code())  # type: ignore[call-overload]
            self.client.close_reason = (frame.get_close_message() or b"").decode("utf-8", "replace")
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.client._disconnected.set()
        self.client._notify()


class RtmClient:
    def __init__(self, url: str, token: str, *, socket_factory: Any = None) -> None:
        self.url = url
        self.token = token
        self._socket_factory = socket_factory
        self.transport: WSTransport | None = None
        self.frames: list[dict[str, Any]] = []  # every control frame received (hello, ack, err, ...)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.last_seq: dict[str, int] = {}
        self.agg: dict[str, dict[str, int]] = {}
        self.close_code: int | None = None
        self.close_reason = ""
        self.duplicates = 0
        self._seen_ids: set[tuple[str, str]] = set()
        self._joined: set[str] = set()
        self._changed = asyncio.Event()
        self._disconnected = asyncio.Event()

    async def connect(self) -> RtmClient:
        """Connect and wait for ``hello``; a refused token raises its error (the server closes 4401/4403)."""
        sep = "&" if "?" in self.url else "?"
        self._disconnected.clear()
        self.close_code = None
        self.transport, _ = await ws_connect(lambda: _Listener(self), f"{self.url}{sep}token={self.token}",
                                             socket_factory=self._socket_factory)
        first = await self.wait_for(lambda f: f.get("t") in ("hello", "err"))
        if first["t"] == "err":
            raise SoukError(first["message"], code=first["code"], details=first.get("details"))
        return self

    @property
    def connected(self) -> bool:
        return self.transport is not None and not self._disconnected.is_set()

    def _notify(self) -> None:
        self._changed.set()

    def _on_frame(self, f: dict[str, Any]) -> None:
        if f.get("t") == "b":
            ch = f["ch"]
            out = self.messages.setdefault(ch, [])
            for m in f.get("m", []):
                seq = m["seq"]
                if seq <= self.last_seq.get(ch, 0):
                    self.duplicates += 1
                    continue
                ident = (m.get("from", ""), m.get("id", ""))
                self.last_seq[ch] = seq
                if ident[1] and ident in self._seen_ids:
                    self.duplicates += 1
                    continue
                if ident[1]:
                    self._seen_ids.add(ident)
                out.append(m)
            for k, v in (f.get("agg") or {}).items():
                a = self.agg.setdefault(ch, {})
                a[k] = v if k == "online" else a.get(k, 0) + v
        else:
            self.frames.append(f)
        self._notify()

    async def wait_for(self, pred: Any, timeout: float = 5.0, start: int = 0) -> dict[str, Any]:
        """The first control frame from index ``start`` on (seen or future) matching ``pred``."""
        async def _wait() -> dict[str, Any]:
            while True:
                for f in self.frames[start:]:
                    if pred(f):
                        return f
                if self._disconnected.is_set():
                    raise Unavailable(f"disconnected ({self.close_code} {self.close_reason})")
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(_wait(), timeout)

    async def until(self, cond: Any, timeout: float = 5.0) -> None:
        """Wait until ``cond()`` is true (checked on every frame)."""
        async def _wait() -> None:
            while not cond():
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(_wait(), timeout)

    def send(self, obj: dict[str, Any] | bytes) -> None:
        if self.transport is None:
            raise Unavailable("not connected")
        data = obj if isinstance(obj, bytes) else msgspec.json.encode(obj)
        self.transport.send(WSMsgType.TEXT, data)

    async def request(self, obj: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send a frame with an id and wait for its ack (raises the server's error as SoukError)."""
        obj.setdefault("id", new_id("c"))
        start = len(self.frames)
        self.send(obj)
        f = await self.wait_for(lambda f: f.get("id") == obj["id"] and f.get("t") != "hello", timeout, start)
        if f["t"] == "err":
            raise SoukError(f["message"], code=f["code"], details=f.get("details"))
        return f

    async def join(self, ch: str, since: int | None = None, history: int | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"t": "join", "ch": ch, "id": new_id("j")}
        if since is not None:
            frame["since"] = since
        if history is not None:
            frame["history"] = history
        self.send(frame)
        f = await self.wait_for(lambda f: f.get("id") == frame["id"] and f["t"] in ("joined", "err"))
        if f["t"] == "err":
            raise SoukError(f["message"], code=f["code"])
        self._joined.add(ch)
        return f

    async def publish(self, ch: str, body: Any, kind: str = "chat", id: str | None = None) -> dict[str, Any]:
        return await self.request({"t": "pub", "ch": ch, "k": kind, "b": body, "id": id or new_id("m")})

    async def reconnect(self, url: str | None = None) -> None:
        """Connect again (optionally to another node) and resume every joined channel from its last seq."""
        await self.close()
        self.url = url or self.url
        self.frames.clear()
        await self.connect()
        for ch in sorted(self._joined):
            await self.join(ch, since=self.last_seq.get(ch, 0))

    async def close(self) -> None:
        if self.transport is not None and not self._disconnected.is_set():
            self.transport.send_close(WSCloseCode.OK)  # a proper closing handshake, then the socket
            try:
                await asyncio.wait_for(self.transport.wait_disconnected(), 1.0)
            except TimeoutError:
                self.transport.disconnect()
                await self.transport.wait_disconnected()
