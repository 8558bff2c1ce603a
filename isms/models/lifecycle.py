"""Records of an organisation's data lifecycle: exports, imports and deletion requests.

Each is a tenant row, so its insert and every change enter the organisation's audit chain:
who asked for an export, who imported the organisation from which export, who requested,
cancelled or completed its deletion. The audit trail (isms_auditevent) has no foreign key to
what it describes and is never deleted, so those events outlive the organisation's data;
the organisation's own row stays as a tombstone (`Organization.deleted_at`), and so do its
deletion records (isms.lifecycle.deletion keeps them out of the purge).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.tenancy import TenantModel


def export_path(instance: OrganizationExport, filename: str) -> str:
    return f"org-{instance.organization_id}/exports/{filename}"


def import_trail_path(instance: OrganizationImport, filename: str) -> str:
    return f"org-{instance.organization_id}/imports/{filename}"


class OrganizationExport(TenantModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=export_path, blank=True, max_length=300)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField("SHA-256 of the ZIP", max_length=64, blank=True)
    rows = models.JSONField(default=dict, blank=True, help_text="{model label: rows}")
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "organisation export"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["organization", "requested_at"])]

    def __str__(self) -> str:
        return f"Export of {self.requested_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class OrganizationImport(TenantModel):
    """How this organisation came to be: imported from an export (one row per import).

    Its insert is the audit event "imported from export X"; the exported organisation's own
    audit trail is kept as the attached file, not forged into this organisation's chain.
    """

    source_organization = models.CharField(max_length=300, help_text="Name and address.")
    source_export_id = models.CharField(max_length=64, help_text="The export's identifier.")
    source_sha256 = models.CharField("SHA-256 of the imported ZIP", max_length=64)
    format_version = models.PositiveSmallIntegerField()
    exported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=200, help_text="Who ran the import.")
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(default=dict, blank=True, help_text="{model label: rows}")
    audit_trail = models.FileField(upload_to=import_trail_path, blank=True, max_length=300)
    audit_events = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "organisation import"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"Imported from {self.source_organization} ({self.source_export_id})"


class OrganizationDeletion(TenantModel):
    """An admin's request to delete the organisation: pending until `due_at`, then carried
    out by the worker, unless cancelled first. At most one request is open at a time."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_by_email = models.CharField(max_length=254, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="The end of the grace period.")
    reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rows_deleted = models.JSONField(default=dict, blank=True, help_text="{model label: rows}")
    files_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "organisation deletion request"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(cancelled_at__isnull=True, completed_at__isnull=True),
                name="organizationdeletion_one_open",
            )
        ]
        indexes = [models.Index(fields=["organization", "due_at"])]

    def __str__(self) -> str:
        return f"Deletion requested on {self.requested_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.cancelled_at is None and self.completed_at is None
