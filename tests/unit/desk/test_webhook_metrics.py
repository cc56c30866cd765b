"""Webhook attempts and fates in the metrics (souk.core.metrics), without a network."""

from __future__ import annotations

import random

import httpx
from prometheus_client.parser import text_string_to_metric_families

from souk.core.clock import ManualClock
from souk.core.metrics import Metrics
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_store import MemoryDeliveryStore, MemoryEndpoints
from souk.desk.webhooks import DeliveryStatus
from tests.unit.desk.test_webhook_dispatch import drive, endpoint, event


def counts(metrics: Metrics) -> dict[str, float]:
    return {s.labels["result"]: s.value for fam in text_string_to_metric_families(metrics.render().decode())
            if fam.name == "souk_webhook_deliveries" for s in fam.samples if s.name.endswith("_total")}


async def test_failed_attempts_then_a_delivery_are_counted_and_timed() -> None:
    clock = ManualClock()
    store = MemoryDeliveryStore()
    answers = iter([500, 503, 200])
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(next(answers))))
    d = Dispatcher(MemoryEndpoints([endpoint("m1")]), store, clock=clock, rng=random.Random(3), client=client)
    metrics = Metrics()
    d.metrics = metrics
    d.start()
    try:
        await d.enqueue(event("m1", 1, clock))

        async def delivered() -> bool:
            got = await store.list("m1")
            return bool(got) and got[0].status is DeliveryStatus.DELIVERED

        await drive(clock, delivered, step_s=60)
    finally:
        await d.aclose()
        await client.aclose()
    assert counts(metrics) == {"failed": 2.0, "delivered": 1.0}
    timed = {s.name: s.value for s in metrics.webhook_seconds.collect()[0].samples}
    assert timed["souk_webhook_delivery_duration_seconds_count"] == 3  # every attempt timed


def test_a_voice_turn_fills_each_stage_and_counts_as_a_voice_turn() -> None:
    metrics = Metrics()
    metrics.voice_turn({"type": "metrics", "turn": 1, "vad_end_ms": 120.0, "stt_done_ms": 310.0,
                        "brain_done_ms": 420.0, "tts_first_ms": 0.0, "first_audio_out_ms": 650.0})
    text = metrics.render().decode()
    stages = {s.labels["stage"]: s.value for fam in text_string_to_metric_families(text)
              if fam.name == "souk_voice_latency_seconds" for s in fam.samples if s.name.endswith("_count")}
    assert stages == {"vad_end": 1, "stt_done": 1, "brain_done": 1, "first_audio_out": 1}  # 0 = did not happen
    turns = {(s.labels["channel"], s.labels["outcome"]): s.value for fam in text_string_to_metric_families(text)
             if fam.name == "souk_assistant_turns" for s in fam.samples if s.name.endswith("_total")}
    assert turns == {("voice", "answered"): 1}
