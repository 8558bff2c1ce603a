"""Who counts as a member: the one selector, the one validation and the one picker.

Every "choose a person" field in the product (owner, custodian, reviewer, approver, tester,
assignee) goes through here. An owner must be an active member whose role carries
`records:own` (isms.access): an auditor can never be made the owner of anything.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from isms.access import OWN_SCOPE, roles_with_scope
from isms.models import Membership
from isms.pickers import PickerSelect, PickerSelectMultiple
from isms.tenancy import current_organization_id

User = get_user_model()


def active_members(
    *, scope: str | None = OWN_SCOPE, organization_id: int | None = None
) -> QuerySet:
    """Users with an active membership of the organisation (in context by default).

    With `scope` (default `records:own`), only members whose role carries it; pass
    `scope=None` for every active member (auditors included).
    """
    memberships = Membership.objects.active().filter(
        organization_id=organization_id or current_organization_id()
    )
    if scope is not None:
        memberships = memberships.filter(role__in=roles_with_scope(scope))
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by(
        "first_name", "last_name", "email"
    )


# The two refusals of a member field, in the same words for forms, services and the API.
NOT_A_MEMBER = "No active member with user id {user_id} in this organisation."
CANNOT_HOLD = (
    "This member's role cannot hold this responsibility (auditors are read-only and never own "
    "records)."
)


def member_label(user) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


def validate_member(value, field: str, *, scope: str | None = OWN_SCOPE, required: bool = True):
    """The user `value` names (a user or an id) if it is an eligible member; else a
    ValidationError naming the field. Unknown users and other organisations' members get the
    same message, so the answer reveals nothing."""
    if value in (None, ""):
        if required:
            raise ValidationError({field: "Choose an active member of this organisation."})
        return None
    user_id = getattr(value, "pk", value)
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ValidationError({field: f"{value!r} is not a user id."}) from None
    user = active_members(scope=scope).filter(pk=user_id).first()
    if user is None:
        if scope is not None and active_members(scope=None).filter(pk=user_id).exists():
            raise ValidationError({field: CANNOT_HOLD})
        raise ValidationError({field: NOT_A_MEMBER.format(user_id=user_id)})
    return user


class MemberChoiceField(forms.ModelChoiceField):
    """The member picker for forms; its queryset is bound per request (tenant in context).

    The page holds only the chosen member (isms.pickers): the others are searched as typed.
    """

    def __init__(self, *args, scope: str | None = OWN_SCOPE, **kwargs):
        self.member_scope = scope
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("widget", PickerSelect("members", scope=scope))
        super().__init__(*args, **kwargs)

    def bind(self) -> None:
        self.queryset = active_members(scope=self.member_scope)

    def label_from_instance(self, user) -> str:
        return member_label(user)


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several members (reviewers): the same picker, bound per request like the one above."""

    def __init__(self, *args, scope: str | None = OWN_SCOPE, **kwargs):
        self.member_scope = scope
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("widget", PickerSelectMultiple("members", scope=scope))
        super().__init__(*args, **kwargs)

    def bind(self) -> None:
        self.queryset = active_members(scope=self.member_scope)

    def label_from_instance(self, user) -> str:
        return member_label(user)


def bind_member_fields(form: forms.BaseForm) -> None:
    """Give every member picker of a form its organisation's members."""
    for field in form.fields.values():
        if isinstance(field, MemberChoiceField | MemberMultipleChoiceField):
            field.bind()
