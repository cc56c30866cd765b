"""Logging set-up for entry points only (library code just uses logging.getLogger(__name__))."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aioice", "aiortc", "websockets", "httpx", "faster_whisper"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
