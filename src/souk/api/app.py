"""ASGI app factory."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType

from fastapi import FastAPI

from souk.api.context import AppContext
from souk.core.settings import Settings

log = logging.getLogger(__name__)

# Feature modules, in start-up order. A module that does not exist yet is skipped.
FEATURES = (
    "souk.api.routes.health",
    "souk.api.routes.auth",
    "souk.api.routes.rooms",
    "souk.api.routes.signaling",
    "souk.api.routes.calls",
    "souk.api.routes.rtm",
    "souk.api.routes.live",
    "souk.api.routes.stage",
    "souk.api.routes.replay",
    "souk.api.routes.agent",
    "souk.api.routes.voice",
    "souk.api.routes.live_pages",
    "souk.api.routes.pages",
)


def _load_features(names: Sequence[str] = FEATURES) -> list[ModuleType]:
    mods = []
    for name in names:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


def create_app(
    settings: Settings, ctx: AppContext | None = None, *, features: Sequence[str] | None = None
) -> FastAPI:
    """Build the app. ``ctx`` may be passed by tests to inject services; ``features`` (module names, default
    FEATURES) lets an area's tests serve only the routes they exercise."""
    from souk.api.bootstrap import build_context  # core services: storage, tokens, media

    features_ = _load_features(FEATURES if features is None else features)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            context = ctx or await build_context(settings, stack)
            app.state.ctx = context
            for mod in features_:
                start = getattr(mod, "start", None)
                if start is not None:
                    await start(context, stack)
            yield

    app = FastAPI(title="Souk", version="0.1.0", lifespan=lifespan)
    from souk.api.errors import install_error_handlers

    install_error_handlers(app)
    for mod in features_:
        app.include_router(mod.router)
    return app
