"""``[logging]`` settings (souk.core.logging applies them in the entry point)."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class LoggingSettings(BaseModel):
    # json: one JSON object a line (ts, level, logger, msg and the ids of souk.core.logctx); text: a line for
    # people; auto: text when stderr is a terminal, JSON otherwise (a service manager, a container)
    format: Literal["auto", "json", "text"] = "auto"
    # levels per logger, e.g. {"souk.access" = "WARNING", "souk.rtm" = "DEBUG"}; the root's is log_level
    levels: dict[str, str] = Field(default_factory=dict)
    access_log: bool = True  # one line per HTTP request and socket (souk.access, INFO), without query strings

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, level in value.items():
            upper = str(level).upper()
            if upper not in logging.getLevelNamesMapping():
                raise ValueError(f"[logging] levels: {name!r} has an unknown level {level!r}")
            out[name] = upper
        return out
