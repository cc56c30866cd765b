"""The Redis broker: many Souk processes share channels through one Redis.

- Each durable message is sequenced, deduped, appended to a per-channel stream (entry id ``<seq>-1``) and
  announced on a pub/sub channel by ONE Lua script, so stream order, sequence order and announcement order
  agree. ``publish`` returns only after Redis ran it: an acknowledged message is in the stream.
- Every node subscribes (pub/sub) to the channels its clients joined and hands messages to its sink in
  sequence order. A gap (missed announcement, reconnect) is filled from the stream with XRANGE, and a
  periodic catch-up compares each channel's sequence counter with what was delivered, so nothing is lost
  even when pub/sub drops messages.
- Presence: one sorted set per channel, member -> expiry; a dead node's entries expire by themselves.
- Moderation: hashes per channel and a keyword list per channel (a host's filter is its room's only).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Unavailable
from souk.core.tasks import TaskOwner
from souk.rtm.broker import Accepted, Draft, Policy, Sink

log = logging.getLogger(__name__)

_PUBLISH = """
if KEYS[3] ~= '' then
  local prev = redis.call('GET', KEYS[3])
  if prev then return {tonumber(prev), 1} end
end
local seq = redis.call('INCR', KEYS[1])
local payload = ARGV[1] .. seq .. ARGV[2]
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-1', 'm', payload)
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], seq, 'EX', ARGV[4]) end
redis.call('PUBLISH', ARGV[5], 'm' .. seq .. '|' .. payload)
return {seq, 0}
"""


class RedisBroker:
    def __init__(self, url: str, *, clock: Clock | None = None, prefix: str = "souk:rtm",
                 retain: int = 100_000, dedupe_ttl_s: int = 24 * 3600, catchup_s: float = 1.0,
                 max_connections: int = 32) -> None:
        self._max_connections = max_connections
        self._url = url
        self._clock = clock or SystemClock()
        self._p = prefix
        self._retain = retain
        self._dedupe_ttl = dedupe_ttl_s
        self._catchup_s = catchup_s
        self._r: Any = None  # redis.asyncio.Redis (its stubs type every reply as a union)
        self._pubsub: Any = None
        self._script: Any = None
        self._sink: Sink | None = None
        self._delivered: dict[str, int] = {}  # key -> last seq handed to the sink
        self._fill_lock = asyncio.Lock()
        self._tasks = TaskOwner("rtm-redis")
        self._closed = False

    # ---- keys ----
    def _k(self, kind: str, key: str) -> str:
        return f"{self._p}:{kind}:{key}"

    def _chan(self, key: str) -> str:
        return self._k("ps", key)

    def attach(self, sink: Sink) -> None:
        self._sink = sink

    async def start(self) -> None:
        if self._r is not None:
            return
        pool = aioredis.BlockingConnectionPool.from_url(self._url, max_connections=self._max_connections,
                                                        timeout=10, health_check_interval=5)
        self._r = aioredis.Redis(connection_pool=pool)
        try:
            await self._r.ping()
        except RedisError as exc:
            raise Unavailable(f"redis at {self._url} is not reachable: {exc}", code="redis_down") from exc
        self._script = self._r.register_script(_PUBLISH)
        self._pubsub = self._r.pubsub(ignore_subscribe_messages=True)
        self._tasks.spawn(self._reader(), "reader")
        self._tasks.spawn(self._catchup(), "catchup")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._r is not None:
            await self._r.aclose()

    def _redis(self) -> Any:
        if self._r is None or self._closed:
            raise Unavailable("redis broker is not running", code="rtm_closed")
        return self._r

    # ---- messages ----
    async def publish(self, draft: Draft) -> Accepted:
        r = self._redis()
        head, tail = draft.encode_split()
        dkey = self._k("dd", f"{draft.key}|{draft.sender}|{draft.id}") if draft.id else ""
        try:
            seq, dup = await self._script(
                keys=[self._k("seq", draft.key), self._k("st", draft.key), dkey],
                args=[head, tail, self._retain, self._dedupe_ttl, self._chan(draft.key)], client=r)
        except RedisError as exc:
            raise Unavailable(f"could not store message: {exc}", code="rtm_store") from exc
        return Accepted(int(seq), duplicate=bool(dup))

    async def publish_ephemeral(self, key: str, agg: dict[str, int]) -> None:
        try:
            await self._redis().publish(self._chan(key), b"e" + msgspec.json.encode(agg))
        except RedisError as exc:
            log.warning("ephemeral publish failed on %s: %s", key, exc)

    async def subscribe(self, key: str) -> int:
        last = await self.last_seq(key)
        if key not in self._delivered:
            self._delivered[key] = last
            await self._pubsub.subscribe(self._chan(key))
        return self._delivered[key]

    async def unsubscribe(self, key: str) -> None:
        if self._delivered.pop(key, None) is not None and self._pubsub is not None:
            await self._pubsub.unsubscribe(self._chan(key))

    async def last_seq(self, key: str) -> int:
        raw = await self._redis().get(self._k("seq", key))
        return int(raw) if raw else 0

    async def _reader(self) -> None:
        prefix = len(self._k("ps", ""))
        while True:
            if not self._delivered:
                await asyncio.sleep(0.05)
                continue
            try:
                msg = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, ConnectionError, OSError) as exc:
                log.warning("redis pub/sub read failed (%s); retrying", exc)
                await asyncio.sleep(0.5)
                continue
            if msg is None or msg.get("type") != "message":
                continue
            key = msg["channel"].decode()[prefix:]
            data: bytes = msg["data"]
            if key not in self._delivered or self._sink is None:
                continue
            if data[:1] == b"e":
                self._sink.on_ephemeral(key, msgspec.json.decode(data[1:]))
                continue
            bar = data.index(b"|")
            seq = int(data[1:bar])
            last = self._delivered[key]
            if seq <= last:
                continue  # already delivered (by a gap fill)
            if seq == last + 1 and not self._fill_lock.locked():
                self._delivered[key] = seq
                self._sink.on_messages(key, [(seq, data[bar + 1:])])
            else:
                await self._fill(key, seq)

    async def _fill(self, key: str, upto: int) -> None:
        """Deliver everything after what was delivered up to ``upto`` from the stream, in order."""
        async with self._fill_lock:
            while key in self._delivered and self._delivered[key] < upto:
                after = self._delivered[key]
                items = await self._range(key, after, min(upto - after, 1000))
                if not items:
                    log.warning("rtm %s: seq %d..%d no longer in the stream", key, after + 1, upto)
                    self._delivered[key] = upto
                    break
                self._delivered[key] = items[-1][0]
                if self._sink is not None:
                    self._sink.on_messages(key, items)

    async def _catchup(self) -> None:
        while True:
            await asyncio.sleep(self._catchup_s)
            keys = list(self._delivered)
            if not keys:
                continue
            try:
                values = await self._redis().mget([self._k("seq", k) for k in keys])
                for key, raw in zip(keys, values):
                    if raw and key in self._delivered and int(raw) > self._delivered[key]:
                        await self._fill(key, int(raw))
            except RedisError as exc:
                log.warning("rtm catch-up failed: %s", exc)

    async def _range(self, key: str, after: int, limit: int) -> list[tuple[int, bytes]]:
        rows = await self._redis().xrange(self._k("st", key), min=f"({after}-1", max="+", count=limit)
        return [(int(eid.split(b"-")[0]), fields[b"m"]) for eid, fields in rows]

    async def history(self, key: str, *, since: int | None, limit: int) -> list[tuple[int, bytes]]:
        if limit <= 0:
            return []
        if since is not None:
            return await self._range(key, since, limit)
        rows = await self._redis().xrevrange(self._k("st", key), max="+", min="-", count=limit)
        return [(int(eid.split(b"-")[0]), fields[b"m"]) for eid, fields in reversed(rows)]

    async def delete(self, key: str, seq: int) -> bool:
        return bool(await self._redis().xdel(self._k("st", key), f"{seq}-1"))

    # ---- presence ----
    async def heartbeat(self, key: str, members: dict[str, bytes], ttl_s: float) -> None:
        if not members:
            return
        r = self._redis()
        expires = self._clock.wall() + ttl_s
        pipe = r.pipeline(transaction=False)
        pipe.zadd(self._k("pz", key), {m: expires for m in members})
        pipe.hset(self._k("ph", key), mapping=members)
        await pipe.execute()

    async def leave(self, key: str, member: str) -> None:
        pipe = self._redis().pipeline(transaction=False)
        pipe.zrem(self._k("pz", key), member)
        pipe.hdel(self._k("ph", key), member)
        await pipe.execute()

    async def presence(self, key: str) -> list[bytes]:
        r = self._redis()
        now = self._clock.wall()
        expired = await r.zrangebyscore(self._k("pz", key), "-inf", now)
        if expired:
            pipe = r.pipeline(transaction=False)
            pipe.zremrangebyscore(self._k("pz", key), "-inf", now)
            pipe.hdel(self._k("ph", key), *expired)
            await pipe.execute()
        live = await r.zrangebyscore(self._k("pz", key), f"({now}", "+inf")
        if not live:
            return []
        return [v for v in await r.hmget(self._k("ph", key), live) if v is not None]

    # ---- moderation ----
    async def policy(self, key: str, merchant: str) -> Policy:
        pipe = self._redis().pipeline(transaction=False)
        pipe.hgetall(self._k("mute", key))
        pipe.hgetall(self._k("ban", key))
        pipe.get(self._k("slow", key))
        pipe.get(self._k("kw", key))
        muted, banned, slow, kw = await pipe.execute()
        return Policy(
            muted={k.decode(): float(v) for k, v in muted.items()},
            banned={k.decode(): float(v) for k, v in banned.items()},
            slow_s=float(slow) if slow else 0.0,
            keywords=tuple(msgspec.json.decode(kw)) if kw else (),
        )

    async def set_member_rule(self, key: str, rule: str, user: str, until: float | None) -> None:
        name = self._k("mute" if rule == "muted" else "ban", key)
        if until is None:
            await self._redis().hdel(name, user)
        else:
            await self._redis().hset(name, user, until)

    async def set_slow_mode(self, key: str, seconds: float) -> None:
        await self._redis().set(self._k("slow", key), seconds)

    async def set_keywords(self, key: str, words: list[str]) -> None:
        await self._redis().set(self._k("kw", key),
                                msgspec.json.encode([w.lower() for w in words if w]))
