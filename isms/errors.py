"""Domain errors the services raise; the API and UI map each to one HTTP status.

Every error carries a stable machine-readable `code` beside its English message, so API
clients and tests match codes, not wording. A subclass names its default code; a service may
pass a more specific one (`Conflict("…", code="gate_closed")`).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """The codes the API documents. Add one here before using it anywhere."""

    INVALID = "invalid"
    PARSE_ERROR = "parse_error"
    JSON_TOO_DEEP = "json_too_deep"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    MISSING_SCOPE = "missing_scope"
    SEGREGATION_OF_DUTIES = "segregation_of_duties"
    # Above the risk appetite: a top-management member must endorse first (risks).
    AUTHORITY_REQUIRED = "authority_required"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"
    INVALID_TRANSITION = "invalid_transition"
    CONCURRENT_UPDATE = "concurrent_update"
    GATE_CLOSED = "gate_closed"
    IMMUTABLE = "immutable"
    THROTTLED = "throttled"
    # An Idempotency-Key sent again with another request (method, path or body): 422.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # If-Match named a version of the object that is no longer current: 412.
    PRECONDITION_FAILED = "precondition_failed"
    SERVER_ERROR = "server_error"
    # The database could not be reached (restarting, failing over): 503 with Retry-After.
    SERVICE_UNAVAILABLE = "service_unavailable"


class DomainError(Exception):
    status_code = 400
    default_code = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = str(code or self.default_code)


class Conflict(DomainError):
    """The request is valid but the object's state forbids it (a workflow, a gate)."""

    status_code = 409
    default_code = ErrorCode.CONFLICT


class TransitionRefused(Conflict):
    """A workflow transition that the state machine does not allow from the current state."""

    default_code = ErrorCode.INVALID_TRANSITION


class Duplicate(Conflict):
    """A name or key that must be unique in the organisation is taken (also under races)."""

    default_code = ErrorCode.DUPLICATE


class NotPermitted(DomainError):
    status_code = 403
    default_code = ErrorCode.PERMISSION_DENIED


class PreconditionFailed(DomainError):
    """The client's If-Match names a version the object no longer has (a concurrent edit)."""

    status_code = 412
    default_code = ErrorCode.PRECONDITION_FAILED
