"""Point-in-time snapshots of the risk register and of the risk treatment plan: the documented
information ISO/IEC 27001:2022 8.2 (results of risk assessments) and 8.3 (results of risk
treatment) ask an organisation to retain.

Like an SoA snapshot, a snapshot is a two-person act (5.3 segregation of duties): whoever
takes it (risks:manage) freezes the rows; someone else with risks:approve approves or rejects
it. In the database (risks migration 0005) a snapshot refuses DELETE and every UPDATE except
the one decision (status, decided_by, decided_at, decision_note, once, from pending) and the
one-time attachment of its PDF rendering.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel


def snapshot_pdf_path(instance: RiskSnapshot, filename: str) -> str:
    """Files include the organisation in their path (tenancy)."""
    return f"org/{instance.organization_id}/risk-snapshots/{instance.kind}-{instance.number}.pdf"


class RiskSnapshot(TenantModel):
    class Kind(models.TextChoices):
        REGISTER = "register", "Risk register"
        TREATMENT_PLAN = "treatment_plan", "Risk treatment plan"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    number = models.PositiveIntegerField()
    rows = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    taken_at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True)
    pdf = models.FileField(upload_to=snapshot_pdf_path, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "number"], name="risksnapshot_unique_number"
            )
        ]
        indexes = [models.Index(fields=["organization", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} snapshot {self.number}"
