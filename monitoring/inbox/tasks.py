"""The reminder sweep: a global beat task fans out one task per organisation.

Tasks acknowledge late (CELERY_TASK_ACKS_LATE): a worker killed mid-sweep leaves the
message on the queue and its transaction uncommitted, so the redelivered task does the whole
organisation again; the database's unique key keeps every reminder single.
"""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(
    base=TenantTask,
    name="monitoring.inbox.sweep_organization",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def sweep_organization(*, organization_id: int, today: str | None = None) -> dict:
    from datetime import date

    from monitoring.inbox.services import sweep_organization as run

    result = run(today=date.fromisoformat(today) if today else None)
    return {"items": result.items, "created": result.created, "emails": result.emails}


@shared_task(name="monitoring.inbox.sweep_reminders", bind=True)
def sweep_reminders(self, today: str | None = None) -> int:
    """Queue one sweep per organisation, on the queue this sweep came from."""
    queue = (getattr(self.request, "delivery_info", None) or {}).get("routing_key") or ""
    return sweep(sweep_organization, queue=queue, today=today)
