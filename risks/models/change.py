"""The AI change gate: change requests and AI impact assessments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.choices import DataCategory
from isms.tenancy import TenantModel
from risks.ai_act import (
    AnnexIIIUseCase,
    Art25Trigger,
    DerogationCondition,
    GPAIRelation,
    HighRiskArea,
    OperatorRole,
    ProhibitedPractice,
    ProhibitionException,
    Tier,
    TransparencyDuty,
)


class AIChangeRequest(TenantModel):
    """Introducing or changing an AI system is a high-risk change (6.3, 8.1, control 8.32)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField("What is being introduced or changed", max_length=200)
    description = models.TextField("The change", blank=True)
    justification = models.TextField("Why")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    data_going_in = models.TextField("Data going in")
    data_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices), default=list, blank=True
    )
    affected_people = models.TextField("Who is affected")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The designated approver (an officer or admin, not the requester).",
    )
    target_lifecycle = models.CharField(
        "Stage it moves to when approved",
        max_length=15,
        choices=[("pilot", "Pilot"), ("production", "Production")],
        default="production",
        help_text="A pilot processes real data: it passes the same gate as production.",
    )
    # Gate evidence a high-risk system needs (EU AI Act Art. 26, 27): kept on the request.
    oversight_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Named human oversight",
        help_text="The person with the competence and authority to oversee and stop it.",
    )
    instructions_for_use = models.CharField(
        "Provider's instructions for use (where filed)", max_length=500, blank=True
    )
    fria_reference = models.CharField(
        "Fundamental-rights impact assessment (where filed)", max_length=500, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset"],
                condition=Q(status="submitted"),
                name="aichangerequest_one_open_per_asset",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "asset", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    def is_approved_for(self, asset) -> bool:
        """The duck-typed question assets.services.asset_promote_to_production() asks."""
        return (
            self.pk is not None
            and self.status == self.Status.APPROVED
            and self.asset_id == getattr(asset, "pk", None)
            and type(self).objects.filter(pk=self.pk, status=self.Status.APPROVED).exists()
        )


class HarmLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class HarmTo(models.TextChoices):
    INDIVIDUALS = "individuals", "Individuals"
    GROUPS = "groups", "Groups"
    SOCIETY = "society", "Society"


class HarmKind(models.TextChoices):
    HARM = "harm", "Harm"
    BENEFIT = "benefit", "Benefit"


class HarmScale(models.TextChoices):
    """How many people it reaches (ISO/IEC 42005 asks for scale beside severity)."""

    FEW = "few", "A few people"
    MANY = "many", "Many people"
    WIDESPREAD = "widespread", "Widespread (a population, a market, society)"


class Reversibility(models.TextChoices):
    REVERSIBLE = "reversible", "Reversible"
    HARD = "hard", "Hard to reverse"
    IRREVERSIBLE = "irreversible", "Irreversible"


def harm_is_significant(harm: dict) -> bool:
    """A harm that belongs in the risk register: high severity, a likely medium one, or an
    irreversible one that is not low."""
    if harm.get("kind", HarmKind.HARM) != HarmKind.HARM:
        return False
    severity, likelihood = harm.get("severity"), harm.get("likelihood")
    return (
        severity == HarmLevel.HIGH
        or (severity == HarmLevel.MEDIUM and likelihood == HarmLevel.HIGH)
        or (harm.get("reversibility") == Reversibility.IRREVERSIBLE and severity != HarmLevel.LOW)
    )


class ImpactAssessment(TenantModel):
    """An AI impact assessment (ISO 42001 6.1.4, 8.4) with the EU AI Act screens.

    Approved assessments are immutable (a database trigger refuses any UPDATE but the one that
    marks it superseded by a newer approved assessment, and refuses DELETE).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"

    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    change_request = models.ForeignKey(
        AIChangeRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="impact_assessments",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    intended_purpose = models.TextField(blank=True)
    affected_people = models.TextField("People and groups affected", blank=True)
    foreseeable_misuse = models.TextField(blank=True)
    harms = models.JSONField(
        default=list,
        blank=True,
        help_text='Harms and benefits, any number per affected party: [{"kind": "harm|benefit", '
        '"to": "individuals|groups|society", "party": "...", "description": "...", '
        '"severity": "low|medium|high", "likelihood": "low|medium|high", '
        '"scale": "few|many|widespread", "reversibility": "reversible|hard|irreversible", '
        '"vulnerable_groups": "...", "jurisdiction": "..."}]',
    )
    environmental_effects = models.TextField(
        "Environmental effects (energy, water, hardware)", blank=True
    )
    reassessment_triggers = models.TextField(
        "What makes us reassess it",
        blank=True,
        help_text="A new model version, a new purpose or population, an incident, drift…",
    )
    reassess_by = models.DateField("Reassess by", null=True, blank=True)
    human_oversight_measures = models.TextField(blank=True)
    transparency_measures = models.TextField("Transparency to affected people", blank=True)
    data_quality_notes = models.TextField("Data quality and provenance", blank=True)
    prohibited_practices = ArrayField(
        models.CharField(max_length=40, choices=ProhibitedPractice.choices),
        default=list,
        blank=True,
    )
    prohibition_exceptions = ArrayField(
        models.CharField(max_length=30, choices=ProhibitionException.choices),
        default=list,
        blank=True,
        help_text="The exceptions Art. 5 itself makes; ticked, that practice does not block.",
    )
    # Who the organisation is for this system (EU AI Act Art. 3, 25), prefilled from the asset.
    ai_act_role = models.CharField(
        "Our role for this system",
        max_length=15,
        choices=OperatorRole.choices,
        default=OperatorRole.DEPLOYER,
    )
    art25_triggers = ArrayField(
        models.CharField(max_length=30, choices=Art25Trigger.choices),
        default=list,
        blank=True,
        help_text="Art. 25(1): any of these makes a deployer, importer or distributor of a "
        "high-risk system its provider.",
    )
    gpai = models.CharField(
        "General-purpose AI",
        max_length=15,
        choices=GPAIRelation.choices,
        default=GPAIRelation.NONE,
    )
    gpai_systemic_risk = models.BooleanField(
        "The general-purpose AI model has systemic risk (Art. 51)", default=False
    )
    annex_i_product = models.BooleanField(
        "Safety component of, or itself, a product under Annex I legislation needing "
        "third-party conformity assessment (Art. 6(1))",
        default=False,
    )
    annex_iii_use_cases = ArrayField(
        models.CharField(max_length=2, choices=AnnexIIIUseCase.choices),
        default=list,
        blank=True,
    )
    derogation_conditions = ArrayField(
        models.CharField(max_length=25, choices=DerogationCondition.choices),
        default=list,
        blank=True,
    )
    profiles_people = models.BooleanField(
        "It profiles natural persons (always high risk under Art. 6(3))", default=False
    )
    derogation_documentation = models.TextField(
        "Why it is not high risk (Art. 6(4) assessment)", blank=True
    )
    # Derived from the use cases (Annex III points), never ticked alone.
    high_risk_areas = ArrayField(
        models.CharField(max_length=30, choices=HighRiskArea.choices),
        default=list,
        blank=True,
        editable=False,
    )
    transparency_duties = ArrayField(
        models.CharField(max_length=30, choices=TransparencyDuty.choices),
        default=list,
        blank=True,
    )
    risk_tier = models.CharField(
        max_length=10, choices=Tier.choices, default=Tier.MINIMAL, editable=False
    )
    obligations = ArrayField(models.TextField(), default=list, blank=True, editable=False)
    # The classification's output: its reasons (each citing its article), the role it ends in,
    # the Art. 27 trigger and the obligations as data (article, text, date and its source).
    classification_reasons = ArrayField(
        models.TextField(), default=list, blank=True, editable=False
    )
    effective_role = models.CharField(
        max_length=15, choices=OperatorRole.choices, default=OperatorRole.DEPLOYER, editable=False
    )
    fria_required = models.BooleanField(default=False, editable=False)
    obligation_items = models.JSONField(default=list, blank=True, editable=False)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset"],
                condition=Q(status="approved"),
                name="impactassessment_one_approved_per_asset",
            )
        ]
        indexes = [models.Index(fields=["organization", "asset", "status"])]

    def __str__(self) -> str:
        return f"AI impact assessment of {self.asset_id} ({self.get_status_display()})"
