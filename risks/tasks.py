"""Celery tasks of the risk register (thin: ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(base=TenantTask, name="risks.expire_acceptances")
def expire_acceptances(*, organization_id: int) -> int:
    """Expire this organisation's lapsed risk acceptances; their risks go back to open."""
    from risks.services.register import acceptances_expire_due

    return acceptances_expire_due()


@shared_task(name="risks.sweep_expired_acceptances")
def sweep_expired_acceptances() -> int:
    """The daily sweep: one task per organisation, each in its own tenant context."""
    return sweep(expire_acceptances)
