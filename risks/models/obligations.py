"""EU AI Act obligations as tracked work: one row per obligation of one AI system, for the
organisation's role, produced by the approved impact assessment's classification
(risks.ai_act). Each has its article, the date it applies from and that date's source, an
owner and a due date, and enters the reminders (monitoring/inbox/due_sources.py).

A reclassification (a newer approved assessment) keeps what still applies, opens what is new
and marks what no longer applies `superseded` with the assessment that dropped it: rows are
never deleted, so the list keeps its history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.tenancy import TenantModel


class AIActObligation(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        SUPERSEDED = "superseded", "No longer applies (reclassified)"

    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        "risks.ImpactAssessment",
        on_delete=models.PROTECT,
        related_name="obligation_rows",
        help_text="The approved assessment whose classification gave it.",
    )
    code = models.CharField(max_length=30)
    article = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    applies_from = models.DateField()
    date_source = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    superseded_by = models.ForeignKey(
        "risks.ImpactAssessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "EU AI Act obligation"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset", "code"],
                condition=Q(status="open"),
                name="aiactobligation_one_open_per_code",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "asset", "status"]),
            models.Index(fields=["organization", "status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.article}: {self.text}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()
