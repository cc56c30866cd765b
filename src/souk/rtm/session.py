"""One client connection's protocol handling, independent of the WebSocket library.

Frames are handled in arrival order by a worker task that exists only while frames are waiting; the inbox
is bounded. Bad frames get an ``err`` frame and the connection stays up (ten in a row close it).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

import msgspec

from souk.auth.tokens import AccessClaims
from souk.core.errors import BadRequest, RateLimited, SoukError, Unavailable
from souk.rtm.envelope import Join, Leave, Moderate, Ping, Publish, Who, control_frame, decode_client, encode
from souk.rtm.hub import Conn, Member
from souk.rtm.service import RtmService, rtm_role

log = logging.getLogger(__name__)

MAX_CHANNELS = 16
MAX_BAD_FRAMES = 10
# A connection whose unsent bytes pass this many times the hub's high-water mark is cut off: the hub holds
# channel batches back above the mark, so only direct replies (pongs, acks) to a client that never reads
# can pile up this far.
MAX_BUFFERED_HIGH_WATERS = 4
_INFO = msgspec.json.Decoder(dict)


def slow_consumer(resume: dict[str, int]) -> Unavailable:
    """The error that cuts off a client that does not read; ``details.resume`` maps channel -> last seq."""
    return Unavailable("connection too slow: resume from the given sequences", code="slow_consumer",
                       details={"resume": resume})


class Session:
    def __init__(self, service: RtmService, claims: AccessClaims, conn: Conn, *, inbox_limit: int = 64) -> None:
        self.service = service
        self.claims = claims
        self.conn = conn
        self._inbox: deque[bytes] = deque()
        self._inbox_limit = inbox_limit
        self._worker: asyncio.Task[None] | None = None
        self._members: dict[str, Member] = {}
        self._bad = 0
        self._closed = False

    def welcome(self) -> bytes:
        c = self.claims
        return control_frame("hello", v=1, identity=c.identity, role=self.service_role(), room=c.room)

    def service_role(self) -> str:
        return rtm_role(self.claims)

    def resume_points(self) -> dict[str, int]:
        """The last sequence delivered in each joined channel: where a cut-off client resumes (``since``)."""
        return {ch: m.cursor for ch, m in self._members.items()}

    def feed(self, raw: bytes) -> None:
        """Called by the transport for each text/binary frame; never blocks."""
        if self._closed:
            return
        if len(self._inbox) >= self._inbox_limit:
            self._error("", RateLimited("too many frames in flight", code="inbox_full"))
            return
        self._inbox.append(raw)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name="rtm-session")

    async def _work(self) -> None:
        while self._inbox and not self._closed:
            await self.handle(self._inbox.popleft())

    async def handle(self, raw: bytes) -> None:
        ref = ""
        try:
            frame = decode_client(raw, self.service.config.max_frame_bytes)
            ref = getattr(frame, "id", "")
            self._bad = 0
            if self.service.metrics is not None:  # souk.core.metrics: frames in by type
                self.service.metrics.message("rtm", type(frame).__name__)
            await self._dispatch(frame)
        except SoukError as exc:
            if exc.code in ("malformed_frame", "bad_frame", "frame_too_large"):
                self._bad += 1
            if self.service.metrics is not None:
                self.service.metrics.message_error("rtm", exc.code)
            self._error(ref, exc)
            if self._bad >= MAX_BAD_FRAMES:
                self.conn.close(BadRequest("too many bad frames", code="bad_frames"))
        except Exception as exc:  # a backend failure (e.g. Redis down): tell the client, keep serving
            log.exception("rtm frame failed for %s", self.claims.identity)
            self._error(ref, Unavailable(f"messaging backend error: {type(exc).__name__}", code="rtm_backend",
                                         retryable=True))

    async def _dispatch(self, frame: object) -> None:
        svc = self.service
        if isinstance(frame, Publish):
            self._require_joined(frame.ch)
            acc = await svc.publish(self.claims, frame.ch, frame.k, frame.b, frame.id, frame.n)
            if acc is not None:
                self.conn.send(control_frame("ack", id=frame.id, ch=frame.ch, seq=acc.seq, dup=acc.duplicate))
        elif isinstance(frame, Join):
            await self._join(frame)
        elif isinstance(frame, Leave):
            member = self._members.pop(frame.ch, None)
            if member is not None:
                await svc.hub.leave(member)
            self.conn.send(control_frame("left", id=frame.id, ch=frame.ch))
        elif isinstance(frame, Moderate):
            self._require_joined(frame.ch)
            acc = await svc.moderate(self.claims, frame.ch, frame.a, user=frame.user, seq=frame.seq,
                                     dur=frame.dur, words=frame.words)
            self.conn.send(control_frame("ack", id=frame.id, ch=frame.ch, seq=acc.seq if acc else 0, dup=False))
        elif isinstance(frame, Who):
            infos = await svc.presence(self.claims, frame.ch)
            members = {_INFO.decode(i).get("id"): i for i in infos}  # one entry per identity, any node
            self.conn.send(b'{"t":"presence","id":' + encode(frame.id) + b',"ch":' + encode(frame.ch)
                           + b',"count":%d,"members":[' % len(members) + b",".join(members.values()) + b"]}")
        elif isinstance(frame, Ping):
            self.conn.send(control_frame("pong", id=frame.id))

    def _require_joined(self, ch: str) -> None:
        if ch not in self._members:
            raise BadRequest(f"join {ch} first", code="not_joined")

    async def _join(self, frame: Join) -> None:
        svc = self.service
        if frame.ch in self._members:
            raise BadRequest(f"already joined {frame.ch}", code="already_joined")
        if len(self._members) >= MAX_CHANNELS:
            raise BadRequest(f"at most {MAX_CHANNELS} channels a connection", code="too_many_channels")
        key = await svc.check_join(self.claims, frame.ch)
        history = svc.config.history_on_join if frame.history is None else max(0, min(frame.history, 1000))
        member = await svc.hub.join(self.conn, key, frame.ch, self.claims.identity,
                                    svc.presence_info(self.claims), since=frame.since, history=history,
                                    ref=frame.id)
        if self._closed:
            await svc.hub.leave(member)
            return
        self._members[frame.ch] = member

    def _error(self, ref: str, exc: SoukError) -> None:
        body = exc.to_dict()
        if ref:
            body["id"] = ref
        self.conn.send(control_frame("err", **body))

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for member in list(self._members.values()):
            try:
                await self.service.hub.leave(member)
            except (SoukError, OSError, ConnectionError, Unavailable) as exc:
                log.warning("leave on close failed: %s", exc)
        self._members.clear()

