"""One attempt at a delivery: resolve and check the target, POST, record, schedule the next.

Runs inside the organisation's tenant context (a TenantTask). The delivery row is locked
(`FOR UPDATE SKIP LOCKED`) for the attempt, so the worker's own message and the beat sweep
never send one delivery twice at the same time; a delivery no longer pending is left alone.

After a failure the next attempt is due after an exponential back-off
(services.retry_delay); after WEBHOOK_MAX_ATTEMPTS the delivery is `failed`. Every failed
attempt adds to the endpoint's consecutive failures, every success resets them; at
WEBHOOK_DISABLE_AFTER the endpoint is switched off, its pending deliveries fail, and the
organisation's admins are e-mailed after the commit.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from isms import secrets_at_rest
from isms.members import active_members
from isms.models import (
    AttemptOutcome,
    DeliveryStatus,
    Organization,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from isms.webhooks import signing, targets
from isms.webhooks.services import INTERNAL_SCOPE, retry_delay

logger = logging.getLogger(__name__)
USER_AGENT = "Guardrail-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024


def body_of(delivery: WebhookDelivery, organization: Organization) -> bytes:
    """The JSON body: the same bytes on every attempt of one event."""
    event = delivery.event
    payload = {
        "id": str(event.event_id),
        "type": event.event_type,
        "created": event.created,
        "organization": organization.slug,
        "data": event.data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True).encode()


@dataclass
class Result:
    outcome: str
    response_code: int | None = None
    error: str = ""


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes) -> Result:
    try:
        target = targets.resolve(endpoint.url, allow_internal=endpoint.allow_internal)
    except ValidationError as error:
        message = "; ".join(error.message_dict.get("url", ["refused"]))
        return Result(AttemptOutcome.REFUSED_TARGET, error=message)
    try:
        secret = signing.secret_of(endpoint)
    except secrets_at_rest.SecretUnreadable as error:
        return Result(AttemptOutcome.SECRET_UNREADABLE, error=str(error))
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER_ID: str(delivery.event.event_id),
        signing.HEADER_TYPE: delivery.event.event_type,
        signing.HEADER_TIMESTAMP: str(timestamp),
        signing.HEADER_SIGNATURE: signing.signature(secret, timestamp, body),
        signing.HEADER_DELIVERY: str(delivery.pk),
    }
    connection = targets.connection(target, timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS))
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except (OSError, ValueError) as error:  # refused, reset, timeout, TLS, bad response
        return Result(AttemptOutcome.NETWORK_ERROR, error=f"{type(error).__name__}: {error}"[:500])
    finally:
        connection.close()
    if 200 <= status < 300:
        return Result(AttemptOutcome.SUCCEEDED, response_code=status)
    return Result(
        AttemptOutcome.HTTP_ERROR, response_code=status, error=f"The receiver answered {status}."
    )


def attempt(delivery_id: int) -> WebhookAttempt | None:
    """Make one attempt of a pending delivery (None: not pending, or another worker has it)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if not endpoint.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "The endpoint is switched off."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated"])
            return None
        organization = Organization.objects.get(pk=delivery.organization_id)
        body = body_of(delivery, organization)
        started_at = timezone.now()
        clock = time.monotonic()
        result = _post(endpoint, delivery, body)
        duration_ms = int((time.monotonic() - clock) * 1000)
        number = WebhookAttempt.objects.filter(delivery=delivery).count() + 1
        record = WebhookAttempt.objects.create(
            organization_id=delivery.organization_id,
            delivery=delivery,
            number=number,
            outcome=result.outcome,
            response_code=result.response_code,
            duration_ms=duration_ms,
            error=result.error,
            started_at=started_at,
        )
        _record(delivery, endpoint, result)
    return record


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, result: Result) -> None:
    delivery.attempt_count += 1
    delivery.last_response_code = result.response_code
    delivery.last_error = result.error
    if result.outcome == AttemptOutcome.SUCCEEDED:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        if endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
    else:
        if delivery.attempt_count >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delay = retry_delay(delivery.attempt_count)
            delivery.next_attempt_at = timezone.now() + delay
            _queue_retry(delivery, delay.total_seconds())
    delivery.save(
        update_fields=[
            "attempt_count",
            "last_response_code",
            "last_error",
            "status",
            "next_attempt_at",
            "updated",
        ]
    )
    if result.outcome != AttemptOutcome.SUCCEEDED:
        endpoint.consecutive_failures += 1
        endpoint.save(update_fields=["consecutive_failures"])
        if endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
            _disable(endpoint)  # after the save: its own pending delivery fails too


def _queue_retry(delivery: WebhookDelivery, countdown: float) -> None:
    organization_id, delivery_id = delivery.organization_id, delivery.pk

    def send() -> None:
        from isms.webhooks.tasks import deliver

        try:
            deliver.apply_async(
                kwargs={"organization_id": organization_id, "delivery_id": delivery_id},
                countdown=countdown,
            )
        except Exception:  # the beat sweep sends it when it is due
            logger.exception("Could not queue the retry of webhook delivery %s", delivery_id)

    transaction.on_commit(send)


def _disable(endpoint: WebhookEndpoint) -> None:
    """Switch the endpoint off, fail what it had pending, and tell the admins."""
    now = timezone.now()
    reason = (
        f"Switched off after {endpoint.consecutive_failures} failed attempts in a row "
        f"on {now:%Y-%m-%d %H:%M} UTC."
    )
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        last_error="The endpoint was switched off after repeated failures.",
        updated=now,
    )
    organization = Organization.objects.get(pk=endpoint.organization_id)
    recipients = list(
        active_members(scope=INTERNAL_SCOPE, organization_id=organization.pk)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    url = settings.BASE_URL.rstrip("/") + reverse(
        "webhook_detail", args=[organization.slug, endpoint.pk]
    )
    subject = f"Webhook endpoint switched off in {organization.name}"
    message = (
        f"The webhook endpoint {endpoint.url} of {organization.name} failed "
        f"{endpoint.consecutive_failures} times in a row and has been switched off. "
        f"Its pending deliveries will not be sent.\n\nFix the receiver, switch the endpoint "
        f"on again and redeliver what it missed:\n{url}\n"
    )

    def send() -> None:
        if not recipients:
            return
        try:
            send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)
        except Exception:
            logger.exception("Could not e-mail the admins about webhook %s", endpoint.pk)

    transaction.on_commit(send)
