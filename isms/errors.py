"""Domain errors the services raise; the API and UI map each to one HTTP status."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    """The request is valid but the object's state forbids it (a workflow, a gate)."""

    status_code = 409


class TransitionRefused(Conflict):
    """A workflow transition that the state machine does not allow from the current state."""


class NotPermitted(DomainError):
    status_code = 403
