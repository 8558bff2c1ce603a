"""Webhook tasks: one attempt per message, and the sweep that sends what a message missed."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from isms.celery import TenantTask, sweep
from isms.models import DeliveryStatus, WebhookDelivery
from isms.webhooks import delivery as delivery_module

SWEEP_BATCH = 200


@shared_task(base=TenantTask, name="isms.webhooks.deliver")
def deliver(*, organization_id: int, delivery_id: int) -> str | None:
    """One attempt of one delivery (queued after the commit that wrote it, and per retry)."""
    made = delivery_module.attempt(delivery_id)
    return None if made is None else made.outcome


@shared_task(base=TenantTask, name="isms.webhooks.send_due")
def send_due(*, organization_id: int) -> int:
    """Queue every pending delivery of the organisation that is due (lost messages too)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in due:
        deliver.delay(organization_id=organization_id, delivery_id=delivery_id)
    return len(due)


@shared_task(name="isms.webhooks.sweep_pending")
def sweep_pending() -> int:
    """Beat, every minute: each organisation queues its due deliveries."""
    return sweep(send_due)
