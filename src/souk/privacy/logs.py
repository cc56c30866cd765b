"""PII out of the logs: a logging filter that redacts each record's message (souk.privacy.redact) before any
handler formats it. Installed on the root logger's handlers by the entry point when ``[privacy] redact_logs``
is on; exception tracebacks are left as they are (they name code, and redacting them would hide the bug)."""

from __future__ import annotations

import logging

from souk.privacy.redact import redact


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: leave it to the handler to report
            return True
        cleaned = redact(message)
        if cleaned.changed:
            record.msg, record.args = cleaned.text, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add the filter to every handler of ``logger`` (the root logger by default); idempotent."""
    target = logger or logging.getLogger()
    filt = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(filt)
    return filt
