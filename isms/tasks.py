"""The ISMS core's Celery tasks (found by the app's autodiscovery; thin: they take ids and
call a service): the organisation data lifecycle, the task outbox's relay, webhooks, and the
purge of expired idempotency records."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from isms.celery import TenantTask, sweep
from isms.models import IdempotencyRecord
from isms.webhooks.tasks import deliver, send_due, sweep_pending

__all__ = [
    "build_organization_export",
    "delete_organization",
    "deliver",
    "purge_idempotency_records",
    "relay_outbox",
    "send_due",
    "sweep_expired_idempotency",
    "sweep_organization_deletions",
    "sweep_pending",
]


@shared_task(name="isms.build_organization_export", base=TenantTask)
def build_organization_export(*, organization_id: int, export_id: int) -> str:
    from isms.lifecycle.export import export_build

    return export_build(export_id=export_id).status


@shared_task(name="isms.sweep_organization_deletions")
def sweep_organization_deletions() -> int:
    """Queue the deletion of every organisation whose grace period is over."""
    from isms.lifecycle.deletion import organizations_due

    due = organizations_due()
    for organization_id in due:
        delete_organization.delay(organization_id=organization_id)
    return len(due)


@shared_task(name="isms.delete_organization")
def delete_organization(*, organization_id: int) -> int:
    """Not a TenantTask: the purge opens its own tenant contexts on the owner alias."""
    from isms.lifecycle.deletion import deletion_complete

    result = deletion_complete(organization_id=organization_id)
    return 0 if result is None else result.total


@shared_task(name="isms.outbox.relay", acks_late=True)
def relay_outbox() -> int:
    """Beat, every minute: send every organisation's work stored while Redis was down, and
    forget rows sent more than a week ago."""
    from isms.outbox import purge_sent, relay

    sent = relay().sent
    purge_sent()
    return sent


@shared_task(base=TenantTask, name="isms.purge_idempotency_records")
def purge_idempotency_records(*, organization_id: int) -> int:
    """Delete the organisation's expired idempotency records (a replay no longer needs them;
    the middleware ignores an expired one already, this keeps the table small)."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task(name="isms.sweep_expired_idempotency")
def sweep_expired_idempotency() -> int:
    """Beat, hourly: each organisation purges its expired records in its own context."""
    return sweep(purge_idempotency_records)
