"""Organisations (tenants) and who may act for them: memberships, invitations, API keys.

These tables are read before a tenant is known (log-in, the organisation switcher, API-key
authentication, invitation links), so they are not row-level-secured tenant tables; they are
only reached through isms.services.access and isms.selectors. The audit trigger still
records every change to them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1–50 lower-case letters, digits and hyphens, not starting or ending with a hyphen.",
)


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Set only by `manage.py seed_bench` (bench settings): the benchmark seeder may reset an
    # organisation only when this is true, so it can never touch a real one.
    seeded_by_bench = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OFFICER = "officer", "Compliance officer"
    CONTRIBUTOR = "contributor", "Contributor"
    AUDITOR = "auditor", "Auditor"


class MembershipQuerySet(models.QuerySet):
    def active(self, at=None) -> MembershipQuerySet:
        at = at or timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this moment the membership gives no access."
    )
    # A designation, not a software role: this person is top management (ISO/IEC 27001:2022
    # 5.1) and may endorse accepting a risk above the appetite. Set by an administrator;
    # isms.access turns it into scopes.
    top_management = models.BooleanField(
        "Top management",
        default=False,
        help_text="May endorse accepting a risk above the organisation's risk appetite.",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]
        indexes = [models.Index(fields=["user", "organization"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()


class Invitation(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created"])]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"


class APIKey(models.Model):
    class Access(models.TextChoices):
        READ = "read", "Read-only"
        READ_WRITE = "read_write", "Read and write"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'SSO catalogue'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    access = models.CharField(max_length=20, choices=Access.choices, default=Access.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["organization", "created"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        return f"gr_{self.prefix}"

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)
