"""Competence and awareness (ISO 27001 / ISO 42001 Clauses 7.2 and 7.3; EU AI Act Art. 4,
AI literacy).

Three records: what each responsibility requires (`CompetenceRequirement`), who holds which
responsibility (`ResponsibilityAssignment`), and what each member has done to meet a
requirement (`TrainingRecord`: course, date, evidence, expiry). A gap is an assignment whose
holder has no record of a requirement of that responsibility that is still valid on the
day; an expired record is a gap again, and a record about to expire is a reminder in the
inbox. Gaps are computed (selectors), never stored, so they cannot drift from the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.tenancy import TenantModel
from isms.uploads import storage_name

User = settings.AUTH_USER_MODEL


class Responsibility(models.TextChoices):
    ALL_STAFF = "all_staff", "Everyone in the organisation"
    AI_USER = "ai_user", "Uses AI systems at work"
    HUMAN_OVERSEER = "human_overseer", "Human overseer of an AI system"
    AI_SYSTEM_OWNER = "ai_system_owner", "AI system owner"
    AI_DEVELOPER = "ai_developer", "Develops or integrates AI systems"
    SECURITY_OFFICER = "security_officer", "Information security officer"
    RISK_OWNER = "risk_owner", "Risk owner"
    INTERNAL_AUDITOR = "internal_auditor", "Internal auditor"
    TOP_MANAGEMENT = "top_management", "Top management"


# Who "uses or oversees AI systems" for AI literacy (EU AI Act Art. 4): these responsibilities,
# and the owners of AI assets in the asset register.
AI_RESPONSIBILITIES = frozenset(
    {
        Responsibility.AI_USER,
        Responsibility.HUMAN_OVERSEER,
        Responsibility.AI_SYSTEM_OWNER,
        Responsibility.AI_DEVELOPER,
    }
)


class CompetenceRequirement(TenantModel):
    """A competence a responsibility requires, and how often it is to be renewed."""

    responsibility = models.CharField(max_length=24, choices=Responsibility.choices)
    title = models.CharField(max_length=200, help_text="e.g. AI literacy basics")
    description = models.TextField(
        blank=True, help_text="What the person must know or be able to do."
    )
    ai_literacy = models.BooleanField(
        "Counts as AI literacy (EU AI Act Art. 4)",
        default=False,
        help_text="Records of it count towards the AI literacy coverage on the home page.",
    )
    renew_every_months = models.PositiveIntegerField(
        "Renew every (months)",
        null=True,
        blank=True,
        help_text="Left empty: a record of it does not expire.",
    )
    clauses = models.CharField(
        "Frameworks and clauses", max_length=200, blank=True, help_text="e.g. ISO 42001 7.2"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["responsibility", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "responsibility", "title"],
                name="competencerequirement_unique_title",
            ),
            models.CheckConstraint(
                condition=models.Q(renew_every_months__isnull=True)
                | models.Q(renew_every_months__gte=1),
                name="competencerequirement_renewal_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_responsibility_display()})"

    def get_absolute_url(self) -> str:
        return reverse("competence", args=[self.organization.slug])


class ResponsibilityAssignment(TenantModel):
    """A member holds a responsibility (and so needs its competences)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    responsibility = models.CharField(max_length=24, choices=Responsibility.choices)
    note = models.CharField(max_length=200, blank=True, help_text="e.g. which AI system")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["responsibility", "member_id"]
        indexes = [models.Index(fields=["organization", "member"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member", "responsibility"],
                name="responsibilityassignment_unique",
            )
        ]

    def __str__(self) -> str:
        who = self.member if self.member_id else "nobody yet"
        return f"{self.get_responsibility_display()}: {who}"


class TrainingKind(models.TextChoices):
    TRAINING = "training", "Training course"
    AWARENESS = "awareness", "Awareness session or campaign"
    QUALIFICATION = "qualification", "Qualification or certificate"
    EXPERIENCE = "experience", "Assessed experience"


def training_evidence_path(instance: TrainingRecord, filename: str) -> str:
    return storage_name(instance.organization_id, "competence/evidence", filename)


class TrainingRecord(TenantModel):
    """A member completed a course or awareness activity (7.2 evidence of competence)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    requirement = models.ForeignKey(
        CompetenceRequirement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        help_text="The competence it meets; empty for general awareness.",
    )
    kind = models.CharField(max_length=15, choices=TrainingKind.choices, default="training")
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Left empty: filled in from the competence's renewal period, if it has one.",
    )
    evidence_link = models.URLField("Evidence (link)", max_length=500, blank=True)
    evidence_file = models.FileField(
        "Evidence (file)", upload_to=training_evidence_path, blank=True, max_length=300
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "member"]),
            models.Index(fields=["organization", "expires_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("completed_on")),
                name="trainingrecord_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        if self.completed_on is None:
            return self.course or "training record"
        return f"{self.course} ({self.completed_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("training_detail", args=[self.organization.slug, self.pk])

    def valid_on(self, day) -> bool:
        return self.expires_on is None or self.expires_on > day
