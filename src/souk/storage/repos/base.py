"""What every repository shares: the database, the clock, and small checks."""

from __future__ import annotations

import datetime as dt

from souk.core.clock import Clock
from souk.core.errors import BadRequest
from souk.storage.db import Database

MAX_LIMIT = 1000


class Repo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    def _today(self) -> dt.date:
        return self._now().date()


def require_text(value: str | None, what: str, *, max_len: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what} is required", code="bad_value", details={"field": what})
    if len(value) > max_len:
        raise BadRequest(f"{what} is longer than {max_len} characters", code="bad_value", details={"field": what})
    return value


def check_limit(limit: int) -> int:
    if not 0 < limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be 1..{MAX_LIMIT}, got {limit}", code="bad_value")
    return limit
