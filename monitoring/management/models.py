"""Clause 9.3: management review.

A review covers a period. Its inputs are assembled from the registers (selectors.inputs)
and stored as a snapshot, so the minutes show what management saw, not what the registers
say later. Its outputs are decisions and actions with owners and dates (due sources for the
inbox). The minutes are prepared, submitted and approved by someone other than the preparer;
an approved review is immutable in the database (a trigger refuses UPDATE and DELETE).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"


class ManagementReview(TenantModel):
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    meeting_date = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True, help_text="One person per line, with their role.")
    changes_in_issues = models.TextField("Changes in internal and external issues", blank=True)
    interested_parties = models.TextField(
        "Changes in interested parties' needs and expectations", blank=True
    )
    feedback = models.TextField("Feedback from interested parties", blank=True)
    inputs = models.JSONField(default=dict, blank=True, editable=False)
    inputs_assembled_at = models.DateTimeField(null=True, blank=True, editable=False)
    minutes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    prepared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="managementreview_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (~models.Q(minutes="") & models.Q(approved_by__isnull=False)),
                name="managementreview_approved_has_minutes",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("management_review_detail", args=[self.organization.slug, self.pk])


class OutputKind(models.TextChoices):
    DECISION = "decision", "Decision"
    ACTION = "action", "Action"


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ReviewOutput(TenantModel):
    """A decision (improvement, change to the management system, resources) or an action
    with its owner and due date. Actions stay open after approval: their status is an input
    of the next review."""

    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="outputs")
    kind = models.CharField(max_length=10, choices=OutputKind.choices, default=OutputKind.ACTION)
    description = models.TextField()
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ActionState.choices, default=ActionState.OPEN)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "due_date", "id"]
        indexes = [models.Index(fields=["organization", "state", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="action")
                | (models.Q(owner__isnull=False) & models.Q(due_date__isnull=False)),
                name="reviewoutput_action_has_owner_and_date",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]


class ReviewOutputUserObjectPermission(TenantUserObjectPermission):
    """guardian's grants on review outputs: an action's owner updates its state."""

    content_object = models.ForeignKey(ReviewOutput, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]
