"""Logging filters (settings.LOGGING)."""

from __future__ import annotations

import logging


class OneLineWarning(logging.Filter):
    """A request with a Host header not in ALLOWED_HOSTS is the internet's background noise
    (scanners try every address), not an error: one warning line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        record.stack_info = None
        return True
