"""ASGI app factory."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType

from fastapi import FastAPI

from souk.api.bootstrap import Service, build_context, provide
from souk.api.context import AppContext
from souk.api.metrics_mw import HttpMetrics
from souk.api.webhooks_boot import start_webhooks
from souk.core.metrics import Metrics
from souk.core.settings import Settings

log = logging.getLogger(__name__)

# The route modules, in the order their routes are added.
FEATURES = (
    "souk.api.routes.health",
    "souk.api.routes.metrics",
    "souk.api.routes.auth",
    "souk.api.routes.operator",
    "souk.api.routes.rooms",
    "souk.api.routes.signaling",
    "souk.api.routes.ice",
    "souk.api.routes.calls",
    "souk.api.routes.rtm",
    "souk.api.routes.live",
    "souk.api.routes.group_buys",
    "souk.api.routes.stage",
    "souk.api.routes.group_calls",
    "souk.api.routes.voice_rooms",
    "souk.api.routes.replay",
    "souk.api.routes.captions",
    "souk.api.routes.agent",
    "souk.api.routes.photo",
    "souk.api.routes.voice",
    "souk.api.routes.desk",
    "souk.api.routes.translate",
    "souk.api.routes.webhooks",
    "souk.api.routes.orders",
    "souk.api.routes.quality",
    "souk.api.routes.audit",
    "souk.api.routes.privacy",
    "souk.api.routes.consent",
    "souk.api.routes.live_pages",
    "souk.api.routes.voice_pages",
    "souk.api.routes.embed",
    "souk.api.routes.pages",
)

WEBHOOKS = "souk.api.routes.webhooks"  # serving it runs the merchant webhooks (souk.api.webhooks_boot)
QUALITY = "souk.api.routes.quality"  # serving it with WEBHOOKS runs the quality alerts (souk.api.quality_boot)
AUDIT = "souk.api.routes.audit"  # serving it runs the retention purge (souk.api.privacy_boot)

# The services beyond the core that a route module serves (souk.api.bootstrap builds them, in its own order).
SERVICES: dict[str, tuple[Service, ...]] = {
    "souk.api.routes.rtm": ("rtm",),
    "souk.api.routes.live": ("live",),
    "souk.api.routes.group_buys": ("live",),
    "souk.api.routes.stage": ("shows",),
    "souk.api.routes.replay": ("replays",),
    "souk.api.routes.captions": ("captions", "replays"),
    "souk.api.routes.agent": ("assistant", "desk"),  # the assistant's conversations are the desk's
    "souk.api.routes.photo": ("assistant", "desk", "photo"),  # a photo turn lands on the desk like a text one
    "souk.api.routes.desk": ("desk",),
    "souk.api.routes.translate": ("translation", "rtm", "desk"),  # reads the messages it translates
    "souk.api.routes.voice": ("voice",),
    "souk.api.routes.voice_rooms": ("voice_rooms",),
}


def _load_features(names: Sequence[str]) -> list[ModuleType]:
    return [importlib.import_module(name) for name in names]


def create_app(
    settings: Settings, ctx: AppContext | None = None, *, features: Sequence[str] | None = None
) -> FastAPI:
    """Build the app. ``ctx`` may be passed by tests to inject services; ``features`` (module names, default
    FEATURES) lets an area's tests serve only the routes they exercise. The services those routes need are
    built at start-up by the composition root (souk.api.bootstrap), beside any the given ``ctx`` holds."""
    names = FEATURES if features is None else tuple(features)
    features_ = _load_features(names)
    services = [service for name in names for service in SERVICES.get(name, ())]
    metrics = Metrics(settings.node_id) if settings.metrics.enabled else None  # souk.core.metrics

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            context = ctx or await build_context(settings, stack)
            if WEBHOOKS in names:  # before provide(): the desk sends through the webhooks' dispatcher
                await start_webhooks(context, stack)
            await provide(context, stack, services)
            if QUALITY in names:  # quality.alert webhooks (souk.ops.alerts), when webhooks run here
                from souk.api.quality_boot import start_quality_alerts

                await start_quality_alerts(context, stack)
            if AUDIT in names:  # the retention purge (souk.privacy.retention), beside the audit API
                from souk.api.privacy_boot import start_retention

                await start_retention(context, stack)
            if metrics is not None:  # the scrape-time series and the [metrics] bind listener
                from souk.api.metrics_boot import install_sources, serve_bind

                context.metrics = metrics
                install_sources(context, metrics)
                if settings.metrics.bind:
                    app.state.metrics_port = await serve_bind(metrics, settings.metrics.bind, stack)
            app.state.ctx = context
            yield

    app = FastAPI(title="Souk", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    from souk.api.body import BodyLimits, BodyRule
    from souk.api.errors import install_error_handlers
    from souk.api.openapi import install_openapi
    from souk.domain.quality import MAX_REPORT_BYTES

    install_error_handlers(app)
    # a photo for the assistant may be larger than a JSON body (souk.api.routes.photo)
    photo = BodyRule(re.compile(r"/v1/agent/sessions/[^/]+/photo"), settings.agent.photo_max_bytes,
                     "image_too_large")
    # a call-quality report is small (souk.domain.quality.MAX_REPORT_BYTES)
    quality = BodyRule(re.compile(r"/v1/quality/reports"), MAX_REPORT_BYTES, "report_too_large")
    app.add_middleware(BodyLimits, max_bytes=settings.server.max_body_bytes,
                       max_depth=settings.server.max_json_depth, rules=(photo, quality))
    # HTTP/WebSocket series by route template (souk.api.metrics_mw), inside the request-id middleware
    if metrics is not None:
        app.add_middleware(HttpMetrics, metrics=metrics)
    app.state.metrics = metrics
    for mod in features_:
        app.include_router(mod.router)
    install_openapi(app)  # /openapi.json with every error, /docs and /redoc served offline
    from souk.api.cors import Cors
    from souk.api.request_ids import RequestIds

    app.add_middleware(Cors, embed=settings.embed)  # shop pages of the merchants' [embed] origins
    # outermost: every request and socket gets a request id and its log scope, and one access line
    app.add_middleware(RequestIds, access_log=settings.logging.access_log)
    return app
