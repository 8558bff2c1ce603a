"""The Statement of Applicability (6.1.3 d), per organisation and framework."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel


class StatementOfApplicability(TenantModel):
    """One per organisation and framework, created with the organisation (and given rows when
    the control library grows), never on a read.

    Approval is a two-person act (ISO/IEC 27001:2022 5.3 segregation of duties): whoever edits
    the rows submits the SoA for approval, and someone else approves it (an immutable numbered
    snapshot). Editing a row of a submitted SoA returns it to draft.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    framework = models.ForeignKey("isms.Framework", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "statement of applicability"
        verbose_name_plural = "statements of applicability"
        constraints = [
            models.UniqueConstraint(fields=["organization", "framework"], name="soa_unique")
        ]

    def __str__(self) -> str:
        return f"Statement of Applicability ({self.framework_id})"


class InclusionReason(models.TextChoices):
    RISK_TREATMENT = "risk_treatment", "Risk treatment"
    LEGAL = "legal", "Legal or regulatory"
    CONTRACTUAL = "contractual", "Contractual"
    BUSINESS = "business", "Business requirement"


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PARTIAL = "partial", "Partially implemented"
    IMPLEMENTED = "implemented", "Implemented"


class SoARow(TenantModel):
    """One control in the SoA: a control of the library, or the organisation's own control
    (from another framework or its own design, ISO/IEC 27001:2022 6.1.3 b–c) held in this row
    alone (`own_ref`, `own_title`, `own_source`), so no other organisation can ever see it.

    Linked risks are the risks that name a library control (RiskControl), or those linked to an
    own control's row (SoARowRisk); `risks_changed_at` moves whenever one of them changes,
    which is how a row becomes stale after the last approval."""

    soa = models.ForeignKey(StatementOfApplicability, on_delete=models.CASCADE, related_name="rows")
    control = models.ForeignKey(
        "isms.Control", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    own_ref = models.CharField("Reference", max_length=20, blank=True, db_default="")
    own_title = models.CharField("Title", max_length=250, blank=True, db_default="")
    own_source = models.CharField(
        "Source",
        max_length=120,
        blank=True,
        db_default="",
        help_text="Where the control comes from: another framework (e.g. NIST CSF 2.0 PR.DS-01) "
        "or “Own control”.",
    )
    own_description = models.TextField("Description", blank=True, db_default="")
    target_date = models.DateField(
        null=True, blank=True, help_text="When a control not yet implemented will be."
    )
    applicable = models.BooleanField(default=True)
    justification = models.TextField(blank=True)
    inclusion_reasons = ArrayField(
        models.CharField(max_length=20, choices=InclusionReason.choices), default=list, blank=True
    )
    implementation_status = models.CharField(
        max_length=12,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.TextField(blank=True)
    evidence_links = ArrayField(models.URLField(max_length=500), default=list, blank=True)
    risks_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["control__sort_key", "own_ref", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "soa", "control"], name="soarow_unique_control"
            ),
            models.UniqueConstraint(
                fields=["organization", "soa", "own_ref"],
                condition=models.Q(control__isnull=True),
                name="soarow_unique_own_ref",
            ),
            models.CheckConstraint(
                condition=models.Q(control__isnull=False, own_ref="", own_title="")
                | (
                    models.Q(control__isnull=True) & ~models.Q(own_ref="") & ~models.Q(own_title="")
                ),
                name="soarow_library_or_own_control",
            ),
        ]
        indexes = [models.Index(fields=["organization", "control"])]

    def __str__(self) -> str:
        return f"SoA row for control {self.ref}"

    @property
    def is_own(self) -> bool:
        return self.control_id is None

    @property
    def ref(self) -> str:
        return self.own_ref if self.control_id is None else self.control.ref

    @property
    def title(self) -> str:
        return self.own_title if self.control_id is None else self.control.title

    @property
    def source(self) -> str:
        return self.own_source or "Own control" if self.control_id is None else ""

    @property
    def inclusion_reason_labels(self) -> list[str]:
        labels = dict(InclusionReason.choices)
        return [labels.get(r, r) for r in self.inclusion_reasons]

    @property
    def is_justified(self) -> bool:
        if self.applicable:
            return bool(self.inclusion_reasons) or bool(self.justification.strip())
        return bool(self.justification.strip())


class SoARowRisk(TenantModel):
    """A risk treated by an organisation's own control (a library control is linked from the
    risk instead, RiskControl)."""

    row = models.ForeignKey(SoARow, on_delete=models.CASCADE, related_name="risk_links")
    risk = models.ForeignKey("risks.Risk", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "row", "risk"], name="soarowrisk_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "risk"])]

    def __str__(self) -> str:
        return f"SoA row {self.row_id} → risk {self.risk_id}"


class SoASnapshot(TenantModel):
    """An approved SoA, frozen: numbered per SoA, never changed (a trigger refuses it)."""

    soa = models.ForeignKey(
        StatementOfApplicability, on_delete=models.PROTECT, related_name="snapshots"
    )
    number = models.PositiveIntegerField()
    rows = models.JSONField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "soa", "number"], name="soasnapshot_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"SoA snapshot {self.number}"
