"""Ends what a token opened when the token ends: every open socket is watched until its token expires or
is revoked, and then told (an error frame) and closed (4401 ``token_expired`` / 4403 ``token_revoked``).

One guard a process. It keeps the revoked ids that have not expired in memory (``is_revoked`` is what
TokenService.verify asks, so a revoked token is refused everywhere at once), revokes through the shared
:class:`RevocationStore`, and re-reads the store every ``poll_s`` so a revocation made on another node or by
``souk token revoke`` reaches this node's sockets within that time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from souk.auth.revocation import RevocationStore
from souk.auth.tokens import AccessClaims, TokenRevoked
from souk.core.clock import Clock, SystemClock
from souk.core.errors import SoukError, TokenExpired
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

OnEnd = Callable[[SoukError], None]


def expired_error() -> TokenExpired:
    return TokenExpired("access token has expired", code="token_expired")


def revoked_error() -> TokenRevoked:
    return TokenRevoked("access token was revoked", code="token_revoked")


class Watch:
    """One socket's watch on its token; ``cancel()`` when the socket closes (idempotent)."""

    __slots__ = ("_guard", "_on_end", "_timer", "done", "jti")

    def __init__(self, guard: TokenGuard, jti: str, on_end: OnEnd) -> None:
        self._guard = guard
        self.jti = jti
        self._on_end = on_end
        self._timer: asyncio.TimerHandle | None = None
        self.done = False

    def fire(self, exc: SoukError) -> None:
        if self.done:
            return
        self.cancel()
        try:
            self._on_end(exc)
        except Exception:  # one socket's close must not stop the others'
            log.exception("closing a socket for %s failed", exc.code)

    def cancel(self) -> None:
        if self.done:
            return
        self.done = True
        if self._timer is not None:
            self._timer.cancel()
        self._guard._forget(self)


class TokenGuard:
    def __init__(self, store: RevocationStore, *, clock: Clock | None = None, poll_s: float = 1.0) -> None:
        self.store = store
        self._clock = clock or SystemClock()
        self._poll_s = poll_s
        self._revoked: set[str] = set()
        self._reading: list[set[str]] = []  # per refresh in flight: ids revoked here meanwhile (its read may miss them)
        self._watches: dict[str, set[Watch]] = {}
        self._tasks = TaskOwner("token-guard")
        self._closed = False

    async def start(self) -> None:
        await self.refresh()
        self._tasks.spawn(self._poll(), "poll")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        for watches in list(self._watches.values()):
            for w in list(watches):
                w.cancel()
        await self.store.aclose()

    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    def __len__(self) -> int:
        return sum(len(ws) for ws in self._watches.values())

    async def revoke(self, jti: str, merchant_id: str, expires_at: float) -> bool:
        """Revoke one token id (kept until ``expires_at``); this node's sockets close now, others' within
        ``poll_s``. False when it was already revoked."""
        added = await self.store.revoke(jti, merchant_id, expires_at)
        self._revoked.add(jti)
        for meanwhile in self._reading:
            meanwhile.add(jti)
        self._end(jti)
        return added

    async def refresh(self) -> None:
        """Replace the revoked set with the store's; a revocation made here while the read was in flight stays
        (the read may have started before it was stored)."""
        meanwhile: set[str] = set()
        self._reading.append(meanwhile)
        try:
            live = set(await self.store.live())
        finally:
            self._reading.remove(meanwhile)
        live |= meanwhile
        fresh = live - self._revoked
        self._revoked = live
        for jti in fresh:
            self._end(jti)

    def watch(self, claims: AccessClaims, on_end: OnEnd) -> Watch:
        """Call ``on_end(error)`` once, when the token expires or is revoked (at once if it already is)."""
        w = Watch(self, claims.token_id, on_end)
        loop = asyncio.get_running_loop()
        if claims.token_id:
            self._watches.setdefault(claims.token_id, set()).add(w)
            if claims.token_id in self._revoked:
                loop.call_soon(w.fire, revoked_error())
                return w
        w._timer = loop.call_later(max(0.0, claims.expires_at - self._clock.wall()), w.fire, expired_error())
        return w

    def _forget(self, w: Watch) -> None:
        watches = self._watches.get(w.jti)
        if watches is not None:
            watches.discard(w)
            if not watches:
                del self._watches[w.jti]

    def _end(self, jti: str) -> None:
        for w in list(self._watches.get(jti, ())):
            w.fire(revoked_error())

    async def _poll(self) -> None:
        while True:
            await self._clock.sleep(self._poll_s)
            try:
                await self.refresh()
            except (SoukError, OSError) as exc:
                log.warning("reading revoked tokens failed (will retry): %s", exc)
