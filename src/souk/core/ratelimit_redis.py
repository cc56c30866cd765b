"""The Redis backend of :class:`souk.core.ratelimit.LimitStore`: buckets and lockouts shared by every node.

Each operation is one Lua script, so concurrent nodes never lose an update. Time comes from the caller's
clock (``now`` is an argument), which keeps nodes consistent with their token checks and lets the contract
suite run on a manual clock; Redis TTLs only garbage-collect idle keys.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Unavailable
from souk.core.ratelimit import Lockout, Rule

_TAKE = """
local count = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(v[1]) or count
local at = tonumber(v[2]) or now
local dt = now - at
if dt < 0 then dt = 0 end
tokens = math.min(count, tokens + dt * rate)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
elseif rate > 0 then
  wait = (cost - tokens) / rate
else
  wait = -1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
local ttl = 60000
if rate > 0 then ttl = math.ceil((count - tokens) / rate * 1000) + 1000 end
redis.call('PEXPIRE', KEYS[1], ttl)
return tostring(wait)
"""

_FAIL = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local failures = tonumber(ARGV[3])
local lockout = tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'n', 'start')
local n = tonumber(v[1]) or 0
local start = tonumber(v[2]) or now
if now - start >= window then
  n = 0
  start = now
end
n = n + 1
if n >= failures then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], tostring(now + lockout), 'PX', math.ceil(lockout * 1000) + 1000)
  return 1
end
redis.call('HSET', KEYS[1], 'n', n, 'start', tostring(start))
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return 0
"""


class RedisLimitStore:
    def __init__(self, url: str, *, clock: Clock | None = None, prefix: str = "souk:limits") -> None:
        self._r: Any = aioredis.from_url(url)  # redis.asyncio.Redis (its stubs type replies as unions); None: closed
        self._clock = clock or SystemClock()
        self._p = prefix
        self._take = self._r.register_script(_TAKE)
        self._fail = self._r.register_script(_FAIL)

    def _k(self, kind: str, key: str) -> str:
        return f"{self._p}:{kind}:{key}"

    async def take(self, key: str, rule: Rule, cost: float = 1.0) -> float:
        try:
            wait = float(await self._take(keys=[self._k("b", key)],
                                          args=[rule.count, repr(rule.rate), repr(self._clock.wall()), cost]))
        except RedisError as exc:
            raise Unavailable(f"rate-limit store unavailable: {exc}", code="limits_unavailable") from exc
        return float("inf") if wait < 0 else wait

    async def locked_for(self, key: str) -> float:
        try:
            until = await self._r.get(self._k("lock", key))
        except RedisError as exc:
            raise Unavailable(f"rate-limit store unavailable: {exc}", code="limits_unavailable") from exc
        return max(0.0, float(until) - self._clock.wall()) if until else 0.0

    async def fail(self, key: str, lockout: Lockout) -> float:
        try:
            locked = await self._fail(keys=[self._k("f", key), self._k("lock", key)],
                                      args=[repr(self._clock.wall()), lockout.window_s, lockout.failures,
                                            lockout.lockout_s])
        except RedisError as exc:
            raise Unavailable(f"rate-limit store unavailable: {exc}", code="limits_unavailable") from exc
        return lockout.lockout_s if int(locked) else 0.0

    async def clear(self, key: str) -> None:
        try:
            await self._r.delete(self._k("f", key), self._k("lock", key))
        except RedisError as exc:
            raise Unavailable(f"rate-limit store unavailable: {exc}", code="limits_unavailable") from exc

    async def aclose(self) -> None:
        if self._r is not None:
            r, self._r = self._r, None
            await r.aclose()
