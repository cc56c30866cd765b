"""Quality alerts on a fake clock: an alert per merchant and metric when the rule is broken, not again within
repeat_s, again after it; merchants are measured apart; a failing check does not stop the loop."""

from __future__ import annotations

import asyncio
from typing import Any

from souk.core.clock import ManualClock
from souk.core.errors import Unavailable
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.quality_agg import AlertRule
from souk.ops.alerts import QualityAlerts


class Sink:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []

    async def enqueue(self, event: WebhookEvent) -> None:
        self.events.append(event)


class Stats:
    def __init__(self) -> None:
        self.by: dict[str, dict[str, Any]] = {}
        self.asked: list[tuple[str, float]] = []
        self.fail = False

    async def recent(self, merchant_id: str, *, seconds: float) -> dict[str, Any]:
        self.asked.append((merchant_id, seconds))
        if self.fail:
            raise Unavailable("database down")
        return self.by.get(merchant_id, {"participants": 0})


def window(n: int, p95: float | None, rate: float) -> dict[str, Any]:
    return {"participants": n, "connect_ms": {"p95": p95}, "failure_rate": rate}


async def merchants() -> list[str]:
    return ["m1", "m2"]


def make(stats: Stats, sink: Sink, clock: ManualClock) -> QualityAlerts:
    return QualityAlerts(stats, merchants, sink, clock, rule=AlertRule(connect_p95_ms=2000, failure_rate=0.1,
                                                                        min_participants=5),
                         window_s=900, check_s=60, repeat_s=3600)


async def test_alerts_per_merchant_and_metric_and_not_repeated_too_soon() -> None:
    clock, stats, sink = ManualClock(), Stats(), Sink()
    stats.by = {"m1": window(10, 4000, 0.3), "m2": window(10, 500, 0.0)}
    a = make(stats, sink, clock)
    sent = await a.check_once()
    assert [(e.merchant_id, e.type, e.data["metric"]) for e in sent] == [
        ("m1", EventType.QUALITY_ALERT, "connect_p95_ms"), ("m1", EventType.QUALITY_ALERT, "failure_rate")]
    assert sent[0].data == {"metric": "connect_p95_ms", "value": 4000, "threshold": 2000, "participants": 10,
                            "window_s": 900}
    assert sink.events == sent and stats.asked == [("m1", 900), ("m2", 900)]
    await clock.advance(60)
    assert await a.check_once() == []  # within repeat_s
    await clock.advance(3600)
    assert len(await a.check_once()) == 2
    assert b'"type":"quality.alert"' in sink.events[-1].body()


async def test_the_loop_checks_every_check_s_and_survives_a_failure() -> None:
    clock, stats, sink = ManualClock(), Stats(), Sink()
    stats.by = {"m2": window(6, None, 0.5)}
    a = make(stats, sink, clock)
    a.start()
    await asyncio.sleep(0)  # the loop is asleep on the clock
    try:
        stats.fail = True
        await clock.advance(60)
        assert sink.events == [] and len(stats.asked) == 1
        stats.fail = False
        await clock.advance(60)
        for _ in range(20):
            if sink.events:
                break
            await clock.advance(0)
        assert [(e.merchant_id, e.data["metric"]) for e in sink.events] == [("m2", "failure_rate")]
    finally:
        await a.aclose()
