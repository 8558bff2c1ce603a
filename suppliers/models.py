"""The supplier register (controls 5.19–5.23)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from isms.choices import DataCategory
from isms.fields import EditableFields
from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel
from isms.uploads import storage_name


class Rating(models.TextChoices):
    """The risk a supplier poses, as the latest approved assessment judged it."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


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
    rating = models.CharField(
        max_length=10,
        choices=Rating.choices,
        blank=True,
        help_text="Set from the latest approved assessment.",
    )
    last_assessed_on = models.DateField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Names are unique per organisation regardless of case ("Acme" and "ACME" are one
            # supplier), in the database, so two requests racing past the service's check
            # cannot both insert.
            models.UniqueConstraint(
                F("organization"), Lower("name"), name="supplier_unique_name_ci"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "next_reassessment_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_list(self) -> list:
        """Contacts, from selectors.contacts_prefetch() when a list prefetched them."""
        prefetched = getattr(self, "prefetched_contacts", None)
        return prefetched if prefetched is not None else list(self.contacts.all())

    @property
    def provides_ai(self) -> bool:
        return bool(self.ai_services)

    @property
    def reassessment_overdue(self) -> bool:
        return bool(
            self.next_reassessment_date and self.next_reassessment_date < timezone.localdate()
        )


# The editable fields: the form, the API's writable fields and the spreadsheet columns derive
# from this one declaration (tests/isms/test_fields.py ties them).
SUPPLIER_EDITABLE = EditableFields(
    Supplier,
    (
        "name",
        "website",
        "provides",
        "ai_services",
        "criticality",
        "status",
        "owner",
        "data_categories",
        "next_reassessment_date",
    ),
    table_names={"owner": "owner_email"},
)


# Files live under a path that names the organisation (DESIGN: files include the tenant).
EXPIRING_SOON_DAYS = 60


def _upload_path(kind: str, instance, filename: str) -> str:
    return storage_name(instance.organization_id, f"suppliers/{kind}", filename)


def certificate_upload_to(instance, filename: str) -> str:
    return _upload_path("certificates", instance, filename)


def evidence_upload_to(instance, filename: str) -> str:
    return _upload_path("evidence", instance, filename)


class SupplierUserObjectPermission(TenantUserObjectPermission):
    """guardian's direct foreign-key grants on suppliers: the owner holds change_supplier."""

    content_object = models.ForeignKey(Supplier, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        indexes = [models.Index(fields=["organization", "user"])]


class SupplierContact(TenantModel):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    role = models.CharField(
        max_length=100, blank=True, help_text="e.g. account manager, security contact, DPO"
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "supplier"])]

    def __str__(self) -> str:
        return self.name


class SupplierCertification(TenantModel):
    class Type(models.TextChoices):
        ISO27001 = "iso27001", "ISO/IEC 27001"
        SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
        ISO42001 = "iso42001", "ISO/IEC 42001"
        ISO27701 = "iso27701", "ISO/IEC 27701"
        OTHER = "other", "Other"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certifications")
    type = models.CharField(max_length=20, choices=Type.choices)
    other_name = models.CharField(
        max_length=200, blank=True, help_text="The certification's name when the type is Other."
    )
    issuer = models.CharField(max_length=200, blank=True, help_text="The certification body.")
    scope = models.TextField(blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(
        help_text="A certificate (ISO/IEC 27001, 42001…): its validity date. A SOC 2 Type II "
        "report has none: this is derived, the date until which it is relied on (its period "
        "end plus twelve months, or its bridge letter's date when later)."
    )
    # SOC 2 Type II is an attestation over a period, not a certificate: what is recorded is
    # the period the auditor examined and, for the time since, the supplier's bridge letter.
    period_start = models.DateField("Report period start", null=True, blank=True)
    period_end = models.DateField("Report period end", null=True, blank=True)
    bridge_letter_until = models.DateField(
        "Bridge letter covers until",
        null=True,
        blank=True,
        help_text="SOC 2 only: the date up to which the supplier's bridge letter speaks.",
    )
    file = models.FileField(upload_to=certificate_upload_to, blank=True, max_length=300)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["valid_until"]
        indexes = [models.Index(fields=["organization", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(type="soc2_type2") | Q(period_end__isnull=False),
                name="certification_soc2_has_period_end",
            ),
            models.CheckConstraint(
                condition=Q(type="soc2_type2")
                | Q(period_start__isnull=True, period_end__isnull=True, bridge_letter_until=None),
                name="certification_period_only_for_soc2",
            ),
        ]

    @property
    def is_attestation(self) -> bool:
        """An attestation over a period (SOC 2 Type II), not a certificate with a validity."""
        return self.type == self.Type.SOC2_TYPE2

    def __str__(self) -> str:
        return f"{self.display_name} ({self.supplier_id})"

    @property
    def display_name(self) -> str:
        if self.type == self.Type.OTHER and self.other_name:
            return self.other_name
        return self.get_type_display()

    @property
    def expiry_status(self) -> str:
        """'expired', 'expiring' (within EXPIRING_SOON_DAYS) or 'valid'."""
        today = timezone.localdate()
        if self.valid_until < today:
            return "expired"
        if self.valid_until <= today + timedelta(days=EXPIRING_SOON_DAYS):
            return "expiring"
        return "valid"


class ContractClause(models.TextChoices):
    """The clauses that matter for a supplier contract (ISO 27001 control 5.20; for AI
    suppliers ISO 42001 A.10.2 allocating responsibilities and A.10.3 suppliers)."""

    SECURITY_REQUIREMENTS = "security_requirements", "Security requirements"
    DATA_PROCESSING = "data_processing_agreement", "Data processing agreement"
    NO_TRAINING = "no_training", "No training on our data (or opt-out confirmed)"
    DATA_LOCATION = "data_location", "Data location and residency"
    BREACH_NOTIFICATION = "breach_notification", "Breach notification within stated hours"
    AUDIT_RIGHTS = "audit_rights", "Audit rights"
    SUBPROCESSOR_CHANGES = "subprocessor_changes", "Sub-processor changes notified"
    EXIT_RETURN_DELETION = "exit_return_deletion", "Return and deletion of data at exit"
    CHANGE_NOTICE = "change_notice", "Model or service change notice"
    OUTPUT_OWNERSHIP = "output_ownership", "Ownership of outputs"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    SUBCONTRACTOR_FLOWDOWN = "subcontractor_flowdown", "Obligations flow down to subcontractors"
    CONTINUITY_SERVICE_LEVELS = "continuity_service_levels", "Continuity and service levels"
    TERMINATION_EXIT = "termination_exit", "Termination rights and exit assistance"
    LIABILITY_INDEMNITY = "liability_indemnity", "Liability and indemnity (incl. IP in outputs)"
    AI_RESPONSIBILITIES = "ai_responsibilities", "Allocation of AI responsibilities"
    USE_RESTRICTIONS = "use_restrictions", "Use restrictions on the AI service"
    AI_DOCUMENTATION = "ai_documentation", "AI documentation provided (use, limits, changes)"


class SupplierContractClause(TenantModel):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        MISSING = "missing", "Missing"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="contract_clauses"
    )
    clause = models.CharField(max_length=40, choices=ContractClause.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MISSING)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Where in the contract, e.g. 'MSA §12.3'."
    )
    notification_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Breach notification only: the hours the contract states."
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["supplier_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "supplier", "clause"], name="supplier_clause_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_clause_display()


class QuestionSet(TenantModel):
    """A versioned questionnaire template. Published versions are immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "version"], name="question_set_unique_version"
            ),
            # At most one draft and one published version per question set at any moment:
            # parallel "new version" makes one draft, parallel "publish" publishes once.
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=Q(status="draft"),
                name="question_set_one_draft",
            ),
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=Q(status="published"),
                name="question_set_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Question(TenantModel):
    class Group(models.TextChoices):
        DATA_HANDLING = "data_handling", "Data handling"
        SECURITY = "security", "Security"
        AI_SPECIFICS = "ai_specifics", "AI specifics"
        INCIDENTS = "incidents", "Incidents"
        CONTRACT = "contract", "Contract"

    class AnswerType(models.TextChoices):
        CHOICE = "choice", "Yes / no / partial / not applicable"
        TEXT = "text", "Free text"
        DATE = "date", "Date"

    question_set = models.ForeignKey(
        QuestionSet, on_delete=models.CASCADE, related_name="questions"
    )
    group = models.CharField(max_length=20, choices=Group.choices)
    order = models.PositiveIntegerField(default=0)
    text = models.TextField()
    guidance = models.TextField(blank=True, help_text="Shown to the supplier under the question.")
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    good_answer = models.CharField(
        max_length=3,
        choices=[("yes", "Yes"), ("no", "No")],
        blank=True,
        help_text="Choice questions: the answer that means no gap.",
    )
    max_age_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Date questions: older than this is a gap."
    )
    knockout = models.BooleanField(
        default=False, help_text="A bad answer rates the supplier at least high risk."
    )
    bad_answer_meaning = models.TextField(
        help_text="What a bad answer means for us: the risk it points to."
    )

    class Meta:
        ordering = ["question_set_id", "order", "id"]
        indexes = [models.Index(fields=["organization", "question_set", "order"])]

    def __str__(self) -> str:
        return self.text[:80]


class SupplierAssessment(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent to supplier"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="assessments")
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT)
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who last returned the answers to the supplier for correction.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by_label = models.CharField(max_length=200, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    gap_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "supplier"]),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.supplier} ({self.get_status_display()})"


class AssessmentTransition(TenantModel):
    """Who moved an assessment from one state to another, and when (append-only)."""

    assessment = models.ForeignKey(
        SupplierAssessment, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=15, choices=SupplierAssessment.Status.choices)
    to_status = models.CharField(max_length=15, choices=SupplierAssessment.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["organization", "assessment"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class SupplierAnswer(TenantModel):
    class Choice(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PARTIAL = "partial", "Partial"
        NOT_APPLICABLE = "na", "Not applicable"

    assessment = models.ForeignKey(
        SupplierAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices, blank=True)
    text = models.TextField(blank=True)
    date = models.DateField(null=True, blank=True)
    supplier_note = models.TextField(blank=True, help_text="The supplier's explanation.")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_label = models.CharField(max_length=200, blank=True)
    is_gap = models.BooleanField(default=False)
    gap_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["question__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "assessment", "question"], name="answer_unique_question"
            )
        ]
        indexes = [models.Index(fields=["organization", "assessment", "is_gap"])]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"

    @property
    def display_value(self) -> str:
        if self.choice:
            return self.get_choice_display()
        if self.date:
            return self.date.isoformat()
        return self.text


class AnswerComment(TenantModel):
    """A reviewer's comment on one answer."""

    answer = models.ForeignKey(SupplierAnswer, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["organization", "answer"])]

    def __str__(self) -> str:
        return self.text[:60]


class AssessmentFile(TenantModel):
    """Evidence a supplier (or an officer) attached to an assessment."""

    assessment = models.ForeignKey(
        SupplierAssessment, on_delete=models.CASCADE, related_name="files"
    )
    answer = models.ForeignKey(
        SupplierAnswer, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField(upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by_label = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["organization", "assessment"])]

    def __str__(self) -> str:
        return self.original_name


class SupplierPortalLink(TenantModel):
    """An account-free link to one assessment. Only the token's SHA-256 is stored."""

    assessment = models.ForeignKey(
        SupplierAssessment, on_delete=models.CASCADE, related_name="portal_links"
    )
    token_hash = models.CharField(max_length=64, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False, help_text="To tell links apart.")
    recipient_email = models.EmailField(blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["organization", "assessment"])]

    def __str__(self) -> str:
        return f"Link {self.token_prefix}… for assessment {self.assessment_id}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class PortalTokenIndex(models.Model):
    """token hash → (organisation, link): read before any tenant is known.

    Deliberately not a TenantModel (no row-level security): the portal has no organisation
    until the token names one. It holds nothing but the hash and two ids; the link itself
    is a tenant row, read inside tenant_context() once the organisation is known.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(
        "isms.Organization", on_delete=models.CASCADE, related_name="+"
    )
    link_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"portal token for link {self.link_id}"
