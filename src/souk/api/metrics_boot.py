"""The metrics read at scrape time from the running services, and the ``[metrics] bind`` listener.

Registered by the app's lifespan (souk.api.app) once the composition root has built the context. Every
source here reads state the services keep anyway (counters, dicts of rooms and queues), so metrics cost the
hot paths nothing; the Janus nodes' health is the one asynchronous read, refreshed by :func:`refresh` just
before each scrape renders (a Janus ``info`` per node, as ``/readyz`` does).

Label sets are bounded: nodes come from the configuration; rooms and merchants are only those live/waiting
on this node at the scrape, capped to the busiest souk.core.metrics.MAX_LABELLED (the rest summed under
``_other``), and a room that ended is simply absent from the next scrape.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import AsyncExitStack

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from souk.api.context import AppContext
from souk.core.errors import SoukError
from souk.core.metrics import CONTENT_TYPE, Metrics, capped
from souk.rtm.hub import Hub

log = logging.getLogger(__name__)

JANUS_TIMEOUT_S = 3.0


def install_sources(ctx: AppContext, metrics: Metrics) -> None:
    janus = _JanusState()
    metrics.add_source("janus", janus.collect)
    metrics.add_refresh(lambda: janus.refresh(ctx))
    metrics.add_source("janus-restarts", lambda: _restarts(ctx))
    if ctx.rtm is not None:
        hub = ctx.rtm.hub
        ctx.rtm.service.metrics = metrics  # RTM frames in by type (souk.rtm.session)
        metrics.add_source("rtm", lambda: rtm_series(hub))
    metrics.add_source("signal", lambda: _signal(ctx, metrics.node))
    metrics.add_source("desk", lambda: _desk(ctx))
    if ctx.desk is not None:  # waits in the queue until a person takes the conversation
        ctx.desk.meter = metrics
    if ctx.webhooks is not None:  # deliveries by result (souk.desk.webhook_dispatch)
        ctx.webhooks.dispatcher.metrics = metrics


class _JanusState:
    """The last health read of every Janus node (refreshed before each scrape)."""

    def __init__(self) -> None:
        self.nodes: list[tuple[str, bool, int, int]] = []  # (node, up, rooms, handles)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("souk_janus_up", "1 when the Janus node answered info", labels=("node",))
        rooms = GaugeMetricFamily("souk_janus_rooms", "media rooms this process placed on the node",
                                  labels=("node",))
        handles = GaugeMetricFamily("souk_janus_handles", "plugin handles this process holds on the node",
                                    labels=("node",))
        for node, ok, n_rooms, n_handles in self.nodes:
            up.add_metric((node,), 1.0 if ok else 0.0)
            rooms.add_metric((node,), n_rooms)
            handles.add_metric((node,), n_handles)
        yield from (up, rooms, handles)

    async def refresh(self, ctx: AppContext) -> None:
        """The nodes' health, read just before a scrape renders (only an await can read it)."""
        if ctx.media is None:
            return
        try:
            health = await asyncio.wait_for(ctx.media.health(), JANUS_TIMEOUT_S)
        except (TimeoutError, SoukError, OSError) as exc:
            log.warning("metrics: Janus health unavailable: %s", exc)
            self.nodes = [(node, False, r, h) for node, _, r, h in self.nodes]
            return
        self.nodes = [(n.node_id, n.up, n.rooms, n.handles) for n in health]


def _restarts(ctx: AppContext) -> Iterator[Metric]:
    sup = ctx.media.supervisor if ctx.media is not None else None
    if sup is None:
        return
    c = CounterMetricFamily("souk_janus_restarts", "times this process restarted its embedded Janus",
                            labels=("node",))
    c.add_metric((sup.node_id,), sup.restarts)
    yield c


def rtm_series(hub: Hub) -> Iterator[Metric]:
    """An RTM node's hub counters and sizes (also served by ``souk rtm node --metrics-bind``)."""
    stats = hub.stats
    for key, name, doc in (
        ("deliveries", "souk_rtm_deliveries", "messages delivered to RTM connections"),
        ("frames", "souk_rtm_frames", "frames (batches) sent to RTM connections"),
        ("slow_disconnects", "souk_rtm_slow_consumer_cuts", "RTM connections cut off as slow consumers"),
        ("aggregates_dropped", "souk_rtm_drops", "stale ephemeral aggregates dropped for lagging readers"),
    ):
        c = CounterMetricFamily(name, doc)
        c.add_metric((), stats.get(key, 0))
        yield c
    channels, members, backlogged = hub.sizes()
    for name, doc, value in (
        ("souk_rtm_channels", "RTM channels with a member on this node", channels),
        ("souk_rtm_memberships", "channel memberships of RTM connections on this node", members),
        ("souk_rtm_backlogged", "RTM members with a backlog (reading slower than the channel)", backlogged),
    ):
        g = GaugeMetricFamily(name, doc)
        g.add_metric((), value)
        yield g


def _signal(ctx: AppContext, node: str) -> Iterator[Metric]:
    if ctx.core is None:
        return
    hub = ctx.hub
    rooms = GaugeMetricFamily("souk_signal_rooms", "rooms with a signaling member on this node")
    rooms.add_metric((), len(hub.rooms))
    members = GaugeMetricFamily("souk_signal_members", "signaling members in rooms on this node")
    members.add_metric((), sum(len(s.members) for s in hub.rooms.values()))
    yield from (rooms, members)
    viewers = {f"{k.merchant_id}/{k.room_id}": float(hub.viewers(k)) for k in list(hub.rooms)}
    g = GaugeMetricFamily("souk_live_viewers", "live-show viewers per room on this node (the busiest rooms; "
                          "the rest summed under room=\"_other\")", labels=("node", "room"))
    for room, n in capped({r: v for r, v in viewers.items() if v > 0}):
        g.add_metric((node, room), n)
    yield g


def _desk(ctx: AppContext) -> Iterator[Metric]:
    if ctx.desk is None:
        return
    waiting = ctx.desk.waiting_now()
    size = GaugeMetricFamily("souk_desk_queue_size", "conversations waiting for a human, per merchant "
                             "(the busiest; the rest under merchant=\"_other\")", labels=("merchant",))
    for merchant, n in capped({m: float(n) for m, (n, _) in waiting.items()}):
        size.add_metric((merchant,), n)
    wait = GaugeMetricFamily("souk_desk_oldest_wait_seconds", "the longest current wait for a human, per "
                             "merchant", labels=("merchant",))
    oldest = {m: w for m, (_, w) in waiting.items()}
    for merchant, _ in capped({m: float(n) for m, (n, _) in waiting.items()}):
        wait.add_metric((merchant,), oldest.get(merchant, max(oldest.values(), default=0.0)))
    yield from (size, wait)


async def serve_bind(metrics: Metrics, bind: str, stack: AsyncExitStack) -> int:
    """``[metrics] bind``: a listener of its own answering ``GET /metrics`` (no token: a private address).
    Returns the port (0 in the settings picks a free one, for tests)."""
    host, _, port = bind.rpartition(":")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            method, path, *_ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            if method == "GET" and path.split("?", 1)[0] == "/metrics":
                await metrics.refresh()
                status, ctype, body = "200 OK", CONTENT_TYPE, metrics.render()
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"only GET /metrics here\n"
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                ConnectionError):
            pass  # a bad or dead client: close its connection, keep serving
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(answer, host.strip("[]"), int(port))

    async def close() -> None:
        server.close()
        await server.wait_closed()

    stack.push_async_callback(close)
    bound = int(server.sockets[0].getsockname()[1])
    log.info("metrics: serving GET /metrics on %s:%d", host, bound)
    return bound
