"""Review schedules (Clause 9.1, 9.3; controls 5.9, 5.19-5.22, 5.1) and AI-system reviews.

A schedule is generic over its subject (`subject_type` + `object_id`, resolved through the
subject model's tenant manager, so it never reaches another organisation); `next_due` is
indexed with the organisation leading, for the reminder sweep. An AI-system review is a
checklist answered item by item (yes / no / n.a. + note, several prefilled from what the
registers know), an outcome, and a sign-off by the asset's owner or the reviewer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.tenancy import TenantModel

_months = [MinValueValidator(1), MaxValueValidator(60)]


def _m(label: str, default: int):
    return models.PositiveSmallIntegerField(label, default=default, validators=_months)


class ReviewSettings(TenantModel):
    """The organisation's default review intervals, in months."""

    ai_high_months = _m("AI systems, high risk tier", 3)
    ai_limited_months = _m("AI systems, limited risk tier", 6)
    ai_minimal_months = _m("AI systems, minimal risk tier", 12)
    ai_unassessed_months = _m("AI systems not yet assessed", 6)
    supplier_critical_months = _m("Suppliers, critical", 6)
    supplier_high_months = _m("Suppliers, high criticality", 12)
    supplier_medium_months = _m("Suppliers, medium criticality", 12)
    supplier_low_months = _m("Suppliers, low criticality", 24)
    policy_months = _m("Policies", 12)
    risk_critical_months = _m("Risks, critical band", 3)
    risk_high_months = _m("Risks, high band", 6)
    risk_medium_months = _m("Risks, medium band", 12)
    risk_low_months = _m("Risks, low band", 12)
    soa_months = _m("Statement of Applicability", 12)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="reviewsettings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Review intervals of organisation {self.organization_id}"


class SubjectType(models.TextChoices):
    AI_SYSTEM = "ai_system", "AI system"
    SUPPLIER = "supplier", "Supplier"
    POLICY = "policy", "Policy"
    RISK = "risk", "Risk"
    SOA = "soa", "Statement of Applicability"
    EVIDENCE = "evidence", "Evidence item"


class ReviewSchedule(TenantModel):
    # The subject, for the organisation export (isms.lifecycle.format).
    loose_references = {
        "object_id": (
            "subject_type",
            {
                SubjectType.AI_SYSTEM: "assets.Asset",
                SubjectType.SUPPLIER: "suppliers.Supplier",
                SubjectType.POLICY: "policies.Policy",
                SubjectType.RISK: "risks.Risk",
                SubjectType.SOA: "risks.StatementOfApplicability",
                SubjectType.EVIDENCE: "monitoring_checks.ControlEvidence",
            },
        )
    }
    subject_type = models.CharField(max_length=15, choices=SubjectType.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300, help_text="The subject's name when scheduled.")
    interval_months = models.PositiveSmallIntegerField(validators=_months)
    next_due = models.DateField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who reviews it (the subject's owner by default); empty: the officers.",
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subject_type", "object_id"],
                name="reviewschedule_one_per_subject",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "next_due"],
                condition=Q(active=True),
                name="reviewschedule_due",
            ),
            models.Index(fields=["organization", "reviewer"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_type_display()} review: {self.title}"

    @property
    def is_ai(self) -> bool:
        return self.subject_type == SubjectType.AI_SYSTEM

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        from isms.models import Organization

        slug = Organization.objects.values_list("slug", flat=True).get(pk=self.organization_id)
        return reverse("monitoring_reviews:schedule_detail", args=[slug, self.pk])


class Outcome(models.TextChoices):
    CONTINUE = "continue", "Continue as it is"
    CHANGE = "change", "Change it (opens an AI change request)"
    SUSPEND = "suspend", "Suspend (take it out of production)"
    RETIRE = "retire", "Retire it"


class AIReview(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "In progress"
        SIGNED_OFF = "signed_off", "Signed off"
        DISCARDED = "discarded", "Discarded"

    schedule = models.ForeignKey(ReviewSchedule, on_delete=models.PROTECT, related_name="reviews")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # {item: {"answer": "yes|no|na|", "note": str, "computed": "yes|no|na|", "source": str}}
    answers = models.JSONField(default=dict, blank=True)
    # What the register said when the review was signed off (purpose, model version...).
    snapshot = models.JSONField(default=dict, blank=True, editable=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    change_request = models.ForeignKey(
        "risks.AIChangeRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "AI-system review"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "schedule"],
                condition=Q(status="draft"),
                name="aireview_one_open_per_schedule",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "asset", "status"]),
            models.Index(fields=["organization", "schedule"]),
        ]

    def __str__(self) -> str:
        return f"Review of {self.asset} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        from isms.models import Organization

        slug = Organization.objects.values_list("slug", flat=True).get(pk=self.organization_id)
        return reverse("monitoring_reviews:review_detail", args=[slug, self.pk])
