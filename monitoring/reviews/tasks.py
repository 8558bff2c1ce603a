"""Daily: give every new AI system, supplier, policy, risk and SoA its review schedule."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(
    base=TenantTask,
    name="monitoring.reviews.ensure_schedules",
    acks_late=True,
    reject_on_worker_lost=True,  # a killed run is redone; it is set-based, so once
)
def ensure_schedules(*, organization_id: int) -> int:
    from monitoring.reviews.services import schedules_ensure

    return schedules_ensure()


@shared_task(name="monitoring.reviews.sweep_schedules")
def sweep_schedules() -> int:
    return sweep(ensure_schedules)
