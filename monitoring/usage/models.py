"""AI usage decisions (issue 22): the organisation's settings, and the evidence of use.

Evidence is kept small on purpose: a gateway asks before every request, so allowed calls are
counted (UsageTally: organisation, tool, decision, day; insert-only delta rows that the
page sums) and the people who used a tool each day are one row per person (UsagePersonDay);
only denials are kept one by one (UsageDenial), for DENIAL_RETENTION_DAYS, then purged by a
beat task. An unknown tool becomes one shadow-AI report (an asset awaiting triage) however
often it is tried; ShadowToolSighting counts the attempts.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from isms.choices import DataCategory
from isms.tenancy import TenantModel

DENIAL_RETENTION_DAYS = 90
DENIAL_RETENTION = timedelta(days=DENIAL_RETENTION_DAYS)


class Outcome(models.TextChoices):
    ALLOW = "allow", "Allow"
    ALLOW_WITH_OBLIGATIONS = "allow_with_obligations", "Allow with obligations"
    DENY = "deny", "Deny"


class Enforcement(models.TextChoices):
    DENY = "deny", "Deny"
    WARN = "warn", "Allow with a warning"


class SupplierEnforcement(models.TextChoices):
    DENY = "deny", "Deny"
    WARN = "warn", "Allow with a warning"
    OFF = "off", "Do not check"


DEFAULT_RESTRICTED = [DataCategory.SPECIAL_CATEGORY, DataCategory.CREDENTIALS]


def default_restricted() -> list[str]:
    return [str(c) for c in DEFAULT_RESTRICTED]


class UsageSettings(TenantModel):
    """How strict the decisions are; one row per organisation (defaults until saved)."""

    unknown_tool = models.CharField(
        "A tool not in the register",
        max_length=10,
        choices=Enforcement.choices,
        default=Enforcement.DENY,
    )
    policy_acknowledgement = models.CharField(
        "A person who has not acknowledged the AI acceptable use policy",
        max_length=10,
        choices=Enforcement.choices,
        default=Enforcement.WARN,
    )
    supplier_check = models.CharField(
        "The tool's supplier not assessed, due for reassessment or with an expired certificate",
        max_length=10,
        choices=SupplierEnforcement.choices,
        default=SupplierEnforcement.DENY,
    )
    restricted_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices),
        default=default_restricted,
        blank=True,
        help_text="Categories a tool may receive only when an approved AI change request "
        "names them explicitly.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "AI usage settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="usagesettings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"AI usage settings of organisation {self.organization_id}"


class UsageTally(TenantModel):
    """How many decisions of one kind one tool got on one day (delta rows; sum them)."""

    day = models.DateField()
    tool_key = models.CharField(max_length=300)
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=25, choices=Outcome.choices)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "tool_key"])]

    def __str__(self) -> str:
        return f"{self.tool_key} {self.outcome} ×{self.count} on {self.day}"


class UsagePersonDay(TenantModel):
    """One person used (or tried) one tool on one day."""

    day = models.DateField()
    tool_key = models.CharField(max_length=300)
    person = models.CharField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "tool_key", "person"], name="usagepersonday_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} used {self.tool_key} on {self.day}"


class UsageDenial(TenantModel):
    """One refused request, kept DENIAL_RETENTION_DAYS: who, which tool, which data, why."""

    decided_at = models.DateTimeField(default=timezone.now)
    tool_key = models.CharField(max_length=300)
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.CharField(max_length=254)
    data_categories = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    purpose = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["organization", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.person} refused {self.tool_key} at {self.decided_at:%Y-%m-%d %H:%M}"

    @property
    def data_category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [labels.get(c, c) for c in self.data_categories]


class ShadowToolSighting(TenantModel):
    """An unknown tool someone tried to use: one per tool, with its shadow-AI report."""

    tool_key = models.CharField(max_length=300)
    report = models.ForeignKey(
        "assets.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "tool_key"], name="shadowtoolsighting_unique_tool"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tool_key}: {self.attempts} attempt(s)"
