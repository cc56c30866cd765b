"""PII out of the logs (souk.privacy.logs): a message with an e-mail, a phone or a card is written redacted,
others untouched; installing twice adds one filter."""

from __future__ import annotations

import io
import logging

from souk.privacy.logs import RedactingFilter, install_log_redaction


def test_log_lines_are_written_without_pii() -> None:
    out = io.StringIO()
    logger = logging.getLogger("test.privacy.logs")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install_log_redaction(logger)
    install_log_redaction(logger)
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    logger.info("customer %s called from %s about order %s", "ana@example.com", "+52 55 1234 5678", "1036")
    logger.warning("card %s refused", "4111 1111 1111 1111")
    logger.info("order %s shipped", "1036")
    assert out.getvalue().splitlines() == ["INFO customer [email] called from [phone] about order 1036",
                                           "WARNING card [card] refused", "INFO order 1036 shipped"]
