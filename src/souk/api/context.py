"""Typed application state shared by the route modules (no attribute bags).

The app factory builds the core services; each feature module's ``start(ctx, stack)`` fills in its own
field and registers clean-up on the AsyncExitStack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from souk.auth.tokens import TokenService
from souk.core.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    tokens: TokenService
    # Filled in by the app factory / feature modules at start-up. Typed as Any here only until the
    # owning module lands; each owner narrows its own field's type.
    storage: Any = None
    media: Any = None
    calls: Any = None
    rtm: Any = None
    assistant: Any = None
    voice: Any = None  # souk.agent.service.VoiceService, set by souk.api.routes.voice.start
    live: Any = None  # souk.live.service.LiveCommerce, set by souk.api.routes.live.start
    stage: Any = None  # souk.live.stage.LiveStage, set by souk.api.routes.stage.start
    # Set by souk.api.bootstrap (API engineer): the storage adapter implementing the small ports the API
    # uses (api_keys.verify_api_key, rooms.open_room_kind, ...), the signaling hub and the clock.
    api_keys: Any = None
    rooms: Any = None
    hub: Any = None
    clock: Any = None
