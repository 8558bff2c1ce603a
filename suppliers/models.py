"""The supplier register (controls 5.19–5.23)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from isms.choices import DataCategory
from isms.tenancy import TenantModel


class Supplier(TenantModel):
    class Criticality(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        PROSPECTIVE = "prospective", "Prospective"
        ACTIVE = "active", "Active"
        OFFBOARDING = "offboarding", "Offboarding"
        TERMINATED = "terminated", "Terminated"

    class AIService(models.TextChoices):
        MODELS = "models", "AI models"
        AI_API = "ai_api", "AI APIs"
        SAAS_AI_FEATURES = "saas_ai_features", "AI features in SaaS"

    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    provides = models.TextField("What they provide", blank=True)
    ai_services = ArrayField(
        models.CharField(max_length=30, choices=AIService.choices),
        default=list,
        blank=True,
        help_text="Which AI services they provide; empty if none.",
    )
    criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.PROSPECTIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The accountable owner: a member of this organisation.",
    )
    data_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices), default=list, blank=True
    )
    next_reassessment_date = models.DateField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="supplier_unique_name")
        ]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "next_reassessment_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def provides_ai(self) -> bool:
        return bool(self.ai_services)
