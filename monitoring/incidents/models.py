"""AI and information-security incidents (ISO 27001 A.5.24–5.28, 6.8; ISO 42001 A.3.3,
A.8.3–8.4), their legal reporting clocks, evidence and the public concern channel.

An incident is reported (by staff, an integration or the public concern form), triaged,
investigated and closed with its lessons learned. Its reporting clocks (clocks.py) run from
`aware_at`, the moment the organisation became aware; each clock keeps when and to whom the
report went. Evidence files keep their SHA-256 so that what was collected can be shown
unchanged (A.5.28).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from isms.choices import DataCategory
from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel
from monitoring.incidents.clocks import Regime, SeriousIncident

User = settings.AUTH_USER_MODEL


class IncidentSettings(TenantModel):
    """Per-organisation settings the clocks need (one row per organisation)."""

    time_zone = models.CharField(
        max_length=64,
        default="Europe/Brussels",
        help_text="Day-based reporting periods end at midnight in this time zone.",
    )
    nis2_in_scope = models.BooleanField(
        "In scope of NIS2",
        default=False,
        help_text="An essential or important entity under NIS2: significant incidents start "
        "the Art. 23 clocks.",
    )
    eu_ai_act_deployer = models.BooleanField(
        "We deploy (not provide) our high-risk AI systems",
        default=True,
        help_text="A deployer informs the provider first (EU AI Act Art. 26(5)).",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "incident settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="incidentsettings_one_per_org")
        ]

    def __str__(self) -> str:
        return "Incident settings"


class Category(models.TextChoices):
    HARMFUL_OUTPUT = "harmful_output", "Harmful output"
    BIASED_OUTPUT = "biased_output", "Biased or discriminatory output"
    WRONG_OUTPUT = "wrong_output", "Wrong output (hallucination, error)"
    DATA_LEAK = "data_leak", "Personal or confidential data leaking through an AI system"
    PROMPT_INJECTION = "prompt_injection", "Prompt injection or jailbreak"
    MALFUNCTION = "malfunction", "Malfunction or drift"
    SUPPLIER_MODEL_CHANGE = "supplier_model_change", "Supplier changed or lost its model"
    MISUSE = "misuse", "Misuse of an AI system"
    SECURITY = "security", "Information security incident (not AI-specific)"
    OTHER = "other", "Other"


AI_CATEGORIES = frozenset(c for c in Category.values if c not in {"security", "other"})


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Status(models.TextChoices):
    REPORTED = "reported", "Reported (awaiting triage)"
    INVESTIGATING = "investigating", "Investigating"
    CONTAINED = "contained", "Contained"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed (not an incident)"


class Source(models.TextChoices):
    STAFF = "staff", "Staff"
    INTEGRATION = "integration", "Integration (API)"
    CONCERN = "concern", "Public concern form"
    MONITORING = "monitoring", "Monitoring check"


class Incident(TenantModel):
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=30, choices=Category.choices, default=Category.OTHER)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.REPORTED)
    source = models.CharField(
        max_length=15, choices=Source.choices, default=Source.STAFF, editable=False
    )
    aware_at = models.DateTimeField(
        "Became aware at", help_text="The moment the organisation became aware: clocks run from it."
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who handles the incident (set at triage).",
    )
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    reporter_label = models.CharField(max_length=200, blank=True, editable=False)
    check_run = models.ForeignKey(
        "monitoring_checks.CheckRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="Raised from check run",
        help_text="The failing monitoring check run this incident was raised from.",
    )
    reporter_contact = models.CharField(
        max_length=200, blank=True, help_text="How to reach a public reporter, if they said."
    )
    data_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices), default=list, blank=True
    )
    personal_data_breach = models.BooleanField(
        "Personal data breach",
        default=False,
        help_text="Personal data was destroyed, lost, altered or disclosed: GDPR Art. 33 applies.",
    )
    serious_incident = models.CharField(
        "EU AI Act serious incident",
        max_length=12,
        choices=SeriousIncident.choices,
        default=SeriousIncident.NONE,
    )
    nis2_significant = models.BooleanField(
        "Significant incident under NIS2",
        default=False,
        help_text="Counts only where the organisation is in scope of NIS2 (settings).",
    )
    containment = models.TextField("Containment and immediate correction", blank=True)
    suspended = models.BooleanField("Affected systems suspended", default=False, editable=False)
    suspension_reason = models.TextField(blank=True, editable=False)
    lessons_learned = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    assets = models.ManyToManyField(
        "assets.Asset", through="IncidentAsset", related_name="+", blank=True
    )
    suppliers = models.ManyToManyField(
        "suppliers.Supplier", through="IncidentSupplier", related_name="+", blank=True
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-aware_at", "-id"]
        constraints = [
            # Closure requires lessons learned (ISO 27001 A.5.27), in the database too.
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(lessons_learned=""),
                name="incident_closed_has_lessons",
            ),
            # Raising twice from one check run gives one incident (services rely on it).
            models.UniqueConstraint(
                fields=["organization", "check_run"],
                condition=Q(check_run__isnull=False),
                name="incident_one_per_check_run",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "category"]),
            models.Index(fields=["organization", "severity"]),
            models.Index(fields=["organization", "aware_at"]),
            models.Index(fields=["organization", "owner"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incident_detail", args=[self.organization.slug, self.pk])

    @property
    def data_category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(c, c)) for c in self.data_categories]

    @property
    def is_ai(self) -> bool:
        return self.category in AI_CATEGORIES

    @property
    def is_open(self) -> bool:
        return self.status not in {Status.CLOSED, Status.DISMISSED}


class IncidentUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)


class IncidentAsset(TenantModel):
    """An affected asset, with what it was at the time (model version, lifecycle stage)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    model_version = models.CharField(max_length=100, blank=True, editable=False)
    lifecycle_at_time = models.CharField(max_length=15, blank=True, editable=False)
    suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "incident", "asset"], name="incidentasset_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "asset"])]

    def __str__(self) -> str:
        return f"Asset {self.asset_id} in incident {self.incident_id}"


class IncidentSupplier(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="supplier_links")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "incident", "supplier"], name="incidentsupplier_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Supplier {self.supplier_id} in incident {self.incident_id}"


class TimelineEntry(TenantModel):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATUS = "status", "Status change"
        DECISION = "decision", "Decision"
        REPORT = "report", "Report sent"
        EVIDENCE = "evidence", "Evidence added"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    author_label = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["organization", "incident", "at"])]

    def __str__(self) -> str:
        return self.text[:60]


def evidence_upload_to(instance, filename: str) -> str:
    """org-<id>/incident-evidence/<random><.ext>: never the client's file name."""
    from monitoring.incidents.uploads import storage_name

    return storage_name(instance.organization_id, "incident-evidence", filename)


class IncidentEvidence(TenantModel):
    """A prompt, output, log or screenshot kept for A.5.28, with the SHA-256 of its bytes."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField(max_length=300, blank=True)
    uploaded_by_label = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]
        verbose_name_plural = "incident evidence"
        indexes = [models.Index(fields=["organization", "incident"])]

    def __str__(self) -> str:
        return self.original_name


class ReportingClock(TenantModel):
    """One legal deadline of one incident; `reported_at`/`recipient` say when and to whom."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="clocks")
    regime = models.CharField(max_length=20, choices=Regime.choices)
    article = models.CharField(max_length=40, editable=False)
    due_at = models.DateTimeField(editable=False)
    recipient = models.CharField(max_length=200, blank=True)
    initial_report_allowed = models.BooleanField(default=False, editable=False)
    initial_reported_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    reference = models.CharField(max_length=200, blank=True, help_text="The authority's reference.")
    not_required_reason = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "incident", "regime"], name="reportingclock_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "reported_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_regime_display()} for incident {self.incident_id}"

    @property
    def is_done(self) -> bool:
        return self.reported_at is not None or bool(self.not_required_reason)

    @property
    def first_report_at(self):
        return self.initial_reported_at or self.reported_at


class ConcernChannel(TenantModel):
    """The organisation's public link for AI concerns. Only the token's SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)
    label = models.CharField(max_length=200, default="Public AI concern form")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Concern link {self.token_prefix}…"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None


class ConcernTokenIndex(models.Model):
    """token hash → (organisation, channel): read before any tenant is known.

    Not a TenantModel on purpose (no row-level security): the public form has no organisation
    until its token names one. It holds only the hash and two ids.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(
        "isms.Organization", on_delete=models.CASCADE, related_name="+"
    )
    channel_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"concern token for channel {self.channel_id}"
