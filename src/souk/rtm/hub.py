"""Per-process fan-out: one frame per channel per tick, shared by every recipient (encode once).

The broker hands the hub ordered messages; every ``tick_s`` the hub joins what arrived for a channel into
one batch frame and writes that same bytes object to each member's connection. Each member has a bounded
backlog and a slow-consumer policy that never blocks the channel:

1. coalesce: while a connection's socket buffer is above the high-water mark, batches wait in its backlog
   and go out later as ONE frame;
2. drop ephemeral: a backlog older than a couple of ticks loses its aggregates (likes, online counts);
3. disconnect with a resume point: a backlog over ``queue_limit`` messages closes the connection with
   the last sequence it got, from which the client resumes (history fills the rest).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import msgspec

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Forbidden, SoukError, Unavailable
from souk.core.tasks import TaskOwner
from souk.rtm.broker import Broker
from souk.rtm.envelope import batch_frame, control_frame, encode

log = logging.getLogger(__name__)


class Conn(Protocol):
    """A client connection as the hub sees it (picows or ASGI adapter)."""

    def send(self, data: bytes) -> None:
        """Queue one text frame; never blocks."""

    def buffered(self) -> int:
        """Bytes written but not yet accepted by the socket."""

    def close(self, error: SoukError | None) -> None: ...


@dataclass(frozen=True, slots=True)
class Batch:
    first: int  # first seq (0 when the batch has no durable message)
    last: int
    items: list[tuple[int, bytes]]
    agg: dict[str, int] | None
    frame: bytes


@dataclass(eq=False, slots=True)
class Member:
    conn: Conn
    key: str
    ch: str
    identity: str
    info: bytes
    cursor: int = 0
    syncing: bool = True
    backlog: list[Batch] = field(default_factory=list)
    backlog_n: int = 0


class _Channel:
    __slots__ = ("agg", "ch_json", "incoming", "kicks", "members", "online", "out_agg", "subscribed")

    def __init__(self, ch: str) -> None:
        self.ch_json = encode(ch)
        self.members: set[Member] = set()
        self.incoming: list[tuple[int, bytes]] = []
        self.agg: dict[str, int] = {}
        self.kicks: list[tuple[str, str]] = []  # (user, action)
        self.out_agg: dict[str, int] = {}
        self.online = -1
        self.subscribed = False


_SYSTEM = b'"k":"system"'
_ACTIONS = msgspec.json.Decoder(dict)
_INFO = msgspec.json.Decoder(dict)


class Hub:
    def __init__(self, broker: Broker, *, node_id: str, tick_s: float = 0.015, queue_limit: int = 2000,
                 high_water: int = 256 * 1024, heartbeat_s: float = 5.0, presence_ttl_s: float = 15.0,
                 clock: Clock | None = None, auto_tick: bool = True) -> None:
        self.broker = broker
        self.node_id = node_id
        self._tick_s = tick_s
        self._queue_limit = queue_limit
        self._high = high_water
        self._heartbeat_s = heartbeat_s
        self._presence_ttl = presence_ttl_s
        self._clock = clock or SystemClock()
        self._auto_tick = auto_tick
        self._channels: dict[str, _Channel] = {}
        self._backlogged: set[Member] = set()
        self._tasks = TaskOwner("rtm-hub")
        self._on_kick: Callable[[Member, str], None] | None = None
        # read by the metrics at scrape time (souk.api.metrics_boot): plain ints, nothing else on the hot path
        self.stats = {"frames": 0, "deliveries": 0, "slow_disconnects": 0, "aggregates_dropped": 0}
        broker.attach(self)

    async def start(self) -> None:
        await self.broker.start()
        if self._auto_tick:
            self._tasks.spawn(self._tick_loop(), "tick")
        self._tasks.spawn(self._presence_loop(), "presence")

    async def aclose(self) -> None:
        await self._tasks.aclose()
        for chan in self._channels.values():
            for m in list(chan.members):
                m.conn.close(Unavailable("server shutting down", code="shutdown"))
        self._channels.clear()

    # ---- broker sink ----
    def on_messages(self, key: str, items: list[tuple[int, bytes]]) -> None:
        chan = self._channels.get(key)
        if chan is None:
            return
        chan.incoming.extend(items)
        for _, raw in items:
            if _SYSTEM in raw:
                body = _ACTIONS.decode(raw).get("b")
                if isinstance(body, dict) and body.get("action") in ("kick", "ban") and body.get("user"):
                    chan.kicks.append((str(body["user"]), str(body["action"])))

    def on_ephemeral(self, key: str, agg: dict[str, int]) -> None:
        chan = self._channels.get(key)
        if chan is None:
            return
        for k, v in agg.items():
            if k == "online":
                chan.agg[k] = v
            else:
                chan.agg[k] = chan.agg.get(k, 0) + v

    def add_ephemeral(self, key: str, kind: str, n: int) -> None:
        """Aggregate an outgoing ephemeral (a like) until the next tick."""
        chan = self._channels.get(key)
        if chan is None:
            chan = self._channels[key] = _Channel(key.split("/", 1)[-1])
        chan.out_agg[kind] = chan.out_agg.get(kind, 0) + n

    # ---- membership ----
    async def join(self, conn: Conn, key: str, ch: str, identity: str, info: bytes, *, since: int | None,
                   history: int, ref: str | None = None) -> Member:
        """Add a member: presence first, then (with ``ref``) the ``joined`` frame, history, live messages."""
        chan = self._channels.get(key)
        if chan is None:
            chan = self._channels[key] = _Channel(ch)
        member = Member(conn=conn, key=key, ch=ch, identity=identity, info=info)
        chan.members.add(member)
        try:
            last = await self.broker.subscribe(key)
            chan.subscribed = True
            await self.broker.heartbeat(key, {self._presence_key(identity): info}, self._presence_ttl)
            if ref is not None:
                conn.send(control_frame("joined", id=ref, ch=ch, seq=last))
            if since is None:
                items = await self.broker.history(key, since=None, limit=history)
                member.cursor = items[-1][0] if items else max(0, last - history) if history else last
            else:
                items = []
                since = min(since, last)  # a client ahead of the channel (e.g. after a reset) starts here
                cursor = since
                while cursor < last:
                    page = await self.broker.history(key, since=cursor, limit=1000)
                    if not page:
                        break
                    items.extend(page)
                    cursor = page[-1][0]
                    if len(items) > 50_000:
                        break
                member.cursor = items[-1][0] if items else since
        except BaseException:
            await self.leave(member)
            raise
        if items:
            conn.send(batch_frame(chan.ch_json, [r for _, r in items], None, hist=True))
        member.syncing = False
        if member.backlog:
            self._backlogged.add(member)
            self._flush_member(member)
        return member

    async def leave(self, member: Member) -> None:
        chan = self._channels.get(member.key)
        self._backlogged.discard(member)
        if chan is None or member not in chan.members:
            return
        chan.members.discard(member)
        if not any(m.identity == member.identity for m in chan.members):
            try:
                await self.broker.leave(member.key, self._presence_key(member.identity))
            except (SoukError, OSError, ConnectionError) as exc:
                log.warning("presence leave failed for %s: %s", member.key, exc)
        if not chan.members:
            await self._drop_if_idle(member.key, chan)

    async def _drop_if_idle(self, key: str, chan: _Channel) -> None:
        if chan.members or chan.out_agg or self._channels.get(key) is not chan:
            return
        del self._channels[key]
        if chan.subscribed:
            chan.subscribed = False
            await self.broker.unsubscribe(key)

    def _presence_key(self, identity: str) -> str:
        return f"{identity}|{self.node_id}"

    def members(self, key: str) -> list[Member]:
        chan = self._channels.get(key)
        return list(chan.members) if chan else []

    def sizes(self) -> tuple[int, int, int]:
        """(channels, channel memberships, members with a backlog) on this node, for the metrics."""
        return len(self._channels), sum(len(c.members) for c in self._channels.values()), len(self._backlogged)

    # ---- ticking ----
    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += self._tick_s
            delay = next_at - loop.time()
            if delay < 0:
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(delay)
            await self.tick()

    async def tick(self) -> None:
        """Flush outgoing aggregates, then send each busy channel's batch to its members."""
        for key, chan in list(self._channels.items()):
            if chan.out_agg:
                agg, chan.out_agg = chan.out_agg, {}
                await self.broker.publish_ephemeral(key, agg)
                if not chan.members:
                    await self._drop_if_idle(key, chan)
        for chan in list(self._channels.values()):
            if chan.incoming or chan.agg:
                self._deliver(chan)
            if chan.kicks:
                self._kick(chan)
        for member in list(self._backlogged):
            self._flush_member(member)

    def _deliver(self, chan: _Channel) -> None:
        items, chan.incoming = chan.incoming, []
        agg, chan.agg = chan.agg or None, {}
        frame = batch_frame(chan.ch_json, [r for _, r in items], agg)
        batch = Batch(items[0][0] if items else 0, items[-1][0] if items else 0, items, agg, frame)
        high = self._high
        sent = 0
        for m in tuple(chan.members):  # a slow consumer may be cut off inside the loop
            if m.syncing or m.backlog or m.conn.buffered() > high:
                self._enqueue(m, batch)
                continue
            if batch.first and batch.first <= m.cursor:
                self._send_filtered(m, [batch])
            else:
                m.conn.send(frame)
                if batch.last:
                    m.cursor = batch.last
            sent += 1
        self.stats["frames"] += sent
        self.stats["deliveries"] += sent * len(items)

    def _enqueue(self, m: Member, batch: Batch) -> None:
        m.backlog.append(batch)
        m.backlog_n += len(batch.items)
        if not m.syncing:
            self._backlogged.add(m)
        if m.backlog_n > self._queue_limit:
            self._disconnect_slow(m)

    def _flush_member(self, m: Member) -> None:
        if m.syncing:
            return
        if m.conn.buffered() > self._high // 2:
            if len(m.backlog) > 2:  # step 2 of the policy: stale ephemeral aggregates are dropped
                self.stats["aggregates_dropped"] += sum(1 for b in m.backlog if b.agg)
                m.backlog = [Batch(b.first, b.last, b.items, None, b.frame) if b.agg else b for b in m.backlog]
            return
        self._backlogged.discard(m)
        backlog, m.backlog, m.backlog_n = m.backlog, [], 0
        if backlog:
            self._send_filtered(m, backlog)

    def _send_filtered(self, m: Member, batches: list[Batch]) -> None:
        """Coalesce batches into one frame with only what the member has not had yet."""
        raws: list[bytes] = []
        agg: dict[str, int] = {}
        for b in batches:
            for seq, raw in b.items:
                if seq > m.cursor:
                    raws.append(raw)
                    m.cursor = seq
            for k, v in (b.agg or {}).items():
                agg[k] = v if k == "online" else agg.get(k, 0) + v
        if raws or agg:
            chan = self._channels.get(m.key)
            ch_json = chan.ch_json if chan else encode(m.ch)
            m.conn.send(batch_frame(ch_json, raws, agg or None))

    def _disconnect_slow(self, m: Member) -> None:
        self.stats["slow_disconnects"] += 1
        log.info("rtm %s: disconnecting slow consumer %s at seq %d", m.key, m.identity, m.cursor)
        m.backlog, m.backlog_n = [], 0
        self._backlogged.discard(m)
        chan = self._channels.get(m.key)
        if chan is not None:
            chan.members.discard(m)
        m.conn.close(Unavailable("connection too slow: resume from the given sequence", code="slow_consumer",
                                 details={"ch": m.ch, "resume": m.cursor}))

    def _kick(self, chan: _Channel) -> None:
        kicks, chan.kicks = chan.kicks, []
        for user, action in kicks:
            for m in [m for m in chan.members if m.identity == user]:
                chan.members.discard(m)
                self._backlogged.discard(m)
                m.conn.close(Forbidden(f"you were {'banned' if action == 'ban' else 'removed'} from {m.ch}",
                                       code="banned" if action == "ban" else "kicked", details={"ch": m.ch}))

    # ---- presence ----
    async def _presence_loop(self) -> None:
        while True:
            await self._clock.sleep(self._heartbeat_s)
            await self.refresh_presence()

    async def refresh_presence(self) -> None:
        """Heartbeat local members and push each channel's online count (distinct identities)."""
        for key, chan in list(self._channels.items()):
            members = {self._presence_key(m.identity): m.info for m in chan.members}
            try:
                if members:
                    await self.broker.heartbeat(key, members, self._presence_ttl)
                online = len({_INFO.decode(i).get("id") for i in await self.broker.presence(key)})
            except (SoukError, OSError, ConnectionError) as exc:
                log.warning("presence refresh failed for %s: %s", key, exc)
                continue
            if online != chan.online:
                chan.online = online
                chan.agg["online"] = online
