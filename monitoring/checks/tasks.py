"""Beat runs `monitoring.checks.sweep` (global); it queues one `run_for_organization` per
organisation (ids only), which runs every check inside that organisation's context."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(name="monitoring.checks.run_for_organization", base=TenantTask, acks_late=True)
def run_for_organization(*, organization_id: int) -> int:
    from monitoring.checks.services import run_checks

    return len(run_checks())


@shared_task(name="monitoring.checks.sweep")
def sweep_checks() -> int:
    return sweep(run_for_organization)
