"""Shared keyed state with cross-node locks: one Protocol, a memory backend and a Redis backend.

Values are bytes under string keys (callers build keys that carry the merchant: ``stage:<merchant>/<room>``),
optionally expiring (node heartbeats). :meth:`SharedState.lock` holds a set of keys across every node that
shares the backend for one read-modify-write; locks expire (``ttl_s``) so a node killed while holding one
does not block the others for longer than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.clock import Clock, SystemClock
from souk.core.errors import Timeout, Unavailable

LOCK_TTL_S = 10.0
LOCK_WAIT_S = 5.0


class SharedState(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def put(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def scan(self, prefix: str) -> dict[str, bytes]:
        """Every live key starting with ``prefix`` and its value."""

    def lock(self, keys: Sequence[str], *, ttl_s: float = LOCK_TTL_S,
             wait_s: float = LOCK_WAIT_S) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold ``keys`` (in sorted order, so two lockers never deadlock); Timeout (``lock_timeout``) after
        ``wait_s``."""

    async def aclose(self) -> None: ...


# ------------------------------------------------------------------ memory


@dataclass(slots=True)
class _Value:
    data: bytes
    expires_at: float | None


class MemoryStateStore:
    """What memory states share (one process, or simulated nodes in a test), on one clock."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.values: dict[str, _Value] = {}
        self.locks: dict[str, asyncio.Lock] = {}


class MemoryState:
    def __init__(self, store: MemoryStateStore | None = None) -> None:
        self.store = store or MemoryStateStore()

    def _live(self, key: str) -> bytes | None:
        value = self.store.values.get(key)
        if value is None:
            return None
        if value.expires_at is not None and value.expires_at <= self.store.clock.now():
            del self.store.values[key]
            return None
        return value.data

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._live(k) for k in keys]

    async def put(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        expires = None if ttl_s is None else self.store.clock.now() + ttl_s
        self.store.values[key] = _Value(bytes(value), expires)

    async def delete(self, key: str) -> None:
        self.store.values.pop(key, None)

    async def scan(self, prefix: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for key in [k for k in self.store.values if k.startswith(prefix)]:
            data = self._live(key)
            if data is not None:
                out[key] = data
        return out

    @contextlib.asynccontextmanager
    async def lock(self, keys: Sequence[str], *, ttl_s: float = LOCK_TTL_S,
                   wait_s: float = LOCK_WAIT_S) -> AsyncIterator[None]:
        held: list[asyncio.Lock] = []
        try:
            for key in sorted(set(keys)):
                lock = self.store.locks.setdefault(key, asyncio.Lock())
                try:
                    await asyncio.wait_for(lock.acquire(), wait_s)
                except TimeoutError as exc:
                    raise Timeout(f"{key} stayed locked for {wait_s:g} s", code="lock_timeout",
                                  retryable=True) from exc
                held.append(lock)
            yield
        finally:
            for lock in reversed(held):
                lock.release()

    async def aclose(self) -> None:
        return None


# ------------------------------------------------------------------ redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisState:
    """Keys ``<prefix>:<key>``; a lock is ``<prefix>:lock:<key>`` set NX with an expiry and a random token,
    released only by its holder (a Lua compare-and-delete)."""

    def __init__(self, url: str, *, prefix: str = "souk:state", clock: Clock | None = None) -> None:
        self._prefix = prefix
        self._clock = clock or SystemClock()
        self._r: Any = aioredis.Redis.from_url(url)
        self._release: Any = self._r.register_script(_RELEASE)
        self._closed = False

    def _k(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    async def get(self, key: str) -> bytes | None:
        return (await self.get_many([key]))[0]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            return list(await self._r.mget([self._k(k) for k in keys]))
        except RedisError as exc:
            raise _down(exc) from exc

    async def put(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        try:
            if ttl_s is None:
                await self._r.set(self._k(key), value)
            else:
                await self._r.set(self._k(key), value, px=max(1, int(ttl_s * 1000)))
        except RedisError as exc:
            raise _down(exc) from exc

    async def delete(self, key: str) -> None:
        try:
            await self._r.delete(self._k(key))
        except RedisError as exc:
            raise _down(exc) from exc

    async def scan(self, prefix: str) -> dict[str, bytes]:
        try:
            keys = [k async for k in self._r.scan_iter(match=self._k(prefix).replace("*", r"\*") + "*", count=500)]
            values = await self._r.mget(keys) if keys else []
        except RedisError as exc:
            raise _down(exc) from exc
        cut = len(self._prefix) + 1
        return {(k.decode() if isinstance(k, bytes) else k)[cut:]: v for k, v in zip(keys, values, strict=True)
                if v is not None}

    @contextlib.asynccontextmanager
    async def lock(self, keys: Sequence[str], *, ttl_s: float = LOCK_TTL_S,
                   wait_s: float = LOCK_WAIT_S) -> AsyncIterator[None]:
        token = secrets.token_hex(16)
        held: list[str] = []
        try:
            for key in sorted(set(keys)):
                name = self._k(f"lock:{key}")
                deadline = self._clock.now() + wait_s
                delay = 0.002
                while not await self._try(name, token, ttl_s):
                    if self._clock.now() >= deadline:
                        raise Timeout(f"{key} stayed locked for {wait_s:g} s", code="lock_timeout", retryable=True)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.02)
                held.append(name)
            yield
        finally:
            for name in reversed(held):
                try:
                    await self._release(keys=[name], args=[token])
                except RedisError:  # it expires by itself after ttl_s
                    pass

    async def _try(self, name: str, token: str, ttl_s: float) -> bool:
        try:
            return bool(await self._r.set(name, token, nx=True, px=max(1, int(ttl_s * 1000))))
        except RedisError as exc:
            raise _down(exc) from exc

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._r.aclose()


def _down(exc: Exception) -> Unavailable:
    return Unavailable(f"shared state unavailable: {exc}", code="state_unavailable", retryable=True)
