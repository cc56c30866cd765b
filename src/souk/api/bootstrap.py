"""Build the core services of one Souk process, with clean-up registered on an AsyncExitStack.

Order: token secret -> storage (migrations + open) -> media plane (embedded Janus or external nodes)
-> signaling hub -> consult service. Every piece registers its own ``aclose`` on the stack, so a failure
half-way releases what was already started, and closing twice is harmless.
"""

from __future__ import annotations

import logging
import os
import secrets
from contextlib import AsyncExitStack
from typing import Any

from souk.api.context import AppContext
from souk.signal.hub import SignalHub
from souk.api.stores import StorageAdapter
from souk.auth.tokens import TokenService
from souk.consult.recovery import reconcile_after_crash
from souk.consult.service import ConsultService
from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError
from souk.core.settings import Settings

log = logging.getLogger(__name__)

SECRET_FILE = "token_secret"


def load_token_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept in ``<data_dir>/token_secret`` (mode 0600)."""
    configured = settings.auth.token_secret.get_secret_value()
    if configured:
        if len(configured) < 32:
            raise ConfigError("auth.token_secret must be at least 32 characters")
        return configured
    path = settings.data_path / SECRET_FILE
    if path.exists():
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) >= 32:
            return secret
        raise ConfigError(f"{path} holds a secret shorter than 32 characters; delete it to regenerate")
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    log.info("generated a token secret in %s", path)
    return secret


def token_service(settings: Settings, clock: Clock | None = None) -> TokenService:
    kw: dict[str, Any] = {}
    if clock is not None:
        kw["now"] = clock.wall
    return TokenService(load_token_secret(settings), issuer=settings.auth.issuer,
                        default_ttl_s=settings.auth.token_ttl_s, max_ttl_s=settings.auth.max_token_ttl_s, **kw)


async def open_storage(settings: Settings, stack: AsyncExitStack) -> Any:
    from souk.storage import open_storage as _open  # migrations run inside open_storage

    storage = await _open(settings)
    stack.push_async_callback(storage.aclose)
    # Before serving: end the calls this node's previous process left open, close their rooms (crash recovery)
    await reconcile_after_crash(storage)
    return storage


async def start_media(settings: Settings, stack: AsyncExitStack) -> Any:
    from souk.media.plane import MediaPlane

    plane = await MediaPlane.start(settings)
    stack.push_async_callback(plane.aclose)
    return plane


class _RoomCloser:
    """When a call ends: every member leaves (handles released), then the Janus room is destroyed."""

    def __init__(self, hub: SignalHub, media: Any) -> None:
        self._hub = hub
        self._media = media

    async def close_room(self, room_id: str, reason: str) -> None:
        await self._hub.close_room(room_id, reason)
        if self._media is None:
            return
        try:
            await self._media.destroy_room(room_id)
        except SoukError as exc:  # the room may never have been created on Janus (nobody joined)
            log.debug("destroy_room %s: %s", room_id, exc)


async def build_context(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    clock: Clock | None = None,
    storage: Any = None,
    media: Any = None,
    with_media: bool = True,
) -> AppContext:
    """Start the core services. Tests may pass their own clock, storage or media plane.

    ``with_media=False`` starts no media plane (REST-only tests, ``souk token``): signaling joins then
    fail with ``media_unavailable``.
    """
    clock = clock or SystemClock()
    tokens = token_service(settings, clock if not isinstance(clock, SystemClock) else None)
    if storage is None:
        storage = await open_storage(settings, stack)
    if media is None and with_media:
        media = await start_media(settings, stack)
    adapter = StorageAdapter(storage)
    hub = SignalHub(ring_timeout_s=settings.calls.ring_timeout_s)
    calls = ConsultService(settings.calls, store=adapter, products=adapter, clock=clock,
                           rooms=_RoomCloser(hub, media))
    calls.add_listener(hub)
    stack.push_async_callback(calls.aclose)
    return AppContext(settings=settings, tokens=tokens, storage=storage, media=media, calls=calls,
                      api_keys=adapter, rooms=adapter, hub=hub, clock=clock)
