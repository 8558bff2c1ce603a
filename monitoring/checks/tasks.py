"""Beat runs `monitoring.checks.sweep` (global); it queues one `run_for_organization` per
organisation (ids only), which runs every check inside that organisation's context and then
stores its portfolio figures (monitoring.checks.portfolio)."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(name="monitoring.checks.run_for_organization", base=TenantTask, acks_late=True)
def run_for_organization(*, organization_id: int) -> int:
    from monitoring.checks.portfolio import figures_refresh
    from monitoring.checks.services import run_checks

    count = len(run_checks())
    figures_refresh()  # the portfolio's figures of this organisation, after its checks
    return count


@shared_task(name="monitoring.checks.sweep")
def sweep_checks() -> int:
    return sweep(run_for_organization)
