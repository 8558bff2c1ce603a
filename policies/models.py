"""Policies (control 5.1), their immutable versions, and staff acknowledgements.

A Policy is the living record (title, kind, owner, audience, review interval, whether it
covers AI). Its content lives in PolicyVersions, which move through one workflow:

    draft → in review → approved → published → superseded | retired

Once a version leaves review its content is frozen: the services refuse, and a database
trigger (migration 0002) refuses any UPDATE of its content columns and any DELETE, even in
raw SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from isms.access import audience_roles
from isms.fields import EditableFields
from isms.models import Role
from isms.models.grants import TenantUserObjectPermission
from isms.tenancy import TenantModel
from isms.uploads import storage_name


class PolicyKind(models.TextChoices):
    AI_ACCEPTABLE_USE = "ai_acceptable_use", "AI acceptable use"
    INFORMATION_SECURITY = "information_security", "Information security"
    AI_POLICY = "ai_policy", "AI policy"
    AI_LIFECYCLE = "ai_lifecycle", "AI system lifecycle and development"
    AI_DATA = "ai_data", "AI data governance"
    AI_IMPACT = "ai_impact", "AI impact assessment procedure"
    CLASSIFICATION = "classification", "Information classification and handling"
    SUPPLIER_SECURITY = "supplier_security", "Supplier security"
    SECURE_DEVELOPMENT = "secure_development", "Secure development"
    INCIDENT_RESPONSE = "incident_response", "Incident response"
    ACCESS_CONTROL = "access_control", "Access control"
    OTHER = "other", "Other"


class AISection(models.TextChoices):
    """What a policy that covers AI is expected to say; the officer ticks what it does."""

    ACCEPTABLE_USE = "acceptable_use", "Acceptable and prohibited uses of AI"
    APPROVED_TOOLS = "approved_tools", "Approved AI tools and how to request a new one"
    DATA_INPUT = "data_input", "Which data may be given to AI systems, by classification"
    HUMAN_REVIEW = "human_review", "Human review of AI output before it is relied on"
    TRANSPARENCY = "transparency", "Telling people when content or decisions involve AI"
    SUPPLIERS = "suppliers", "AI suppliers: training on our data, retention, location"
    INCIDENTS = "incidents", "Reporting AI incidents and concerns"
    ACCOUNTABILITY = "accountability", "Who is accountable for each AI system"


class Policy(TenantModel):
    class Audience(models.TextChoices):
        ALL = "all", "All members (auditors excluded)"
        ROLES = "roles", "Chosen roles"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PolicyKind.choices, default=PolicyKind.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The accountable owner: a member of this organisation.",
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.ALL)
    audience_roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        default=list,
        blank=True,
        help_text="When the audience is 'chosen roles': the roles that must acknowledge it.",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=12, help_text="How often the published version must be reviewed."
    )
    next_review_date = models.DateField(
        null=True, blank=True, help_text="Set when a version is published."
    )
    covers_ai = models.BooleanField(
        "Covers AI", default=False, help_text="Whether this policy governs the use of AI."
    )
    ai_sections = ArrayField(
        models.CharField(max_length=30, choices=AISection.choices),
        default=list,
        blank=True,
        help_text="The AI sections the current text contains (ticked by the officer).",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"
        constraints = [
            # Case-insensitive: "Race Case" and "RACE CASE" are one title (also under races).
            models.UniqueConstraint("organization", Lower("title"), name="policy_unique_title_ci")
        ]
        indexes = [
            models.Index(fields=["organization", "kind"]),
            models.Index(fields=["organization", "next_review_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_role_list(self) -> list[str]:
        """The roles that must acknowledge this policy (isms.access decides what "all" is)."""
        if self.audience == self.Audience.ALL:
            return audience_roles()
        return audience_roles(self.audience_roles or [])

    @property
    def missing_ai_sections(self) -> list[str]:
        if not self.covers_ai:
            return []
        return [label for value, label in AISection.choices if value not in self.ai_sections]


# The editable fields: the form and the API's writable fields derive from this one
# declaration (tests/isms/test_fields.py ties them).
POLICY_EDITABLE = EditableFields(
    Policy,
    (
        "title",
        "kind",
        "owner",
        "audience",
        "audience_roles",
        "review_interval_months",
        "covers_ai",
        "ai_sections",
    ),
)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"
    RETIRED = "retired", "Retired"


EDITABLE_STATUSES = frozenset({VersionStatus.DRAFT, VersionStatus.IN_REVIEW})


def document_path(instance: PolicyVersion, filename: str) -> str:
    return storage_name(instance.organization_id, "policies/documents", filename)


class PolicyUserObjectPermission(TenantUserObjectPermission):
    """Per-policy grants: the owner's `change_policy` (django-guardian, direct foreign key)."""

    content_object = models.ForeignKey(Policy, on_delete=models.CASCADE)


class PolicyVersion(TenantModel):
    class DocumentType(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document (DOCX)"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    # --- content: frozen once the version is approved -------------------------------------
    body_markdown = models.TextField("Text (Markdown)", blank=True)
    document = models.FileField(upload_to=document_path, blank=True, max_length=300)
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=5, choices=DocumentType.choices, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    change_summary = models.CharField(max_length=500, blank=True)
    content_sha256 = models.CharField("SHA-256 of the content", max_length=64, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when an API key created the draft.",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    # --- workflow: who moved it, and when --------------------------------------------------
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_note = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        permissions = [
            ("review_policyversion", "Review this policy version"),
            ("approve_policyversion", "Approve this policy version"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "policy", "number"], name="policyversion_unique_number"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "policy", "status"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_document(self) -> bool:
        return bool(self.document)


class PolicyVersionUserObjectPermission(TenantUserObjectPermission):
    """Per-version grants: who reviews and who approves this version (django-guardian)."""

    content_object = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE)


class Acknowledgement(TenantModel):
    """A member confirmed they have read one published version."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version", "user"], name="acknowledgement_unique_user"
            )
        ]
        indexes = [models.Index(fields=["organization", "user"])]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"


class PolicyControl(TenantModel):
    """A control of the library this policy implements (or helps implement): the SoA row of
    the control lists the policy, and a starter policy arrives linked to its controls."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="control_links")
    control = models.ForeignKey("isms.Control", on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["control__framework__code", "control__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "policy", "control"], name="policycontrol_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "control"])]

    def __str__(self) -> str:
        return f"{self.policy} implements {self.control.ref}"
