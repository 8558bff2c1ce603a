"""Risk criteria, risks, their treatment actions and acceptances."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q, TextChoices
from django.utils import timezone

from isms.fields import EditableFields
from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel
from risks.models.change import HarmTo  # who an AI risk could harm (ISO/IEC 42001 6.1.4)

DEFAULT_LIKELIHOOD_LABELS = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
DEFAULT_IMPACT_LABELS = ["Negligible", "Minor", "Moderate", "Major", "Severe"]


def default_likelihood_labels() -> list[str]:
    return list(DEFAULT_LIKELIHOOD_LABELS)


def default_impact_labels() -> list[str]:
    return list(DEFAULT_IMPACT_LABELS)


# What each default level means, in words and an example, so two assessors score alike
# (ISO/IEC 27001:2022 6.1.2 b: results that are consistent, valid and comparable). Our own
# words; an organisation edits them with its criteria.
DEFAULT_LIKELIHOOD_DEFINITIONS = [
    {
        "meaning": "Not expected in the next five years; it would take an unusual chain of events.",
        "example": "A vendor's model weights leak and reveal our fine-tuning data.",
    },
    {
        "meaning": "Could happen in the next five years; it has happened elsewhere in our sector.",
        "example": "An AI supplier changes its terms to train on customer prompts.",
    },
    {
        "meaning": "Could happen within a year or two; conditions for it exist today.",
        "example": "Someone pastes a customer list into a public chat assistant.",
    },
    {
        "meaning": "Expected within a year; it has happened here before or nearly did.",
        "example": "A generated answer with a factual error reaches a customer.",
    },
    {
        "meaning": "Expected within months, or it is happening now.",
        "example": "Staff use unapproved AI tools every week.",
    },
]
DEFAULT_IMPACT_DEFINITIONS = [
    {
        "meaning": "No lasting effect; fixed within a day by the team that noticed.",
        "example": "An internal draft summary is wrong and is corrected before use.",
    },
    {
        "meaning": "A small, contained effect on one team or a few people; no regulator or "
        "customer involved.",
        "example": "One customer's ticket is summarised into the wrong internal queue.",
    },
    {
        "meaning": "Customers or staff are affected; a contract or a legal duty may be "
        "breached; recovery takes days.",
        "example": "Personal data of some customers reaches an AI supplier without a contract.",
    },
    {
        "meaning": "Many people or a whole service affected; regulators or key customers "
        "must be told; recovery takes weeks.",
        "example": "A model denies service to a group of customers unfairly for a month.",
    },
    {
        "meaning": "Harm to people's rights, health or livelihood, or a threat to the "
        "business; recovery takes months or may not be possible.",
        "example": "A prohibited AI practice is used on job candidates.",
    },
]


def default_likelihood_definitions() -> list[dict]:
    return [dict(d) for d in DEFAULT_LIKELIHOOD_DEFINITIONS]


def default_impact_definitions() -> list[dict]:
    return [dict(d) for d in DEFAULT_IMPACT_DEFINITIONS]


class ScoreBand(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class RiskCriteria(TenantModel):
    """How this organisation measures risk (6.1.2): the matrix, the bands and its appetite.

    One row per organisation, created with the organisation (isms.signals). A score is
    likelihood × impact; a band starts at its threshold; a score above the acceptance
    threshold is above appetite (accepting it needs `risks:accept_above_appetite`).
    """

    likelihood_labels = ArrayField(
        models.CharField(max_length=40), default=default_likelihood_labels
    )
    impact_labels = ArrayField(models.CharField(max_length=40), default=default_impact_labels)
    # One {"meaning", "example"} per level, lowest first (as many as the labels).
    # (db_default too: an insert that omits them, e.g. an earlier data migration, gets them.)
    likelihood_definitions = models.JSONField(
        default=default_likelihood_definitions, db_default=DEFAULT_LIKELIHOOD_DEFINITIONS
    )
    impact_definitions = models.JSONField(
        default=default_impact_definitions, db_default=DEFAULT_IMPACT_DEFINITIONS
    )
    medium_from = models.PositiveSmallIntegerField(default=5)
    high_from = models.PositiveSmallIntegerField(default=10)
    critical_from = models.PositiveSmallIntegerField(default=16)
    acceptance_threshold = models.PositiveSmallIntegerField(
        "Risk appetite (highest acceptable score)",
        default=9,
        help_text="Scores above this are above appetite: they must be treated, or accepted "
        "by top management.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "risk criteria"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="riskcriteria_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Risk criteria ({self.likelihood_levels}×{self.impact_levels})"

    @property
    def likelihood_levels(self) -> int:
        return len(self.likelihood_labels)

    @property
    def impact_levels(self) -> int:
        return len(self.impact_labels)

    @property
    def max_score(self) -> int:
        return self.likelihood_levels * self.impact_levels

    @staticmethod
    def _levels(labels: list[str], definitions: list[dict]) -> list[dict]:
        defined = list(definitions or [])
        return [
            {
                "level": i,
                "label": label,
                "meaning": (defined[i - 1] if i <= len(defined) else {}).get("meaning", ""),
                "example": (defined[i - 1] if i <= len(defined) else {}).get("example", ""),
            }
            for i, label in enumerate(labels, start=1)
        ]

    @property
    def likelihood_scale(self) -> list[dict]:
        """[{level, label, meaning, example}] lowest first."""
        return self._levels(self.likelihood_labels, self.likelihood_definitions)

    @property
    def impact_scale(self) -> list[dict]:
        return self._levels(self.impact_labels, self.impact_definitions)

    def band(self, score: int | None) -> str:
        if score is None:
            return ""
        if score >= self.critical_from:
            return ScoreBand.CRITICAL
        if score >= self.high_from:
            return ScoreBand.HIGH
        if score >= self.medium_from:
            return ScoreBand.MEDIUM
        return ScoreBand.LOW

    def band_range(self, band: str) -> tuple[int, int]:
        """(lowest, highest) score of a band."""
        return {
            ScoreBand.LOW: (1, self.medium_from - 1),
            ScoreBand.MEDIUM: (self.medium_from, self.high_from - 1),
            ScoreBand.HIGH: (self.high_from, self.critical_from - 1),
            ScoreBand.CRITICAL: (self.critical_from, self.max_score),
        }[band]

    def above_appetite(self, score: int | None) -> bool:
        return score is not None and score > self.acceptance_threshold


class RiskCategory(models.TextChoices):
    DATA_LEAKAGE = "data_leakage", "Data leakage"
    PRIVACY = "privacy", "Privacy"
    BIAS = "bias_fairness", "Bias and fairness"
    HARMFUL_OUTPUT = "harmful_output", "Incorrect or harmful output"
    PROMPT_INJECTION = "prompt_injection", "Prompt injection and model abuse"
    INTELLECTUAL_PROPERTY = "intellectual_property", "Intellectual property"
    SUPPLIER_DEPENDENCY = "supplier_dependency", "Supplier dependency"
    REGULATORY = "regulatory", "Regulatory"
    TRANSPARENCY = "transparency", "Transparency"
    OVER_RELIANCE = "over_reliance", "Over-reliance on automation"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    INTEGRITY = "integrity", "Integrity"
    AVAILABILITY = "availability", "Availability"


class TreatmentOption(models.TextChoices):
    MITIGATE = "mitigate", "Mitigate"
    ACCEPT = "accept", "Accept"
    TRANSFER = "transfer", "Transfer"
    AVOID = "avoid", "Avoid"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    TREATING = "treating", "In treatment"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


class SecurityProperty(TextChoices):
    """What a risk threatens (6.1.2 c 1: loss of confidentiality, integrity, availability)."""

    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    INTEGRITY = "integrity", "Integrity"
    AVAILABILITY = "availability", "Availability"


class Risk(TenantModel):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=30, choices=RiskCategory.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The risk owner: an active member accountable for its treatment.",
    )
    inherent_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    treatment = models.CharField(
        "Treatment option", max_length=10, choices=TreatmentOption.choices, blank=True
    )
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review_date = models.DateField(null=True, blank=True)
    # The risk owner's approval of the treatment plan (ISO/IEC 27001:2022 6.1.3 f), kept apart
    # from the treatment option and from any acceptance of the residual risk.
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="Treatment plan approved by",
    )
    plan_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    plan_approved_treatment = models.CharField(
        max_length=10, choices=TreatmentOption.choices, blank=True, editable=False
    )
    assets = models.ManyToManyField(
        "assets.Asset", through="RiskAsset", related_name="+", blank=True
    )
    suppliers = models.ManyToManyField(
        "suppliers.Supplier", through="RiskSupplier", related_name="+", blank=True
    )
    controls = models.ManyToManyField(
        "isms.Control", through="RiskControl", related_name="+", blank=True
    )
    # What the risk threatens, so that risks are comparable (6.1.2; ISO/IEC 42001 6.1.4).
    threatens = ArrayField(
        models.CharField(max_length=16, choices=SecurityProperty.choices),
        default=list,
        blank=True,
        verbose_name="Threatens",
        help_text="The confidentiality, integrity or availability of information it threatens.",
    )
    harm_to = ArrayField(
        models.CharField(max_length=12, choices=HarmTo.choices),
        default=list,
        blank=True,
        verbose_name="AI harm to",
        help_text="For an AI risk: who could be harmed (individuals, groups, society).",
    )
    source_gap = models.ForeignKey(
        "suppliers.SupplierAnswer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The supplier-assessment gap this risk was created from.",
    )
    source_assessment = models.ForeignKey(
        "risks.ImpactAssessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The AI impact assessment whose harm this risk was created from.",
    )
    source_harm = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, help_text="Which harm of that assessment (0-based)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source_gap"],
                condition=Q(source_gap__isnull=False),
                name="risk_unique_source_gap",
            ),
            models.UniqueConstraint(
                fields=["organization", "source_assessment", "source_harm"],
                condition=Q(source_assessment__isnull=False),
                name="risk_unique_source_harm",
            ),
            models.CheckConstraint(
                condition=Q(inherent_likelihood__isnull=True, inherent_impact__isnull=True)
                | Q(inherent_likelihood__isnull=False, inherent_impact__isnull=False),
                name="risk_inherent_both_or_neither",
            ),
            # The scores are stored for filtering and indexing; the database keeps them true.
            models.CheckConstraint(
                condition=Q(inherent_score__isnull=True, inherent_likelihood__isnull=True)
                | Q(inherent_score=F("inherent_likelihood") * F("inherent_impact")),
                name="risk_inherent_score_is_product",
            ),
            models.CheckConstraint(
                condition=Q(residual_score__isnull=True, residual_likelihood__isnull=True)
                | Q(residual_score=F("residual_likelihood") * F("residual_impact")),
                name="risk_residual_score_is_product",
            ),
            models.CheckConstraint(
                condition=Q(residual_likelihood__isnull=True, residual_impact__isnull=True)
                | Q(residual_likelihood__isnull=False, residual_impact__isnull=False),
                name="risk_residual_both_or_neither",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "category"]),
            models.Index(fields=["organization", "owner"]),
            models.Index(fields=["organization", "inherent_score"]),
            models.Index(fields=["organization", "residual_score"]),
            models.Index(fields=["organization", "next_review_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def score(likelihood: int | None, impact: int | None) -> int | None:
        if likelihood is None or impact is None:
            return None
        return likelihood * impact

    def save(self, *args, **kwargs):
        self.inherent_score = self.score(self.inherent_likelihood, self.inherent_impact)
        self.residual_score = self.score(self.residual_likelihood, self.residual_impact)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "inherent_score", "residual_score"}
        super().save(*args, **kwargs)

    @property
    def threatens_labels(self) -> list[str]:
        labels = dict(SecurityProperty.choices)
        return [labels.get(v, v) for v in self.threatens]

    @property
    def harm_to_labels(self) -> list[str]:
        labels = dict(HarmTo.choices)
        return [labels.get(v, v) for v in self.harm_to]

    @property
    def is_assessed(self) -> bool:
        return self.inherent_likelihood is not None and self.inherent_impact is not None

    @property
    def current_score(self) -> int | None:
        if self.residual_likelihood is not None:
            return self.residual_likelihood * self.residual_impact
        if self.inherent_likelihood is not None:
            return self.inherent_likelihood * self.inherent_impact
        return None


class RiskUserObjectPermission(TenantUserObjectPermission):
    """Guardian's direct grants on risks: the owner's `change_risk` (isms.policy moves it
    whenever the owner changes). The one mechanism behind a contributor's rights on a risk."""

    content_object = models.ForeignKey(Risk, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]


# The editable fields: the form, the API's writable fields and the spreadsheet columns derive
# from this one declaration (tests/isms/test_fields.py ties them).
RISK_EDITABLE = EditableFields(
    Risk,
    (
        "title",
        "description",
        "category",
        "owner",
        "inherent_likelihood",
        "inherent_impact",
        "residual_likelihood",
        "residual_impact",
        "treatment",
        "next_review_date",
        "assets",
        "suppliers",
        "controls",
        "threatens",
        "harm_to",
    ),
    table_names={"owner": "owner_email"},
)


class RiskAsset(TenantModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "risk", "asset"], name="riskasset_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "asset"])]

    def __str__(self) -> str:
        return f"risk {self.risk_id} → asset {self.asset_id}"


class RiskSupplier(TenantModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="supplier_links")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "risk", "supplier"], name="risksupplier_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "supplier"])]

    def __str__(self) -> str:
        return f"risk {self.risk_id} → supplier {self.supplier_id}"


class RiskControl(TenantModel):
    """A control from the library that treats the risk (feeds the SoA's linked risks)."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="control_links")
    control = models.ForeignKey("isms.Control", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "risk", "control"], name="riskcontrol_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "control"])]

    def __str__(self) -> str:
        return f"risk {self.risk_id} → control {self.control_id}"


class TreatmentAction(TenantModel):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField("What", max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "risk"]),
            models.Index(fields=["organization", "owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)

    @property
    def overdue(self) -> bool:
        """Not done (nor cancelled) and its due date has passed."""
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class RiskAcceptance(TenantModel):
    """The risk owner's acceptance of the residual risk as it stands (ISO/IEC 27001:2022
    6.1.3 f), separate from the treatment option: accepting never changes how the risk is
    treated. Anyone who may change the risk asks; the risk owner decides. Above the
    organisation's appetite a named top-management authority (a membership designation)
    endorses it first; the acceptance keeps who that was and the score they endorsed.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="acceptances")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    rationale = models.TextField()
    expires_on = models.DateField(help_text="The acceptance lapses after this day.")
    score_at_request = models.PositiveSmallIntegerField(null=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True)
    expired_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What was accepted: the score at the owner's decision (the gate counts the acceptance only
    # while the risk still scores this), and whether it was above appetite then.
    accepted_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    above_appetite = models.BooleanField(default=False, editable=False)
    authority = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="Top-management authority",
        help_text="Who endorsed accepting a risk above the organisation's appetite.",
    )
    authority_at = models.DateTimeField(null=True, blank=True, editable=False)
    authority_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "risk"],
                condition=Q(status__in=["requested", "approved"]),
                name="riskacceptance_one_live_per_risk",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "risk"]),
            models.Index(fields=["organization", "status", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"Acceptance of {self.risk_id} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.APPROVED and self.expires_on >= timezone.localdate()

    def covers(self, score: int | None) -> bool:
        """Active, and accepted at this (the current) score: a rescored risk is accepted anew."""
        return self.is_active and self.accepted_score == score
