"""Who may do what in the risk register, and small validation helpers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from isms.access import Actor
from isms.errors import NotPermitted
from isms.models import Membership, Role
from isms.tenancy import current_organization_id

User = get_user_model()
MANAGER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
APPROVER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})


def require_scope(actor: Actor, scope: str) -> None:
    if not actor.has_scope(scope):
        who = "This API key" if actor.api_key else f"The {actor.role} role"
        raise NotPermitted(f"{who} lacks the scope {scope}.")


def is_risk_manager(actor: Actor) -> bool:
    """Officers and admins change every risk; so does a read-write API key."""
    if not actor.has_scope("risks:write"):
        return False
    return actor.api_key is not None or actor.role in MANAGER_ROLES


def require_manager(actor: Actor, what: str) -> None:
    require_scope(actor, "risks:write")
    if not is_risk_manager(actor):
        raise NotPermitted(f"Only officers and admins may {what}.")


def member_role(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    membership = (
        Membership.objects.active()
        .filter(organization_id=current_organization_id(), user_id=user_id)
        .first()
    )
    return membership.role if membership else None


def member(value, field: str):
    """The active member `value` (a user or a user id); the same refusal for unknown users
    and members of other organisations."""
    if value is None or value == "":
        raise ValidationError({field: "Choose an active member of this organisation."})
    user_id = getattr(value, "pk", value)
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ValidationError({field: f"{value!r} is not a user id."}) from None
    if member_role(user_id) is None:
        raise ValidationError(
            {field: f"No active member with user id {user_id} in this organisation."}
        )
    return value if isinstance(value, User) else User.objects.get(pk=user_id)


def text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value
