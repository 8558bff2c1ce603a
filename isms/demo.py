"""The demo organisations and people `make run` loads (idempotent).

Feature apps add their own demo data in `<app>/demo.py` with a `load(demo: DemoContext)`
function; `manage.py load_demo` calls them in INSTALLED_APPS order, each inside the demo
organisation's tenant context.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from isms.access import TIME_BOXED_ROLES
from isms.models import AIRole, LegalType, Membership, Organization, OrganizationProfile, Role
from isms.tenancy import tenant_context

User = get_user_model()
DEMO_PASSWORD = "guardrail-demo"
DEMO_USERS = {
    "admin@demo.example": ("Ada", "Admin", Role.ADMIN),
    "officer@demo.example": ("Olivia", "Officer", Role.OFFICER),
    "owner@demo.example": ("Omar", "Owner", Role.CONTRIBUTOR),
    "auditor@demo.example": ("Aude", "Auditor", Role.AUDITOR),
}


@dataclass
class DemoContext:
    organization: Organization
    users: dict[str, object] = field(default_factory=dict)  # role -> user

    def user(self, role: str):
        return self.users[role]


def _user(email: str, first: str, last: str):
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User.objects.create_user(
            username=email, email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    return user


def load_demo() -> DemoContext:
    demo, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo Corp"})
    other, _ = Organization.objects.get_or_create(
        slug="northwind", defaults={"name": "Northwind Consulting"}
    )
    context = DemoContext(organization=demo)
    for email, (first, last, role) in DEMO_USERS.items():
        user = _user(email, first, last)
        expires = None
        if role in TIME_BOXED_ROLES:
            existing = Membership.objects.filter(organization=demo, user=user).first()
            expires = existing.expires_at if existing else timezone.now() + timedelta(days=90)
        Membership.objects.get_or_create(
            organization=demo, user=user, defaults={"role": role, "expires_at": expires}
        )
        context.users[role] = user
    # The officer also advises a second organisation: the switcher has something to switch.
    Membership.objects.get_or_create(
        organization=other, user=context.users[Role.OFFICER], defaults={"role": Role.ADMIN}
    )
    with tenant_context(demo.pk, actor="demo loader"):
        # Demo Corp builds one AI system it offers to customers and uses others' AI tools.
        OrganizationProfile.objects.get_or_create(
            organization_id=demo.pk,
            defaults={
                "legal_type": LegalType.OTHER,
                "ai_roles": [AIRole.PROVIDER, AIRole.PRODUCER, AIRole.CUSTOMER],
            },
        )
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        if module.__name__ == __name__:
            continue
        with tenant_context(demo.pk, actor="demo loader"):
            module.load(context)
    return context
