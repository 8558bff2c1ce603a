"""Clause 9.2: the internal audit programme, its audits and their findings.

A programme spans several years and must, across its audits, cover every clause (4–10) and
every control the Statement of Applicability marks applicable (selectors.coverage shows
what is not yet planned). An audit has a scope (clauses, controls, assets), criteria, a
plan, dates, an auditor who owns nothing in that scope (9.2.2 c: objectivity and
impartiality; services refuse it), a checklist, the evidence sampled, findings and a report.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL

CLAUSES = [(str(n), f"Clause {n}") for n in range(4, 11)]


class AuditProgramme(TenantModel):
    title = models.CharField(max_length=200)
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")),
                name="auditprogramme_years_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audit_programme_detail", args=[self.organization.slug, self.pk])


class AuditStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    REPORTED = "reported", "Reported"


class Audit(TenantModel):
    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="audits")
    title = models.CharField(max_length=200)
    clauses = ArrayField(models.CharField(max_length=2, choices=CLAUSES), default=list, blank=True)
    control_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    asset_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    criteria = models.TextField(blank=True, help_text="What the audit checks against.")
    plan = models.TextField(blank=True)
    planned_start = models.DateField()
    planned_end = models.DateField()
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checklist = models.TextField(blank=True, help_text="One question per line.")
    sampled_evidence = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    report = models.TextField(blank=True)
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    reported_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["planned_start", "id"]
        indexes = [
            models.Index(fields=["organization", "programme"]),
            models.Index(fields=["organization", "status", "planned_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="audit_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="reported") | ~models.Q(report=""),
                name="audit_reported_has_report",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audit_detail", args=[self.organization.slug, self.pk])


class FindingKind(models.TextChoices):
    MAJOR = "major", "Major nonconformity"
    MINOR = "minor", "Minor nonconformity"
    OBSERVATION = "observation", "Observation"
    OFI = "ofi", "Opportunity for improvement"


class AuditFinding(TenantModel):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=12, choices=FindingKind.choices)
    description = models.TextField()
    evidence = models.TextField(blank=True, help_text="What was sampled and seen.")
    nonconformity = models.ForeignKey(
        "monitoring_improvement.Nonconformity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["organization", "audit"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


class AuditUserObjectPermission(TenantUserObjectPermission):
    """guardian's grants on audits: the audit's auditor conducts it (AuditPolicy moves the
    grant with the auditor), the same ownership mechanism as every register."""

    content_object = models.ForeignKey(Audit, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]
