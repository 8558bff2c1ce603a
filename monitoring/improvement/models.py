"""Clause 10: nonconformities, corrective actions, and the continual-improvement log.

A nonconformity records what happened and where it came from (an incident, a control test,
an audit finding, a management review), the immediate correction and containment, the root
cause and whether it could occur elsewhere, its corrective actions, and any change to the
management system. It closes only when every corrective action has been verified effective
by someone other than the action's owner (10.2 f; a policy rule, isms.policy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL


class NCSource(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CONTROL_TEST = "control_test", "Failed or ineffective control test"
    AUDIT_FINDING = "audit_finding", "Audit finding"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    OTHER = "other", "Other"


class NCStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Nonconformity(TenantModel):
    title = models.CharField(max_length=200)
    description = models.TextField("What happened")
    source = models.CharField(max_length=20, choices=NCSource.choices, default=NCSource.OTHER)
    source_incident = models.ForeignKey(
        "monitoring_incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nonconformities",
    )
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="The audit finding, test or review it came from."
    )
    correction = models.TextField("Correction and containment", blank=True)
    root_cause = models.TextField(blank=True)
    could_occur_elsewhere = models.TextField(
        "Could it occur elsewhere?",
        blank=True,
        help_text="Similar nonconformities, here or elsewhere.",
    )
    management_system_change = models.TextField("Change to the management system", blank=True)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=NCStatus.choices, default=NCStatus.OPEN)
    raised_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    raised_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "nonconformities"
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "source"]),
            models.Index(fields=["organization", "owner"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(root_cause=""),
                name="nonconformity_closed_has_root_cause",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("nonconformity_detail", args=[self.organization.slug, self.pk])


class NonconformityUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Nonconformity, on_delete=models.CASCADE)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done (awaiting verification)"
    VERIFIED = "verified", "Verified effective"


class CorrectiveAction(TenantModel):
    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completion_note = models.TextField(blank=True, editable=False)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_note = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"]),
            models.Index(fields=["organization", "owner"]),
        ]
        constraints = [
            # Effectiveness is verified by someone other than the action's owner (10.2 d).
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("owner")),
                name="correctiveaction_verifier_not_owner",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return self.nonconformity.get_absolute_url()


class CorrectiveActionUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE)


class ImprovementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


class ImprovementEntry(TenantModel):
    """The continual-improvement log (10.1): what we improved, or decided to, and why."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the idea came from.")
    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ImprovementStatus.choices, default=ImprovementStatus.PROPOSED
    )
    outcome = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "improvement log entries"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title
