"""The RTM layer's own frozen config, built from Settings.rtm by the entry point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RtmConfig:
    tick_s: float = 0.015
    history_on_join: int = 50
    max_message_bytes: int = 4096  # encoded body
    max_frame_bytes: int = 16 * 1024  # one client frame
    queue_limit: int = 2000  # backlog of messages per connection before a slow-consumer disconnect
    high_water: int = 256 * 1024  # socket buffer above which a connection is treated as slow
    user_rate_per_s: float = 5.0
    user_burst: float = 10.0
    channel_rate_per_s: float = 500.0
    channel_burst: float = 1000.0
    ephemeral_rate_per_s: float = 20.0
    heartbeat_s: float = 5.0
    presence_ttl_s: float = 15.0

    @classmethod
    def from_settings(cls, rtm: Any) -> RtmConfig:
        """Build from :class:`souk.core.settings.RtmSettings` (fields it lacks keep their defaults)."""
        names = set(cls.__dataclass_fields__)
        values = {n: getattr(rtm, n) for n in names if hasattr(rtm, n)}
        if hasattr(rtm, "tick_ms"):
            values["tick_s"] = rtm.tick_ms / 1000.0
        return cls(**values)
