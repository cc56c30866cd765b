"""Prometheus metrics: one registry per process, built by the entry point and passed down (docs/operate.md).

Two kinds of series:

- **recorded** on the path that does the work (HTTP requests, socket messages, signaling joins and the time
  from a join to media, assistant turns and voice latency, webhook deliveries): counters and histograms of
  this module, with label values from bounded sets only (route *templates*, message *types*, stable error
  codes, outcome words). A recorder caches each labelled child, so the hot path pays one dict lookup and
  one locked add; where metrics are off the recorder is ``None`` and the hot path pays one ``is None`` test.
- **read at scrape time** from the state the services already keep (RTM hub counters, Janus node health
  and restarts, desk queues, live viewers, open sockets): :meth:`Metrics.add_source` registers a function
  that yields metric families; it runs only when ``/metrics`` is scraped, so it costs the hot path nothing,
  and series of rooms that ended vanish from the next scrape instead of piling up. Per-room and
  per-merchant sources cap their label sets (:data:`MAX_LABELLED`, the busiest first, the rest summed
  under ``"_other"``).

Nothing here is global: ``prometheus_client``'s default registry is not used.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MAX_LABELLED = 50  # per-room / per-merchant series on one scrape; the rest are summed under OTHER
OTHER = "_other"

# seconds: HTTP and socket handling (sub-millisecond to seconds), media set-up and AI turns (up to a minute)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DESK_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)  # a human's pickup
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 60.0)

# souk.agent.metrics.TurnMetrics' stages, in order: end of turn confirmed, transcript, answer, first clause
# synthesized, first agent audio out
VOICE_STAGES = ("vad_end", "stt_done", "brain_done", "tts_first", "first_audio_out")

Source = Callable[[], Iterable[Metric]]
Refresh = Callable[[], Awaitable[None]]


class _Sources(Collector):
    """The scrape-time sources, as one collector of the registry."""

    def __init__(self) -> None:
        self.sources: list[tuple[str, Source]] = []

    def collect(self) -> Iterator[Metric]:
        for name, source in self.sources:
            try:
                yield from source()
            except Exception:  # one broken source must not hide every other series
                log.exception("metrics source %s failed", name)

    def describe(self) -> list[Metric]:
        return []  # families are only known when collected: never checked for duplicates at registration


class Metrics:
    """The process's registry and its recorded series. ``node`` labels nothing here: every series of a
    process is that node's (Prometheus adds ``instance``); the live-viewer source names the node itself."""

    def __init__(self, node: str = "") -> None:
        self.node = node or "local"
        self.registry = CollectorRegistry(auto_describe=False)
        self._sources = _Sources()
        self.registry.register(self._sources)
        r = self.registry
        self.http_requests = Counter("souk_http_requests", "HTTP requests by route template, method and status",
                                     ("method", "route", "status"), registry=r)
        self.http_seconds = Histogram("souk_http_request_duration_seconds", "HTTP request handling time",
                                      ("method", "route"), buckets=FAST_BUCKETS, registry=r)
        self.ws_open = Gauge("souk_websocket_connections", "open WebSocket connections by route template",
                             ("route",), registry=r)
        self.ws_sessions = Counter("souk_websocket_sessions", "WebSocket connections accepted by route template",
                                   ("route",), registry=r)
        self.socket_messages = Counter("souk_socket_messages", "client messages on a socket by type",
                                       ("socket", "type"), registry=r)
        self.socket_errors = Counter("souk_socket_errors", "client messages answered with an error, by code",
                                     ("socket", "code"), registry=r)
        self.socket_seconds = Histogram("souk_socket_message_duration_seconds",
                                        "signaling message handling time by type", ("socket", "type"),
                                        buckets=FAST_BUCKETS, registry=r)
        self.joins = Counter("souk_signal_joins", "signaling joins by result (ok or the error code)",
                             ("result",), registry=r)
        self.join_to_media = Histogram("souk_signal_join_to_media_seconds",
                                       "from a join's reply to the member's first media up (webrtcup)",
                                       ("target",), buckets=SLOW_BUCKETS, registry=r)
        self.assistant_turns = Counter("souk_assistant_turns", "assistant turns by channel and outcome",
                                       ("channel", "outcome"), registry=r)
        self.assistant_seconds = Histogram("souk_assistant_turn_duration_seconds",
                                           "assistant turn time (question in to answer out)", ("channel",),
                                           buckets=SLOW_BUCKETS, registry=r)
        self.voice_latency = Histogram("souk_voice_latency_seconds",
                                       "voice turn: end of the user's speech to each stage", ("stage",),
                                       buckets=SLOW_BUCKETS, registry=r)
        self.desk_waits = Histogram("souk_desk_wait_seconds", "how long a conversation waited in the desk "
                                    "queue before a person took it", buckets=DESK_BUCKETS, registry=r)
        self.webhook_deliveries = Counter("souk_webhook_deliveries",
                                          "webhook attempts (delivered, failed) and fates (parked, given_up)",
                                          ("result",), registry=r)
        self.webhook_seconds = Histogram("souk_webhook_delivery_duration_seconds", "one delivery attempt",
                                         buckets=SLOW_BUCKETS, registry=r)
        self._children: dict[tuple[Any, ...], Any] = {}
        self._refreshes: list[Refresh] = []

    # ---- scrape-time sources ----
    def add_source(self, name: str, source: Source) -> None:
        """``source()`` yields metric families (prometheus_client.core.*MetricFamily) when scraped."""
        self._sources.sources.append((name, source))

    def add_refresh(self, refresh: Refresh) -> None:
        """``await refresh()`` runs before each scrape renders: for a source that only an await can read."""
        self._refreshes.append(refresh)

    async def refresh(self) -> None:
        for refresh in self._refreshes:
            await refresh()

    def render(self) -> bytes:
        """The exposition text (format 0.0.4) of every series."""
        return generate_latest(self.registry)

    # ---- recorders (cached children: one dict lookup on the hot path) ----
    def _child(self, family: Any, *labels: str) -> Any:
        key = (id(family), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = family.labels(*labels)
        return child

    def http(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self.http_requests, method, route, str(status)).inc()
        self._child(self.http_seconds, method, route).observe(seconds)

    def ws_opened(self, route: str) -> None:
        self._child(self.ws_sessions, route).inc()
        self._child(self.ws_open, route).inc()

    def ws_closed(self, route: str) -> None:
        self._child(self.ws_open, route).dec()

    def message(self, socket: str, kind: str) -> None:
        self._child(self.socket_messages, socket, kind).inc()

    def message_error(self, socket: str, code: str) -> None:
        self._child(self.socket_errors, socket, code).inc()

    def message_handled(self, socket: str, kind: str, seconds: float) -> None:
        self._child(self.socket_seconds, socket, kind).observe(seconds)

    def join(self, result: str) -> None:
        self._child(self.joins, result).inc()

    def media_up(self, target: str, seconds: float) -> None:
        self._child(self.join_to_media, target).observe(seconds)

    def assistant_turn(self, channel: str, outcome: str, seconds: float) -> None:
        self._child(self.assistant_turns, channel, outcome).inc()
        self._child(self.assistant_seconds, channel).observe(seconds)

    def voice_stage(self, stage: str, seconds: float) -> None:
        self._child(self.voice_latency, stage).observe(seconds)

    def voice_turn(self, ms: Mapping[str, Any]) -> None:
        """A voice turn's stage times (souk.agent.metrics.TurnMetrics.as_ms: ``<stage>_ms`` after the end of
        the user's speech, 0 = did not happen); the turn also counts as an assistant turn on ``voice``."""
        for stage in VOICE_STAGES:
            value = ms.get(f"{stage}_ms")
            if isinstance(value, (int, float)) and value > 0:
                self.voice_stage(stage, value / 1000)
        out = ms.get("first_audio_out_ms")
        if isinstance(out, (int, float)) and out > 0:
            self.assistant_turn("voice", "answered", out / 1000)

    def desk_wait(self, seconds: float) -> None:
        self.desk_waits.observe(seconds)

    def webhook(self, result: str, seconds: float | None = None) -> None:
        """An attempt (``delivered``/``failed``, with its time) or a fate (``parked``, ``given_up``)."""
        self._child(self.webhook_deliveries, result).inc()
        if seconds is not None:
            self.webhook_seconds.observe(seconds)


def capped(values: dict[str, float], limit: int = MAX_LABELLED) -> list[tuple[str, float]]:
    """The ``limit`` largest entries by value, plus the rest summed under :data:`OTHER` (when any)."""
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[:limit]
    rest = ranked[limit:]
    if rest:
        top.append((OTHER, sum(v for _, v in rest)))
    return top
