from __future__ import annotations

from django.core.exceptions import ValidationError

from isms.access import Actor
from isms.errors import NotPermitted
from isms.models import Membership, Role
from suppliers.models import Supplier


def require_scope(actor: Actor, scope: str) -> None:
    if not actor.has_scope(scope):
        who = "This API key" if actor.api_key else f"The {actor.role} role"
        raise NotPermitted(f"{who} lacks the scope {scope}.")


def can_change_supplier(actor: Actor, supplier: Supplier) -> bool:
    """Officers and admins change any supplier; a contributor only those they own."""
    if not actor.has_scope("suppliers:write"):
        return False
    if actor.role == Role.CONTRIBUTOR:
        return supplier.owner_id == actor.user_id
    return True


def require_change(actor: Actor, supplier: Supplier) -> None:
    require_scope(actor, "suppliers:write")
    if not can_change_supplier(actor, supplier):
        raise NotPermitted("Only the supplier's owner or an officer may change this supplier.")


def validate_active_member(organization_id: int, user, field: str = "owner") -> None:
    if user is None:
        raise ValidationError({field: "Choose an owner: an active member of this organisation."})
    if (
        not Membership.objects.active()
        .filter(organization_id=organization_id, user_id=user.pk)
        .exists()
    ):
        raise ValidationError(
            {field: f"{user} is not an active member of this organisation; choose a member."}
        )


def actor_label(actor: Actor | None) -> str:
    return actor.label if actor is not None else "system"
