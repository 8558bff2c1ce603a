"""Webhooks: an organisation's endpoints, the events it emits, and their deliveries.

- `WebhookEndpoint`: a URL an organisation's admins registered for some event types.
- `WebhookEvent`: the outbox. A service writes the event in the same transaction as the change
  it describes (isms.webhooks.events.emit), with one `WebhookDelivery` per subscribed endpoint:
  a change that rolls back leaves neither, and one that commits always has its deliveries,
  which a worker sends after the commit or, if that message was lost, the beat sweep.
- `WebhookDelivery`: one event to one endpoint, with its state and retry schedule.
- `WebhookAttempt`: one HTTP attempt of a delivery (status, response code, duration, error).

Every row belongs to one organisation (row-level security, like every tenant table).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from isms.tenancy import TenantModel


class WebhookEventType(models.TextChoices):
    ASSET_CREATED = "asset.created", "Asset created"
    ASSET_CHANGED = "asset.changed", "Asset changed"
    ASSET_RETIRED = "asset.retired", "Asset retired"
    CHANGE_REQUEST_APPROVED = "change_request.approved", "AI change request approved"
    CHANGE_REQUEST_REJECTED = "change_request.rejected", "AI change request rejected"
    CHECK_FAILED = "check.failed", "Control check failed"
    INCIDENT_OPENED = "incident.opened", "Incident opened"
    PACK_READY = "evidence_pack.ready", "Evidence pack ready"
    POLICY_PUBLISHED = "policy.published", "Policy version published"
    PING = "webhook.ping", "Test event (sent on request)"


class WebhookEndpoint(TenantModel):
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=WebhookEventType.choices),
        verbose_name="event types",
        help_text="The events sent to this URL.",
    )
    active = models.BooleanField(default=True)
    # Refused by default: a URL resolving to a loopback, private, link-local, multicast,
    # reserved or unspecified address (isms.webhooks.targets). An admin may allow it for one
    # endpoint (a receiver inside the customer's own network); the audit trail records who.
    allow_internal = models.BooleanField(
        "allow internal addresses",
        default=False,
        help_text="Let this endpoint reach private, loopback or link-local addresses, and use "
        "plain HTTP. Only for a receiver inside your own network.",
    )
    # The HMAC-SHA256 key of the signatures, as a Fernet token (isms.secrets_at_rest): signing
    # needs the key itself, so it is encrypted rather than hashed. It is shown once (at
    # creation and rotation), never returned by a read, and the audit trail records only that
    # it changed (isms.db_security.REDACTED_COLUMNS).
    signing_secret = models.TextField(editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "webhook endpoint"
        indexes = [models.Index(fields=["organization", "active"])]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(TenantModel):
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    data = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "webhook event"
        indexes = [models.Index(fields=["organization", "created"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed (no more retries)"


class WebhookDelivery(TenantModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Who asked for it to be sent again, and when (the audit trail records it).
    redelivered_at = models.DateTimeField(null=True, blank=True)
    redelivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["organization", "status", "next_attempt_at"]),
            models.Index(fields=["organization", "endpoint", "created"]),
        ]

    def __str__(self) -> str:
        return f"Delivery of {self.event_id} to endpoint {self.endpoint_id}"


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded (2xx)"
    HTTP_ERROR = "http_error", "Refused by the receiver (not 2xx)"
    NETWORK_ERROR = "network_error", "Network error or timeout"
    REFUSED_TARGET = "refused_target", "Refused: the URL resolves to an internal address"
    SECRET_UNREADABLE = (
        "secret_unreadable",
        "Not sent: the signing secret cannot be decrypted (rotate it)",
    )


class WebhookAttempt(TenantModel):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = "webhook attempt"
        indexes = [models.Index(fields=["organization", "delivery", "number"])]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"
