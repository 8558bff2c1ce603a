"""An external audit engagement: who audits (time-boxed, read-only), until when, which
frameworks; the auditor's evidence requests (the "provided by client" list) and the
organisation's answers; and the auditor access log.

Invariants:
- an engagement's auditors are invited with the read-only, time-boxed role, their membership
  ending when the engagement does (services); after `expires_at` the engagement gives them
  nothing, whatever their membership says (access);
- the access log is append-only: the database refuses UPDATE and DELETE (migration 0001).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from isms.tenancy import TenantModel

User = settings.AUTH_USER_MODEL


class Engagement(TenantModel):
    title = models.CharField(max_length=200)
    audit_body = models.CharField(
        "Audit body", max_length=200, blank=True, help_text="The certification body or firm."
    )
    framework_codes = ArrayField(
        models.SlugField(max_length=40), default=list, help_text="The frameworks in scope."
    )
    expires_at = models.DateTimeField(help_text="After this moment the auditors have no access.")
    opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-expires_at", "-id"]
        indexes = [models.Index(fields=["organization", "expires_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement_detail", args=[self.organization.slug, self.pk])

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class EngagementAuditor(TenantModel):
    """An auditor of the engagement, by e-mail address (lower case): the invitation's
    address, which the account accepting it must have."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="auditors")
    email = models.EmailField()
    invitation = models.ForeignKey(
        "isms.Invitation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "engagement", "email"], name="engagementauditor_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "email"])]

    def __str__(self) -> str:
        return self.email


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class EvidenceRequest(TenantModel):
    """One line of the "provided by client" list: a control or a sample of items, a
    question, a due date."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="requests")
    control = models.ForeignKey(
        "isms.Control", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sample = models.TextField(
        blank=True, help_text="The items sampled (one per line), if the request names any."
    )
    question = models.TextField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    raised_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["organization", "engagement"]),
            models.Index(fields=["organization", "status", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.question[:80]

    def get_absolute_url(self) -> str:
        return reverse("engagement_detail", args=[self.organization.slug, self.engagement_id])


def answer_upload_to(instance: EvidenceAnswer, filename: str) -> str:
    from isms.uploads import storage_name

    return storage_name(instance.organization_id, "engagements/answers", filename)


class EvidenceAnswer(TenantModel):
    """An officer's answer to a request: a file, a link, or both, with a note."""

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="answers")
    note = models.TextField(blank=True)
    file = models.FileField(upload_to=answer_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=500, blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["organization", "request"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url="") | ~models.Q(note=""),
                name="evidenceanswer_not_empty",
            )
        ]

    def __str__(self) -> str:
        return self.file_name or self.url or self.note[:60]


class AccessKind(models.TextChoices):
    PAGE = "page", "Page viewed"
    API = "api", "API read"
    DOWNLOAD = "download", "File downloaded"
    ACTION = "action", "Action taken"
    REFUSED = "refused", "Refused"


class AuditorAccess(TenantModel):
    """One request of an auditor: written once by the middleware, never changed. The user
    and engagement are plain ids (no foreign key), so deleting either never touches the
    log."""

    user = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    email = models.CharField(max_length=254)
    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=300, blank=True, help_text="The file downloaded.")
    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"]),
            models.Index(fields=["organization", "user", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.method} {self.path}"
