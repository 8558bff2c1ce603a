"""The management system around the registers: context and scope (ISO 27001 / ISO 42001
Clause 4) and objectives with their measurements (Clause 6.2).

The scope statement is versioned: one row per version, prepared, submitted and approved by
someone other than the preparer. An approved version is immutable in the database (a
trigger refuses UPDATE and DELETE), so the organisation's current scope is its approved
version with the highest number, and changing the scope means preparing a new version.

An objective's status is computed from its latest measurement against its target; it sits
in the monitoring layer so the management review (9.3) can read objectives as an input.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL


class IssueKind(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class IssueTopic(models.TextChoices):
    REGULATION = "regulation", "Law and regulation (incl. AI regulation)"
    PUBLIC_EXPECTATIONS = "public_expectations", "Public and customer expectations of AI"
    MODEL_SUPPLIERS = "model_suppliers", "Dependence on AI model suppliers"
    TECHNOLOGY = "technology", "Technology and threat landscape"
    ORGANISATION = "organisation", "Organisation, people and culture"
    MARKET = "market", "Market and finances"
    OTHER = "other", "Other"


class ContextIssue(TenantModel):
    """An internal or external issue that bears on what the management system must achieve."""

    kind = models.CharField(max_length=10, choices=IssueKind.choices)
    topic = models.CharField(max_length=24, choices=IssueTopic.choices, default=IssueTopic.OTHER)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    response = models.TextField("How the management system responds", blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "topic", "title"]
        indexes = [models.Index(fields=["organization", "kind"])]

    def __str__(self) -> str:
        return self.title


class InterestedParty(TenantModel):
    """A party with requirements; whether the ISMS addresses them is an explicit decision."""

    name = models.CharField(max_length=200)
    requirements = models.TextField()
    addressed = models.BooleanField("Addressed by the management system", default=True)
    how_addressed = models.TextField("How, or why not", blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "interested parties"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="interestedparty_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ScopeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"


class ScopeStatement(TenantModel):
    """One version of the scope statement (Clause 4.3)."""

    number = models.PositiveIntegerField(editable=False)
    statement = models.TextField(
        help_text="What the management system covers, in a sentence or two."
    )
    boundaries = models.TextField(blank=True, help_text="Sites, units, products, AI systems.")
    interfaces = models.TextField(
        blank=True, help_text="Where it meets what it does not cover: suppliers, group services."
    )
    exclusions = models.TextField(blank=True, help_text="What is left out, and why.")
    status = models.CharField(max_length=10, choices=ScopeStatus.choices, default=ScopeStatus.DRAFT)
    prepared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="scopestatement_unique_number"
            ),
            # One version in preparation at a time: the next one starts from the approved one.
            models.UniqueConstraint(
                fields=["organization"],
                condition=~models.Q(status="approved"),
                name="scopestatement_one_open_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_by__isnull=False),
                name="scopestatement_approved_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"Scope statement v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("scope_detail", args=[self.organization.slug, self.pk])


class TargetDirection(models.TextChoices):
    AT_LEAST = "at_least", "At least the target"
    AT_MOST = "at_most", "At most the target"


class Objective(TenantModel):
    """An information-security or AI objective (Clause 6.2) and how it is measured."""

    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=300, help_text="What is measured, and how.")
    direction = models.CharField(
        max_length=10, choices=TargetDirection.choices, default=TargetDirection.AT_LEAST
    )
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, days, incidents")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(help_text="When the target is to be met.")
    clauses = models.CharField(
        "Frameworks and clauses",
        max_length=200,
        blank=True,
        help_text="e.g. ISO 27001 6.2; ISO 42001 6.2",
    )
    measure_every_days = models.PositiveIntegerField(
        "Measure every (days)", default=30, help_text="The owner is reminded when a value is due."
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_date", "title"]
        indexes = [models.Index(fields=["organization", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(measure_every_days__gte=1), name="objective_measure_interval"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("objective_detail", args=[self.organization.slug, self.pk])

    def meets(self, value: Decimal) -> bool:
        if self.direction == TargetDirection.AT_MOST:
            return value <= self.target
        return value >= self.target


class ObjectiveMeasurement(TenantModel):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-measured_on", "-id"]
        indexes = [models.Index(fields=["organization", "objective", "measured_on"])]

    def __str__(self) -> str:
        return f"{self.objective}: {self.value} on {self.measured_on}"

    @property
    def on_target(self) -> bool:
        return self.objective.meets(self.value)


class ObjectiveUserObjectPermission(TenantUserObjectPermission):
    """guardian's grants on objectives: the owner records measurements and edits it."""

    content_object = models.ForeignKey(Objective, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]
