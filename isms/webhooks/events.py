"""The outbox: services call `emit()` inside the transaction that makes the change.

    emit(WebhookEventType.ASSET_CREATED, data=object_data(asset, "asset"))

The event and one delivery per active endpoint subscribed to its type are inserted in the
caller's transaction; the deliveries are queued to a worker only once it commits
(`transaction.on_commit`). A change that rolls back therefore sends nothing, and one that
commits is never lost: if the queue is unreachable at that moment the delivery stays
`pending` and the beat sweep (isms.webhooks.tasks.sweep_pending) sends it.

An organisation with no endpoint for the type pays one indexed query and writes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from isms.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from isms.tenancy import current_organization_id

logger = logging.getLogger(__name__)


def object_data(obj, kind: str, **extra: Any) -> dict[str, Any]:
    """What an event says about its object: its kind, id and name (clients GET the rest)."""
    name = getattr(obj, "name", None) or getattr(obj, "title", None) or str(obj)
    return {"object": kind, "id": obj.pk, "name": str(name), **extra}


def emit(event_type: str, *, data: dict[str, Any]) -> WebhookEvent | None:
    """Write one event for the organisation in context, and its deliveries (the outbox)."""
    events = emit_many(event_type, [data])
    return events[0] if events else None


def emit_many(event_type: str, items: list[dict[str, Any]]) -> list[WebhookEvent]:
    """One event per item of `items` (one lookup of the endpoints, one insert of each kind).

    The lookup runs also when `items` is empty, so a sweep that may or may not emit (the
    check runs) makes the same queries either way."""
    organization_id = current_organization_id()
    endpoint_ids = list(
        WebhookEndpoint.objects.filter(active=True, event_types__contains=[event_type])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not endpoint_ids or not items:
        return []
    with transaction.atomic():
        events = WebhookEvent.objects.bulk_create(
            WebhookEvent(organization_id=organization_id, event_type=event_type, data=data)
            for data in items
        )
        now = timezone.now()
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                organization_id=organization_id,
                endpoint_id=endpoint_id,
                event=event,
                next_attempt_at=now,
            )
            for event in events
            for endpoint_id in endpoint_ids
        )
        queue_on_commit(organization_id, [d.pk for d in deliveries])
    return events


def queue_on_commit(organization_id: int, delivery_ids: list[int]) -> None:
    def send() -> None:
        from isms.webhooks.tasks import deliver

        for delivery_id in delivery_ids:
            try:
                deliver.delay(organization_id=organization_id, delivery_id=delivery_id)
            except Exception:  # a broker outage: the beat sweep sends it later
                logger.exception("Could not queue webhook delivery %s", delivery_id)

    transaction.on_commit(send)
