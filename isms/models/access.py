"""Organisations (tenants) and who may act for them: memberships, invitations, API keys.

These tables are read before a tenant is known (log-in, the organisation switcher, API-key
authentication, invitation links), so they are not row-level-secured tenant tables; they are
only reached through isms.services.access and isms.selectors. The audit trigger still
records every change to them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
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
    # Set by an admin: every member must log in with a second factor (isms.two_factor).
    require_two_factor = models.BooleanField("require two-factor authentication", default=False)
    # Single sign-on (isms.models.sso), read before a tenant is known: the e-mail domains that
    # route to this organisation's IdP, and whether members must sign in through it.
    sso_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    sso_required = models.BooleanField("require single sign-on", default=False)
    # An admin asked for the organisation to be deleted (isms.lifecycle.deletion): the end of
    # the grace period, shown to every member; None when no deletion is pending.
    deletion_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The worker deleted its data: the row stays as a tombstone (the audit trail of the
    # deletion refers to it), with no members and no tenant rows but its deletion records.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [GinIndex(fields=["sso_domains"], name="organization_sso_domains")]

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
    # When the membership the invitation gives ends (an auditor's engagement): None for a
    # membership without end. Accepting the invitation copies it onto the membership.
    membership_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The membership it gives ends at this moment."
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "created"])]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"


class APIKey(models.Model):
    class Access(models.TextChoices):
        READ = "read", "Read-only"
        READ_WRITE = "read_write", "Read and write"
        # A gateway or agent platform asking "may this person send this data to this AI
        # tool?" (monitoring.usage): that question alone, nothing else of the registers.
        AI_USAGE_DECIDE = "ai_usage_decide", "AI usage decisions only"

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
