"""Evidence packs: point-in-time PDF/A-3b documents (and a ZIP bundle) an auditor relies on.

A pack is requested (frameworks, sections, as-of time), rendered by a Celery worker section
by section, then kept unchanged: once `done`, the database refuses every UPDATE of its row
and a DELETE unless the deleting transaction says it is an administrator's deletion
(services.pack_delete), which the audit trigger records like any change. Nothing about a
pack is visible as done before its files are stored: the row turns `done` in the same
transaction that names its files (services.pack_finish), so a worker killed mid-render
leaves a pack that is still `rendering` and has no files, to be retried.

Each organisation signs its packs' manifests with its own Ed25519 key (PackSigningKey);
the public key is published on the verification page.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL

FRAMEWORK_CHOICES = [
    ("iso27001-2022", "ISO/IEC 27001:2022"),
    ("iso42001-2023", "ISO/IEC 42001:2023"),
]


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def pack_file_path(instance, filename: str) -> str:
    # Files carry the organisation in their path (DESIGN.md, Tenancy).
    return f"packs/org-{instance.organization_id}/{instance.reference}/{filename}"


class EvidencePack(TenantModel):
    reference = models.UUIDField(default=uuid.uuid4, editable=False)
    frameworks = ArrayField(models.CharField(max_length=40, choices=FRAMEWORK_CHOICES))
    sections = ArrayField(models.CharField(max_length=40))
    as_of = models.DateTimeField()
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    sections_total = models.PositiveIntegerField(default=0)
    sections_done = models.PositiveIntegerField(default=0)
    current_section = models.CharField(max_length=100, blank=True)
    failure_reason = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=1)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        "PackSchedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="packs"
    )
    # The due moment of the schedule's period this pack answers (its as-of time): one pack
    # per schedule and period, however often the beat runs (constraint below).
    schedule_period = models.DateTimeField(null=True, blank=True, editable=False)
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=pack_file_path, blank=True, max_length=300)
    bundle = models.FileField(upload_to=pack_file_path, blank=True, max_length=300)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    signature = models.CharField(max_length=128, blank=True)
    public_key = models.CharField(max_length=64, blank=True)
    chain_head = models.CharField(max_length=128, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "pdf_sha256"]),
            models.Index(fields=["organization", "bundle_sha256"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "reference"], name="pack_reference"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | (~models.Q(pdf="") & ~models.Q(bundle="")),
                name="pack_done_has_files",
            ),
            models.UniqueConstraint(
                fields=["organization", "schedule", "schedule_period"],
                condition=models.Q(schedule__isnull=False, schedule_period__isnull=False),
                name="one_pack_per_schedule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"Evidence pack as of {self.as_of:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("pack_detail", args=[self.organization.slug, self.pk])

    @property
    def in_progress(self) -> bool:
        return self.status in {PackStatus.QUEUED, PackStatus.RENDERING}

    @property
    def percent(self) -> int:
        if not self.sections_total:
            return 0
        return round(100 * self.sections_done / self.sections_total)


class PackSigningKey(TenantModel):
    """The organisation's Ed25519 key for pack manifests, created with its first pack.

    No page or API shows the private key, and the audit trail records only that it changed
    (isms.db_security.REDACTED_COLUMNS). The organisation export carries it, so an imported
    organisation still verifies the packs it had handed out (docs/org-export.md)."""

    private_key = models.BinaryField(editable=False)
    public_key = models.CharField(max_length=64, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_pack_key")]

    def __str__(self) -> str:
        return f"Pack signing key {self.public_key[:16]}…"


class Cadence(models.IntegerChoices):
    MONTHLY = 1, "Monthly"
    QUARTERLY = 3, "Quarterly"


class PackSchedule(TenantModel):
    """A pack requested again every `every_months` months (beat: monitoring.packs.sweep).

    `next_due` is the as-of moment of the next pack; once it has passed, the sweep requests
    that pack (once: EvidencePack.schedule_period) and moves `next_due` on by whole periods
    to the first one still in the future. A paused schedule requests nothing."""

    frameworks = ArrayField(models.CharField(max_length=40, choices=FRAMEWORK_CHOICES))
    sections = ArrayField(models.CharField(max_length=40))
    every_months = models.PositiveSmallIntegerField(
        "Cadence", choices=Cadence.choices, default=Cadence.MONTHLY
    )
    next_due = models.DateTimeField("Next run")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["next_due", "id"]
        indexes = [models.Index(fields=["organization", "active", "next_due"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_months__in=[1, 3]), name="pack_schedule_cadence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_every_months_display()} evidence pack"

    def get_absolute_url(self) -> str:
        return reverse("pack_schedule_edit", args=[self.organization.slug, self.pk])
