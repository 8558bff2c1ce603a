"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class RefusalsOnOneLine(logging.Filter):
    """A refused request (403, 404, any 4xx) is expected traffic: Django logs it with the
    exception's traceback, which buries real errors. Keep the one line it says ("Forbidden
    (Permission denied): /o/acme/…") and drop the traceback; 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
