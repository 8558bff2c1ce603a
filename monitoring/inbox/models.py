"""Notifications (the in-app inbox and the e-mail digest) and the organisation's reminder
settings.

Idempotent by construction: a notification is unique per (organisation, recipient, key) in
the database. The sweep derives the key from the due item and the reminder stage
(`<item key>:soon`, `:due`, `:overdue`, `:escalated`), inserts with ON CONFLICT DO NOTHING,
so a sweep run twice, two workers racing, or a worker killed and restarted create each
reminder once. No cache and no lock decide it: the unique index does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from isms.tenancy import TenantModel

# Sources look this far ahead; the organisation's "due soon" window is at most this long.
MAX_SOON_DAYS = 90


class InboxSettings(TenantModel):
    """One row per organisation (created with the organisation, or by the first sweep)."""

    soon_days = models.PositiveSmallIntegerField(
        "Remind this many days ahead",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SOON_DAYS)],
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        "Escalate to officers after this many days overdue",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    email_digest = models.BooleanField(
        "E-mail a digest", default=True, help_text="One e-mail per person per sweep."
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "inbox settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="inboxsettings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Reminder settings of organisation {self.organization_id}"


class Stage(models.TextChoices):
    NONE = "", "Notice"
    SOON = "soon", "Due soon"
    DUE = "due", "Due today"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"


class Notification(TenantModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=60)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True, default="")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    due_on = models.DateField(null=True, blank=True)
    key = models.CharField(max_length=200)
    escalated = models.BooleanField(
        default=False, help_text="Sent to an officer because the item is overdue."
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "recipient", "key"], name="notification_unique_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "recipient", "created"], name="notification_inbox"
            ),
            models.Index(
                fields=["organization", "recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["organization", "recipient"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unemailed",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
