"""Data residency at start-up (souk.privacy.residency): on a node that serves a region, every verified access
token is admitted only for merchants of that region; the merchants' regions are re-read every
``[residency] refresh_s``."""

from __future__ import annotations

from contextlib import AsyncExitStack

from souk.auth.tokens import TokenService
from souk.core.clock import Clock
from souk.core.settings import Settings
from souk.core.tasks import TaskOwner
from souk.privacy.residency import RegionGuard, keep_fresh
from souk.storage.storage import Storage


async def start_residency(settings: Settings, stack: AsyncExitStack, storage: Storage, tokens: TokenService,
                          clock: Clock) -> RegionGuard | None:
    """The region guard of this node, or None when residency is off (no ``[residency] region``)."""
    if not settings.residency.region:
        return None
    guard = RegionGuard(settings.residency.region)
    tasks = TaskOwner("residency")
    stack.push_async_callback(tasks.aclose)
    await keep_fresh(guard, storage.merchants, settings.residency.refresh_s, tasks, clock)
    tokens.use_admission(guard.admit)
    return guard
