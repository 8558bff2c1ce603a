"""The organisation's profile: who it is in law and in the AI value chain (one per organisation).

Two questions every AI obligation depends on, recorded once and read by risks (EU AI Act
classification and obligations, the Art. 27 FRIA trigger) and monitoring (clause 4.1 context):

- its EU AI Act legal type: a body governed by public law, a private entity providing public
  services, or neither (Art. 27(1) asks who deploys, not which area the system serves);
- its roles with respect to AI systems (ISO/IEC 42001 clause 4.1, with the role terms of
  ISO/IEC 22989): AI provider, AI producer, AI customer (user), AI partner. Several may hold.

Admins edit it (`org:admin`); every member reads it (`org:read`).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from isms.tenancy import TenantModel


class LegalType(models.TextChoices):
    """Who deploys, for the EU AI Act (Art. 27(1) FRIA trigger; Art. 26(8) registration)."""

    PUBLIC_BODY = "public_body", "Body governed by public law (public authority)"
    PUBLIC_SERVICE = "public_service", "Private entity providing public services"
    OTHER = "other", "Other private organisation"


class AIRole(models.TextChoices):
    """ISO/IEC 42001 clause 4.1 roles (terms of ISO/IEC 22989), in our words."""

    PROVIDER = "provider", "AI provider (offers AI products or services to others)"
    PRODUCER = "producer", "AI producer (designs, develops or modifies AI systems)"
    CUSTOMER = "customer", "AI customer or user (uses AI systems made by others)"
    PARTNER = "partner", "AI partner (integrator, data or component supplier)"


class OrganizationProfile(TenantModel):
    legal_type = models.CharField(
        "EU AI Act legal type",
        max_length=20,
        choices=LegalType.choices,
        default=LegalType.OTHER,
        help_text="Public-law bodies and private entities providing public services carry out "
        "a fundamental-rights impact assessment before deploying most high-risk systems "
        "(EU AI Act Art. 27).",
    )
    ai_roles = ArrayField(
        models.CharField(max_length=15, choices=AIRole.choices),
        default=list,
        blank=True,
        verbose_name="AI roles (ISO/IEC 42001 clause 4.1)",
        help_text="Every role the organisation holds with respect to the AI systems in scope.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organisation profile"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="organizationprofile_one_per_org")
        ]

    def __str__(self) -> str:
        return "Organisation profile"

    @property
    def deploys_for_the_public(self) -> bool:
        """A public-law body or a private entity providing public services (Art. 27(1))."""
        return self.legal_type in (LegalType.PUBLIC_BODY, LegalType.PUBLIC_SERVICE)
