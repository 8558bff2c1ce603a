"""The asset register (controls 5.9, 5.12): AI and conventional assets, their dependencies,
responsible-AI evaluations, and the per-object grants that let an owner edit their assets.

AI details live as columns on Asset rather than in a one-to-one table: the list filters and
columns (risk tier, human oversight) need them without a join, the API/CSV/upsert deal with one
flat row, and the audit trail records every change of an asset on one table, so the asset's
history tab is complete. They are blank for conventional types.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.choices import DataCategory
from isms.fields import EditableFields
from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel
from isms.uploads import storage_name


class AssetType(models.TextChoices):
    AI_MODEL = "ai_model", "AI model"
    AI_SYSTEM = "ai_system", "AI system"
    TRAINING_DATASET = "training_dataset", "Dataset (training)"
    EVALUATION_DATASET = "evaluation_dataset", "Dataset (evaluation)"
    KNOWLEDGE_BASE = "knowledge_base", "Dataset (retrieval / knowledge base)"
    PROMPT = "prompt", "Prompt or prompt library"
    AI_SAAS_TOOL = "ai_saas_tool", "AI SaaS tool"
    AI_API = "ai_api", "AI API or integration"
    AI_AGENT = "ai_agent", "AI agent"
    AI_OUTPUT = "ai_output", "AI output"
    APPLICATION = "application", "Application"
    DATABASE = "database", "Database"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    SERVICE = "service", "Service"


CONVENTIONAL_TYPES = frozenset(
    {AssetType.APPLICATION, AssetType.DATABASE, AssetType.INFRASTRUCTURE, AssetType.SERVICE}
)
AI_TYPES = frozenset(set(AssetType.values) - set(CONVENTIONAL_TYPES))


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class Lifecycle(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PILOT = "pilot", "Pilot"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


class HumanOversight(models.TextChoices):
    IN_THE_LOOP = "in_the_loop", "Human-in-the-loop"
    ON_THE_LOOP = "on_the_loop", "Human-on-the-loop"
    NONE = "none", "None"


class AffectedGroup(models.TextChoices):
    EMPLOYEES = "employees", "Employees"
    CUSTOMERS = "customers", "Customers"
    PUBLIC = "public", "The public"


class ProviderTraining(models.TextChoices):
    NO = "no", "No"
    YES = "yes", "Yes"
    OPTED_OUT = "opted_out", "Yes by default, opted out"
    UNKNOWN = "unknown", "Unknown"


class EUAIActRole(models.TextChoices):
    PROVIDER = "provider", "Provider"
    DEPLOYER = "deployer", "Deployer"
    IMPORTER = "importer", "Importer"
    DISTRIBUTOR = "distributor", "Distributor"


class RiskTier(models.TextChoices):
    UNASSESSED = "unassessed", "Not yet assessed"
    MINIMAL = "minimal", "Minimal"
    LIMITED = "limited", "Limited (transparency)"
    HIGH = "high", "High"
    PROHIBITED = "prohibited", "Prohibited"


class Source(models.TextChoices):
    REGISTER = "register", "Entered in the register"
    SHADOW_REPORT = "shadow_report", "Reported as shadow AI"
    INTEGRATION = "integration", "Integration (API upsert)"
    IMPORT = "import", "CSV import"


class Triage(models.TextChoices):
    NONE = "", "Not a report"
    PENDING = "pending", "Awaiting triage"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class Asset(TenantModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    asset_type = models.CharField("Type", max_length=30, choices=AssetType.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The one accountable owner: an active member of this organisation.",
    )
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Optional: who runs it day to day on the owner's behalf.",
    )
    classification = models.CharField(
        max_length=15, choices=Classification.choices, default=Classification.INTERNAL
    )
    lifecycle = models.CharField(
        "Lifecycle stage", max_length=15, choices=Lifecycle.choices, default=Lifecycle.PROPOSED
    )
    data_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices), default=list, blank=True
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer_facing = models.BooleanField(
        default=False, help_text="Customers or the public see or use it (not only staff)."
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    external_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The id in the system an integration syncs from (e.g. an SSO app id).",
    )
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    # AI details (blank for conventional types)
    intended_purpose = models.TextField(blank=True)
    known_limitations = models.TextField(blank=True)
    human_oversight = models.CharField(max_length=15, choices=HumanOversight.choices, blank=True)
    affected_groups = ArrayField(
        models.CharField(max_length=15, choices=AffectedGroup.choices), default=list, blank=True
    )
    model_provider = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    provider_trains_on_our_data = models.CharField(
        "May the provider train on our data?",
        max_length=15,
        choices=ProviderTraining.choices,
        blank=True,
    )
    eu_ai_act_role = models.CharField(
        "EU AI Act role", max_length=15, choices=EUAIActRole.choices, blank=True
    )
    risk_tier = models.CharField(
        max_length=15,
        choices=RiskTier.choices,
        default=RiskTier.UNASSESSED,
        editable=False,
        help_text="Set by the AI impact assessment.",
    )
    concern_contact = models.CharField(
        "Contact for concerns",
        max_length=200,
        blank=True,
        help_text="Where affected people raise a concern (an address or a team).",
    )
    transparency_notice_url = models.URLField("Transparency notice (link)", blank=True)
    transparency_notice_text = models.TextField("Transparency notice (text)", blank=True)
    # The AI change gate reopened: a material edit (model or version, data categories,
    # supplier, intended purpose) of an AI asset in pilot or production needs a new approved
    # AI change request; set by assets.services, cleared by that request's approval.
    change_required_since = models.DateTimeField(null=True, blank=True, editable=False)
    change_required_reason = models.CharField(max_length=300, blank=True, editable=False)

    # Provenance and shadow-AI triage
    source = models.CharField(
        max_length=20, choices=Source.choices, default=Source.REGISTER, editable=False
    )
    triage_status = models.CharField(
        max_length=10, choices=Triage.choices, default=Triage.NONE, blank=True, editable=False
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reported_users = models.CharField("Who uses it", max_length=300, blank=True)
    reported_data = models.TextField("What data goes in", blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)
    triage_reason = models.TextField(blank=True, editable=False)

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
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="asset_unique_external_id",
            ),
            # No owner, no asset: only a shadow-AI report awaiting triage (or dismissed) lacks one.
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(triage_status__in=["pending", "dismissed"]),
                name="asset_owner_required",
            ),
        ]
        # Index plan: every list filter is "organisation + one column", so each composite
        # index leads with organization; data categories and tags are arrays (GIN, the
        # tenant filter is applied by the btree indexes / RLS alongside).
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "asset_type"]),
            # The register always leaves out shadow-AI reports awaiting triage: with the
            # triage status in the index, counting a lifecycle (production: two thirds of
            # bench-large's 10,000 assets) is an index-only scan, 0.8 ms against 19 ms.
            models.Index(fields=["organization", "lifecycle", "triage_status"]),
            models.Index(fields=["organization", "classification"]),
            models.Index(fields=["organization", "owner"]),
            models.Index(fields=["organization", "supplier"]),
            models.Index(fields=["organization", "risk_tier"]),
            models.Index(fields=["organization", "last_reviewed_at"]),
            models.Index(fields=["organization", "triage_status"]),
            GinIndex(fields=["data_categories"], name="asset_data_categories_gin"),
        ]
        permissions = [("record_evaluation", "Can record responsible-AI evaluations")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ai(self) -> bool:
        return self.asset_type in AI_TYPES

    @property
    def data_category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [labels.get(c, c) for c in self.data_categories]

    @property
    def in_register(self) -> bool:
        return self.triage_status in (Triage.NONE, Triage.ACCEPTED)


# The editable fields: the form, the API's writable fields and the spreadsheet columns derive
# from this one declaration (tests/isms/test_fields.py ties them).
ASSET_EDITABLE = EditableFields(
    Asset,
    (
        "name",
        "asset_type",
        "description",
        "owner",
        "custodian",
        "classification",
        "lifecycle",
        "data_categories",
        "supplier",
        "customer_facing",
        "tags",
        "external_id",
        "last_reviewed_at",
        "intended_purpose",
        "known_limitations",
        "human_oversight",
        "affected_groups",
        "model_provider",
        "model_version",
        "provider_trains_on_our_data",
        "eu_ai_act_role",
        "concern_contact",
        "transparency_notice_url",
        "transparency_notice_text",
    ),
    table_names={"owner": "owner_email", "custodian": "custodian_email"},
)


class DependencyKind(models.TextChoices):
    TRAINED_ON = "trained_on", "trained on"
    USES = "uses", "uses"
    RETRIEVES_FROM = "retrieves_from", "retrieves from"
    FEEDS = "feeds", "is fed by"
    HOSTED_ON = "hosted_on", "hosted on"


class AssetDependency(TenantModel):
    """`asset` depends on `depends_on`; `kind` says how ("the model is trained on the dataset";
    for FEEDS, "the dataset feeds the model"). Cycles are refused by the service."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="dependents")
    kind = models.CharField(max_length=20, choices=DependencyKind.choices)
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset", "depends_on", "kind"],
                name="assetdependency_unique_edge",
            ),
            models.CheckConstraint(
                condition=~Q(asset=models.F("depends_on")), name="assetdependency_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "asset"]),
            models.Index(fields=["organization", "depends_on"]),
        ]

    def __str__(self) -> str:
        return self.sentence()

    def sentence(self) -> str:
        if self.kind == DependencyKind.FEEDS:
            return f"{self.depends_on} feeds {self.asset}"
        return f"{self.asset} {self.get_kind_display()} {self.depends_on}"


class EvaluationKind(models.TextChoices):
    BIAS = "bias", "Bias / fairness"
    ACCURACY = "accuracy", "Accuracy / performance"
    ROBUSTNESS = "robustness", "Robustness"


def evaluation_evidence_path(instance: ResponsibleAIEvaluation, filename: str) -> str:
    return storage_name(instance.organization_id, "assets/evaluations", filename)


class ResponsibleAIEvaluation(TenantModel):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(max_length=15, choices=EvaluationKind.choices)
    performed_on = models.DateField()
    method = models.TextField(help_text="How it was evaluated: data set, metric, tool.")
    result = models.TextField(help_text="What was found, with figures.")
    passed = models.BooleanField(help_text="Did the result meet the acceptance criterion?")
    evidence = models.FileField(upload_to=evaluation_evidence_path, blank=True, max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["organization", "asset", "performed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} evaluation of {self.asset} on {self.performed_on}"


class AssetUserObjectPermission(TenantUserObjectPermission):
    """guardian's direct foreign-key grants on assets (moved with the owner by AssetPolicy)."""

    content_object = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]
