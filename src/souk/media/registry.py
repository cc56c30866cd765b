"""Audience load registry: how many viewers of each room each Janus node serves, across Souk processes.

Every Souk process counts its own audience viewers per (room, Janus node) and writes them here; placement
(:mod:`souk.media.placement`) reads what the *other* Souk processes wrote and adds its own live counts.
Entries carry a TTL that the writer's heartbeat (a :meth:`NodeRegistry.publish` at least every third of
it) keeps fresh, so the counts of a Souk process that died disappear by themselves.

Backends: :class:`MemoryRegistry` (processes sharing one :class:`MemoryRegistryStore`: one Souk process, or
tests) and :class:`RedisRegistry` (one hash per Souk process, ``PEXPIRE`` as the TTL).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError, Unavailable
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 15.0
Key = tuple[RoomKey, str]  # (the merchant's room, Janus node_id)


class NodeRegistry(Protocol):
    """What the cascade needs from a load registry (one instance per Souk process)."""

    souk_node: str
    ttl_s: float

    async def publish(self, counts: Mapping[Key, int]) -> None:
        """Replace everything this Souk process reported with ``counts`` (zeros dropped) and restart its
        TTL. The writer calls it on every change and at least every ``ttl_s / 3`` as its heartbeat."""

    async def others(self) -> dict[Key, int]:
        """Viewer counts summed over every *other* live Souk process."""

    async def aclose(self) -> None:
        """Withdraw this process's entries and release connections. Idempotent."""


def per_node(counts: Mapping[Key, int], room: RoomKey | None = None) -> dict[str, int]:
    """Viewers per Janus node: of one room, or of every room when ``room`` is None."""
    out: dict[str, int] = {}
    for (key, node), n in counts.items():
        if room is None or key == room:
            out[node] = out.get(node, 0) + n
    return out


def _check(souk_node: str, ttl_s: float) -> None:
    if not souk_node:
        raise ConfigError("the load registry needs this Souk process's node id")
    if ttl_s <= 0:
        raise ConfigError("registry ttl_s must be positive")


# ------------------------------------------------------------------ memory


@dataclass(slots=True)
class _Entry:
    counts: dict[Key, int] = field(default_factory=dict)
    expires_at: float = 0.0


class MemoryRegistryStore:
    """The shared state of memory registries (one per simulated Souk process), on one clock."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.entries: dict[str, _Entry] = {}


class MemoryRegistry:
    def __init__(self, store: MemoryRegistryStore, souk_node: str, *, ttl_s: float = DEFAULT_TTL_S) -> None:
        _check(souk_node, ttl_s)
        self.store = store
        self.souk_node = souk_node
        self.ttl_s = ttl_s

    def _mine(self) -> _Entry:
        entry = self.store.entries.setdefault(self.souk_node, _Entry())
        entry.expires_at = self.store.clock.now() + self.ttl_s
        return entry

    async def publish(self, counts: Mapping[Key, int]) -> None:
        self._mine().counts = {k: n for k, n in counts.items() if n > 0}

    async def others(self) -> dict[Key, int]:
        now = self.store.clock.now()
        out: dict[Key, int] = {}
        for souk_node, entry in list(self.store.entries.items()):
            if entry.expires_at <= now:
                del self.store.entries[souk_node]
                continue
            if souk_node == self.souk_node:
                continue
            for key, n in entry.counts.items():
                out[key] = out.get(key, 0) + n
        return out

    async def aclose(self) -> None:
        self.store.entries.pop(self.souk_node, None)


# ------------------------------------------------------------------ redis


class RedisRegistry:
    """One hash per Souk process (``<prefix>:<souk node>``; field = JSON [merchant, room, node]); PEXPIRE = TTL."""

    def __init__(self, url: str, souk_node: str, *, ttl_s: float = DEFAULT_TTL_S,
                 prefix: str = "souk:media:load") -> None:
        _check(souk_node, ttl_s)
        self.souk_node = souk_node
        self.ttl_s = ttl_s
        self.prefix = prefix
        self._key = f"{prefix}:{souk_node}"
        self._r: aioredis.Redis = aioredis.Redis.from_url(url)
        self._closed = False

    async def publish(self, counts: Mapping[Key, int]) -> None:
        kept = {json.dumps([room.merchant_id, room.room_id, node]): n for (room, node), n in counts.items() if n > 0}
        try:
            async with self._r.pipeline(transaction=True) as p:
                p.delete(self._key)
                if kept:
                    p.hset(self._key, mapping=kept)  # type: ignore[arg-type]
                    p.pexpire(self._key, int(self.ttl_s * 1000))
                await p.execute()
        except RedisError as exc:
            raise Unavailable(f"load registry write failed: {exc}", retryable=True) from exc

    async def others(self) -> dict[Key, int]:
        out: dict[Key, int] = {}
        try:
            keys = [k async for k in self._r.scan_iter(match=f"{self.prefix}:*", count=100)]
            keys = [k for k in keys if (k.decode() if isinstance(k, bytes) else k) != self._key]
            async with self._r.pipeline(transaction=False) as p:
                for k in keys:
                    p.hgetall(k)
                hashes = await p.execute()
        except RedisError as exc:
            raise Unavailable(f"load registry read failed: {exc}", retryable=True) from exc
        for h in hashes:
            for field_, value in (h or {}).items():
                try:
                    merchant, room, node = json.loads(field_)
                    key = (RoomKey(str(merchant), str(room)), str(node))
                    out[key] = out.get(key, 0) + int(value)
                except (ValueError, TypeError, SoukError):
                    log.warning("load registry: ignoring bad entry %r=%r", field_, value)
        return out

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._r.delete(self._key)
        except RedisError as exc:
            log.warning("load registry: could not withdraw %s (%s); it expires in %.0f s", self._key, exc,
                        self.ttl_s)
        finally:
            await self._r.aclose()
