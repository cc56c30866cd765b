"""Log line formats: JSON lines (one object a line: ts, level, logger, msg, the ids of souk.core.logctx, extra
fields, exc) and text for people; both pass the whole line through souk.core.secrets_filter.scrub."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from souk.core.logctx import FIELDS, log_ids
from souk.core.secrets_filter import scrub

# attributes every LogRecord has; anything else on a record came from ``extra=`` and is written as a field
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                                 "taskName"}


def _ids(record: logging.LogRecord) -> dict[str, str]:
    """The record's context ids: the ones captured when it was made (ContextFilter), else the current ones."""
    ids = getattr(record, "souk_ids", None)
    return dict(ids) if isinstance(ids, dict) else log_ids()


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items()
            if k not in _STANDARD and k != "souk_ids" and not k.startswith("_") and k not in FIELDS}


class ContextFilter(logging.Filter):
    """Captures the context ids when the record is made (a queue or another thread may format it later)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "souk_ids"):
            record.souk_ids = log_ids()
        return True


class SqlParameters(logging.Filter):
    """SQL parameters and result rows out of the database drivers' lines (SQLAlchemy's echo, aiosqlite's
    debug): they carry customer data and stored secrets; the statements stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name.startswith("sqlalchemy.engine") and isinstance(record.args, tuple) and record.args:
            if isinstance(record.msg, str) and record.msg.startswith("Row"):
                record.msg, record.args = "Row [hidden]", None
            elif record.msg == "[%s] %r":
                record.msg, record.args = "[%s] [parameters hidden]", record.args[:1]
        elif name == "aiosqlite" and record.args:
            record.msg, record.args = f"{str(record.msg).split(' %s')[0]} [statement hidden]", None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(_ids(record))
        for key, value in _extra(record).items():
            out.setdefault(key, value if isinstance(value, (str, int, float, bool, type(None))) else repr(value))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(out, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = _ids(record)
        if ids:
            tail = " ".join(f"{k}={ids[k]}" for k in FIELDS if k in ids)
            head, sep, rest = line.partition("\n")  # after the message, before a traceback
            line = f"{head} [{tail}]{sep}{rest}"
        return scrub(line)
