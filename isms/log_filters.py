"""Logging filters named in settings.LOGGING.

Every log line carries a request id (`[%(request_id)s]` in the format): the X-Request-ID of
the web request being served (isms.middleware.RequestIdMiddleware binds it), or inside a
Celery task the id of the request that queued it (carried in the message's headers by
isms.celery), else the task's own id; "-" outside both.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "guardrail_request_id", default=""
)


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def bound_request_id(request_id: str) -> Iterator[None]:
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestId(logging.Filter):
    """Put the current request id on the record (a handler filter: every logger's records).

    Django logs a response of 400 or more after the middleware has returned; that record
    carries the request itself, whose id is used then."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            request = getattr(record, "request", None)
            record.request_id = _request_id.get() or getattr(request, "request_id", "") or "-"
        return True


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
