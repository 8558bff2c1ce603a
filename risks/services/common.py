"""Small validation helpers of the risks services (who may do what: risks.access)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from isms.members import validate_member
from risks.access import require_person, require_scope

__all__ = ["member", "require_person", "require_scope", "text"]


def member(value, field: str, *, scope: str | None = "records:own"):
    """The active member `value` names (a user or an id) who may hold the responsibility;
    the same refusal for unknown users and other organisations' members (isms.members)."""
    return validate_member(value, field, scope=scope)


def text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value
