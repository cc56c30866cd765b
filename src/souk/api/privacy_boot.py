"""Start the retention purge (souk.privacy.retention) beside the audit API, on every node that serves it
(``[privacy] purge = false`` leaves it to ``souk privacy purge`` from cron). Passes on several nodes are safe:
each deletes what is still there, under the same row locks as any other write."""

from __future__ import annotations

from contextlib import AsyncExitStack

from souk.api.context import AppContext
from souk.privacy.audit import AuditLog
from souk.privacy.customer_stores import StoreDeps, rtm_history_store
from souk.privacy.retention import RetentionPurge
from souk.privacy.stores import storage_purgers


async def start_retention(ctx: AppContext, stack: AsyncExitStack) -> RetentionPurge | None:
    p = ctx.settings.privacy
    if not p.purge:
        return None
    storage = ctx.storage

    async def merchants() -> list[str]:
        return [m.id for m in await storage.merchants.list()]

    # the recordings' folder: the media plane's rec_dir, or where it would be (the replay side's)
    recordings = ctx.media.recordings_dir if ctx.media is not None else ctx.settings.data_path / "recordings"
    broker = ctx.rtm.broker if ctx.rtm is not None else None  # its ring and log, or the Redis streams
    chat = rtm_history_store(StoreDeps.of(storage, ctx.settings, rtm=broker))
    purgers = storage_purgers(storage, recordings=recordings, chat_history=chat)
    purge = RetentionPurge(storage.retention, purgers, merchants, p.retention_days(), ctx.clock,
                           audit=AuditLog(storage.audit), every_s=p.purge_every_s)
    stack.push_async_callback(purge.aclose)
    purge.start()
    return purge
