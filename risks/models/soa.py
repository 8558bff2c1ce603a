"""The Statement of Applicability (6.1.3 d), per organisation and framework."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel


class StatementOfApplicability(TenantModel):
    """One per organisation and framework, created with the organisation (and given rows when
    the control library grows), never on a read.

    Approval is a two-person act (ISO/IEC 27001:2022 5.3 segregation of duties): whoever edits
    the rows submits the SoA for approval, and someone else approves it (an immutable numbered
    snapshot). Editing a row of a submitted SoA returns it to draft.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    framework = models.ForeignKey("isms.Framework", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "statement of applicability"
        verbose_name_plural = "statements of applicability"
        constraints = [
            models.UniqueConstraint(fields=["organization", "framework"], name="soa_unique")
        ]

    def __str__(self) -> str:
        return f"Statement of Applicability ({self.framework_id})"


class InclusionReason(models.TextChoices):
    RISK_TREATMENT = "risk_treatment", "Risk treatment"
    LEGAL = "legal", "Legal or regulatory"
    CONTRACTUAL = "contractual", "Contractual"
    BUSINESS = "business", "Business requirement"


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PARTIAL = "partial", "Partially implemented"
    IMPLEMENTED = "implemented", "Implemented"


class SoARow(TenantModel):
    """One control in the SoA. Linked risks are the risks that name the control
    (RiskControl); `risks_changed_at` moves whenever one of them changes, which is how a row
    becomes stale after the last approval."""

    soa = models.ForeignKey(StatementOfApplicability, on_delete=models.CASCADE, related_name="rows")
    control = models.ForeignKey("isms.Control", on_delete=models.PROTECT, related_name="+")
    applicable = models.BooleanField(default=True)
    justification = models.TextField(blank=True)
    inclusion_reasons = ArrayField(
        models.CharField(max_length=20, choices=InclusionReason.choices), default=list, blank=True
    )
    implementation_status = models.CharField(
        max_length=12,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.TextField(blank=True)
    evidence_links = ArrayField(models.URLField(max_length=500), default=list, blank=True)
    risks_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["control__sort_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "soa", "control"], name="soarow_unique_control"
            )
        ]
        indexes = [models.Index(fields=["organization", "control"])]

    def __str__(self) -> str:
        return f"SoA row for control {self.control_id}"

    @property
    def is_justified(self) -> bool:
        if self.applicable:
            return bool(self.inclusion_reasons) or bool(self.justification.strip())
        return bool(self.justification.strip())


class SoASnapshot(TenantModel):
    """An approved SoA, frozen: numbered per SoA, never changed (a trigger refuses it)."""

    soa = models.ForeignKey(
        StatementOfApplicability, on_delete=models.PROTECT, related_name="snapshots"
    )
    number = models.PositiveIntegerField()
    rows = models.JSONField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "soa", "number"], name="soasnapshot_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"SoA snapshot {self.number}"
