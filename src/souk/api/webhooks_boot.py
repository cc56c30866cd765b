"""Wiring the merchant webhooks into a Souk process: stores, the dispatcher's task, clean-up.

The composition root calls :func:`start_webhooks` once; it puts a :class:`~souk.desk.webhook_admin.WebhookAdmin`
on ``ctx.webhooks`` (the API routes use it; the desk service sends through ``ctx.webhooks.dispatcher``).
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

from souk.api.context import AppContext
from souk.core.settings import WebhookSettings
from souk.desk.webhook_admin import WebhookAdmin
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_schedule import RetrySchedule
from souk.desk.webhook_store import DeliveryStore, EndpointStore, MemoryDeliveryStore, MemoryEndpoints

log = logging.getLogger(__name__)


def schedule_of(settings: WebhookSettings) -> RetrySchedule:
    return RetrySchedule(base_s=settings.retry_base_s, cap_s=settings.retry_cap_s,
                         give_up_after_s=settings.give_up_after_s)


def webhook_stores(ctx: AppContext) -> tuple[EndpointStore, DeliveryStore]:
    """The database's endpoint and delivery stores; in-memory ones in a process without the core (nothing
    there survives a restart, and the process says so)."""
    if ctx.core is not None:
        return ctx.core.storage.webhook_endpoints, ctx.core.storage.webhook_deliveries
    log.warning("webhooks: this process has no storage; endpoints and deliveries are kept in memory")
    return MemoryEndpoints(), MemoryDeliveryStore()


async def start_webhooks(ctx: AppContext, stack: AsyncExitStack) -> WebhookAdmin:
    """Build the dispatcher over the stores, start its delivery task (it picks up what a previous process
    left pending), register its ``aclose`` and put the admin service on ``ctx.webhooks``. A context that
    already holds one (a test's own) keeps it."""
    if ctx.webhooks is not None:
        return ctx.webhooks
    settings = ctx.settings.webhooks
    endpoints, deliveries = webhook_stores(ctx)
    dispatcher = Dispatcher(endpoints, deliveries, clock=ctx.clock, schedule=schedule_of(settings),
                            timeout_s=settings.timeout_s)
    stack.push_async_callback(dispatcher.aclose)
    dispatcher.start()
    ctx.webhooks = WebhookAdmin(endpoints, deliveries, dispatcher, allow_local_http=settings.allow_local_http,
                                max_endpoints=settings.max_endpoints)
    return ctx.webhooks
