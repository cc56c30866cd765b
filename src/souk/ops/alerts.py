"""Quality alerts: every ``check_s`` seconds, each merchant's joins of the last ``window_s`` seconds are measured
(souk.domain.quality_agg.stats) and the rule (AlertRule: join -> first frame p95, failed-join share, a minimum
of joins) decides; each alert is a ``quality.alert`` webhook (the merchant's endpoints that subscribe to it),
sent again for the same merchant and metric at most every ``repeat_s`` seconds.

Body ``data``: ``{"metric": "connect_p95_ms" | "failure_rate", "value", "threshold", "participants",
"window_s"}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.ids import new_id
from souk.core.tasks import TaskOwner
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.quality_agg import AlertRule, alerts

log = logging.getLogger(__name__)


class WebhookSink(Protocol):
    async def enqueue(self, event: WebhookEvent) -> None: ...


class RecentStats(Protocol):
    async def recent(self, merchant_id: str, *, seconds: float) -> dict[str, Any]: ...


class QualityAlerts:
    def __init__(self, stats: RecentStats, merchants: Callable[[], Awaitable[list[str]]], sink: WebhookSink,
                 clock: Clock, *, rule: AlertRule, window_s: float, check_s: float, repeat_s: float) -> None:
        self._stats = stats
        self._merchants = merchants
        self._sink = sink
        self._clock = clock
        self._rule = rule
        self._window_s = window_s
        self._check_s = check_s
        self._repeat_s = repeat_s
        self._sent: dict[tuple[str, str], float] = {}  # (merchant, metric) -> when last sent (clock.now)
        self._tasks = TaskOwner("quality-alerts")

    async def check_once(self) -> list[WebhookEvent]:
        """Measure every merchant now; enqueue and return the alerts due."""
        sent = []
        for merchant_id in await self._merchants():
            window = await self._stats.recent(merchant_id, seconds=self._window_s)
            for alert in alerts(window, self._rule):
                key = (merchant_id, alert["metric"])
                last = self._sent.get(key)
                if last is not None and self._clock.now() - last < self._repeat_s:
                    continue
                event = WebhookEvent(merchant_id, new_id("evt"), EventType.QUALITY_ALERT, self._clock.wall(),
                                     {**alert, "window_s": self._window_s})
                await self._sink.enqueue(event)
                self._sent[key] = self._clock.now()
                sent.append(event)
                log.warning("quality alert %s for %s: %s > %s", alert["metric"], merchant_id, alert["value"],
                            alert["threshold"])
        return sent

    def start(self) -> None:
        if not len(self._tasks):
            self._tasks.spawn(self._run(), "check")

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self._check_s)
            try:
                await self.check_once()
            except (TimeoutError, SoukError, OSError) as exc:  # the next check tries again
                log.warning("quality alert check failed: %s", exc)

    async def aclose(self) -> None:
        await self._tasks.aclose()
