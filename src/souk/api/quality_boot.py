"""Start what runs beside the quality API where webhooks are sent: the quality alerts (souk.ops.alerts). The
records' retention is the privacy purge's (souk.privacy.retention, kind quality_records)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from souk.api.context import AppContext
from souk.api.routes.quality import quality_service
from souk.domain.quality_agg import AlertRule
from souk.ops.alerts import QualityAlerts


async def start_quality_alerts(ctx: AppContext, stack: AsyncExitStack) -> QualityAlerts | None:
    """The alerts only where webhooks run (None otherwise: nowhere to send an alert)."""
    q = ctx.settings.quality
    if ctx.webhooks is None:
        return None

    async def merchants() -> list[str]:
        return [m.id for m in await ctx.storage.merchants.list()]

    alerts = QualityAlerts(
        quality_service(ctx), merchants, ctx.webhooks.dispatcher, ctx.clock,
        rule=AlertRule(connect_p95_ms=q.alert_connect_p95_ms, failure_rate=q.alert_failure_rate,
                       min_participants=q.alert_min_participants),
        window_s=q.alert_window_s, check_s=q.alert_check_s, repeat_s=q.alert_repeat_s)
    stack.push_async_callback(alerts.aclose)
    alerts.start()
    return alerts
