"""The organisation profile (isms.models.profile): read it, and let admins change it.

`organization_profile()` never writes (a GET shows the defaults of an organisation that has
not saved its profile yet); `organization_profile_update()` creates the one row on first save.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from isms import policy
from isms.access import Actor
from isms.models.profile import AIRole, LegalType, OrganizationProfile
from isms.policy import ModelPolicy, Refusal
from isms.tenancy import current_organization_id
from isms.writes import model_update

PROFILE_FIELDS = ("legal_type", "ai_roles")
ADMIN_SCOPE = "org:admin"


@policy.register
class OrganizationProfilePolicy(ModelPolicy):
    """Every member reads the profile; only admins change it."""

    model = OrganizationProfile
    domain = "org"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, ADMIN_SCOPE)

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, ADMIN_SCOPE)

    def rule_manage(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, ADMIN_SCOPE)

    def restrict(self, actor, action, queryset):
        return queryset if self.refusal(actor, action, queryset.model) is None else queryset.none()


def organization_profile() -> OrganizationProfile:
    """The organisation's profile, or an unsaved one with the defaults (never writes)."""
    return OrganizationProfile.objects.first() or OrganizationProfile(
        organization_id=current_organization_id()
    )


@transaction.atomic
def organization_profile_update(*, actor: Actor, **fields) -> OrganizationProfile:
    current = OrganizationProfile.objects.select_for_update().first()
    if current is None:
        current = OrganizationProfile(organization_id=current_organization_id())
    policy.require(actor, "change", current)
    if "legal_type" in fields and fields["legal_type"] not in LegalType.values:
        raise ValidationError(
            {"legal_type": f"{fields['legal_type']!r} is not an EU AI Act legal type."}
        )
    if "ai_roles" in fields:
        roles = list(fields["ai_roles"] or [])
        unknown = [r for r in roles if r not in AIRole.values]
        if unknown:
            raise ValidationError({"ai_roles": f"Unknown AI role(s): {', '.join(unknown)}."})
        # One order whatever the order given, so an unchanged save changes nothing.
        fields["ai_roles"] = [r for r in AIRole.values if r in roles]
    if current.pk is None:
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        return current
    model_update(current, data=fields, fields=PROFILE_FIELDS)
    return current
