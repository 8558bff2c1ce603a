"""The fundamental-rights impact assessment (EU AI Act Art. 27), for a deployer Art. 27(1)
names: a public-law body or a private entity providing public services deploying an Annex III
system (except point 2), or any deployer of 5(b) credit scoring or 5(c) life and health
insurance pricing (risks.ai_act.fria_required).

Its parts are the ones Art. 27(1)(a)-(f) lists, pre-filled from the AI impact assessment;
completing it and notifying the market surveillance authority of its results (Art. 27(3)) each
close the matching obligation (risks.models.obligations).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel

# Art. 27(1)(a)-(f), in our words: the field and what it asks.
FRIA_PARTS = (
    ("deployer_processes", "27(1)(a) Our processes in which the system is used"),
    ("period_and_frequency", "27(1)(b) For how long and how often it is used"),
    ("affected_categories", "27(1)(c) Categories of people and groups likely to be affected"),
    ("specific_risks", "27(1)(d) Specific risks of harm to them (with the provider's information)"),
    ("human_oversight", "27(1)(e) Human oversight measures, per the instructions for use"),
    (
        "mitigation_and_complaints",
        "27(1)(f) What we do if the risks materialise: governance and complaint mechanisms",
    ),
)


class FundamentalRightsAssessment(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        "risks.ImpactAssessment", on_delete=models.PROTECT, related_name="frias"
    )
    deployer_processes = models.TextField(FRIA_PARTS[0][1], blank=True)
    period_and_frequency = models.TextField(FRIA_PARTS[1][1], blank=True)
    affected_categories = models.TextField(FRIA_PARTS[2][1], blank=True)
    specific_risks = models.TextField(FRIA_PARTS[3][1], blank=True)
    human_oversight = models.TextField(FRIA_PARTS[4][1], blank=True)
    mitigation_and_complaints = models.TextField(FRIA_PARTS[5][1], blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    authority = models.CharField(
        "Market surveillance authority notified", max_length=200, blank=True
    )
    notified_on = models.DateField(
        "Notified on (Art. 27(3))",
        null=True,
        blank=True,
        help_text="The date the authority was notified of the results.",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "fundamental-rights impact assessment"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["organization", "asset"])]

    def __str__(self) -> str:
        return f"FRIA of asset {self.asset_id} ({self.get_status_display()})"
