"""Readiness checks: the database, Redis when configured, every Janus node, the configured model files.

One set of checks for ``GET /readyz`` (souk.api.routes.health, with the running process's storage and
media plane) and ``souk doctor`` (souk.cli.server, which opens them from the settings). Each check answers a
:class:`Component`; a check never raises (a failure is its status) and each has a time limit, so one hung
backend cannot hang the probe. ``required`` says whether the component makes the whole answer unready.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from souk.core.errors import SoukError
from souk.core.settings import Settings
from souk.media.types import NodeHealth
from souk.storage.storage import Storage

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class Component:
    name: str  # "database", "redis", "janus:<node>", "model:<name>"
    ok: bool
    detail: str
    required: bool = True
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Readiness:
    components: tuple[Component, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.components if c.required)

    def as_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "components": [c.as_dict() for c in self.components]}


async def _timed(name: str, work: Awaitable[str], *, required: bool = True,
                 timeout: float = CHECK_TIMEOUT_S) -> Component:
    start = time.perf_counter()
    try:
        detail = await asyncio.wait_for(work, timeout)
        ok = True
    except TimeoutError:
        ok, detail = False, f"no answer within {timeout:g} s"
    except (SoukError, OSError, ConnectionError) as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a driver's own error type: reported as the component's status, logged
        log.warning("readiness check %s failed", name, exc_info=True)
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return Component(name, ok, detail, required, round((time.perf_counter() - start) * 1000, 1))


async def check_database(storage: Storage) -> Component:
    async def ping() -> str:
        from sqlalchemy import text

        async with storage.db.read() as conn:
            await conn.execute(text("SELECT 1"))
        return storage.backend

    return await _timed("database", ping())


async def check_redis(url: str) -> Component | None:
    """None when no Redis is configured (the in-process bus): nothing to check."""
    if not url:
        return None

    async def ping() -> str:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S,
                                         socket_timeout=CHECK_TIMEOUT_S)
        try:
            await client.ping()
            info = await client.info("server")
            return f"redis {info.get('redis_version', '?')}"
        finally:
            await client.aclose()

    return await _timed("redis", ping())


def janus_components(nodes: Sequence[NodeHealth]) -> list[Component]:
    return [Component(f"janus:{n.node_id}", n.up, n.detail or ("up" if n.up else "down")) for n in nodes]


async def check_janus(health: Callable[[], Awaitable[list[NodeHealth]]], *,
                      timeout: float = CHECK_TIMEOUT_S + 2) -> list[Component]:
    """Every node of the media plane (``MediaPlane.health``: a Janus ``info`` on each node's link)."""
    start = time.perf_counter()
    try:
        nodes = await asyncio.wait_for(health(), timeout)
    except (TimeoutError, SoukError, OSError) as exc:
        return [Component("janus", False, f"media plane health failed: {exc or type(exc).__name__}", True,
                          round((time.perf_counter() - start) * 1000, 1))]
    if not nodes:
        return [Component("janus", False, "the media plane has no node")]
    return janus_components(nodes)


async def check_janus_urls(urls: Sequence[str], api_secret: str) -> list[Component]:
    """External Janus nodes by URL, without a running Souk (``souk doctor``): connect and ask ``info``."""
    from souk.media.client import JanusConnection

    async def info(url: str) -> str:
        conn = await JanusConnection.open(url, api_secret=api_secret or None, timeout=CHECK_TIMEOUT_S)
        try:
            return (await conn.info(timeout=CHECK_TIMEOUT_S)).version_string
        finally:
            await conn.aclose()

    return list(await asyncio.gather(*(_timed(f"janus:{url}", info(url)) for url in urls)))


def configured_models(settings: Settings) -> set[str]:
    """The offline models this node's settings use (souk.agent.models names): remote STT/TTS need none."""
    names = {"vad:silero-v6"}
    if not settings.agent.stt_base_url:
        names.add("stt:whisper-base")
    if not settings.agent.tts_base_url:
        names |= {"tts:piper-en_US-joe", "tts:espeak-ng"}
    if settings.agent.smart_turn:
        names.add("turn:smart-turn-v3.2")
    return names


def check_models(settings: Settings, *, verify: bool, required: bool) -> list[Component]:
    """The configured model files: present (``verify=False``, cheap enough for every probe) or present
    with their published hashes (``verify=True``: ``souk doctor``, reads every byte)."""
    try:
        from souk.agent import models
    except ImportError as exc:
        return [Component("models", False, f"souk.agent.models unavailable: {exc}", required)]
    wanted = configured_models(settings)
    try:
        statuses = models.check(settings, verify=verify)
    except (SoukError, OSError, ValueError) as exc:
        return [Component("models", False, f"check failed: {exc}", required)]
    return [Component(f"model:{s.name}", s.ok, s.detail or s.path, required) for s in statuses if s.name in wanted]
