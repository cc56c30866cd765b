"""Logging set-up for entry points only (library code just uses logging.getLogger(__name__)).

``[logging]`` settings (souk.core.logsettings) pick JSON lines or text, and levels per logger; every line
names the merchant, room, request, call or conversation it concerns (souk.core.logctx) and carries no secret
(souk.core.secrets_filter): docs/operate.md, "Logs".
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from souk.core.logformat import ContextFilter, JsonFormatter, SqlParameters, TextFormatter
from souk.core.logsettings import LoggingSettings

NOISY = ("aioice", "aiortc", "websockets", "httpx", "faster_whisper")


def use_json(cfg: LoggingSettings, stream: TextIO) -> bool:
    if cfg.format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty is not None and isatty())
    return cfg.format == "json"


def configure_logging(level: str = "INFO", cfg: LoggingSettings | None = None,
                      stream: TextIO | None = None) -> logging.Handler:
    """One handler on the root logger (stderr by default); returns it."""
    cfg = cfg or LoggingSettings(format="text")
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if use_json(cfg, out) else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(SqlParameters())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for name, lvl in cfg.levels.items():
        logging.getLogger(name).setLevel(lvl)
    return handler
