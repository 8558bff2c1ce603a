"""Celery tasks of evidence packs (thin: ids in, one service call).

`render_pack` is not a TenantTask: it opens its organisation's tenant context once per
section (services.pack_render), so its progress is committed while it runs."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(name="monitoring.packs.render", bind=True, acks_late=True, reject_on_worker_lost=True)
def render_pack(self, *, organization_id: int, pack_id: int, attempt: int) -> str:
    """A worker killed mid-render has its message delivered again (late acknowledgement, and
    rejected back to the queue when the pool process dies): the next delivery claims the same
    attempt and renders it from the start; only one run can finish it (services._finish).
    A message that has started MAX_RUNS times without finishing fails the pack instead."""
    from isms.outbox import MAX_RUNS, record_run
    from monitoring.packs.services import pack_render, render_given_up

    runs = record_run(self.request.id, organization_id)
    if runs > MAX_RUNS:
        render_given_up(
            organization_id=organization_id, pack_id=pack_id, attempt=attempt, runs=runs
        )
        return "failed"
    return pack_render(organization_id=organization_id, pack_id=pack_id, attempt=attempt)


@shared_task(
    base=TenantTask,
    name="monitoring.packs.run_schedules",
    acks_late=True,
    reject_on_worker_lost=True,  # due schedules move on in the transaction that queues them
)
def run_schedules(*, organization_id: int) -> int:
    from monitoring.packs.services import schedules_run_due

    return schedules_run_due()


@shared_task(name="monitoring.packs.sweep")
def sweep_schedules() -> int:
    return sweep(run_schedules)
