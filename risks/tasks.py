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


@shared_task(base=TenantTask, name="risks.render_risk_snapshot_pdf", acks_late=True)
def render_risk_snapshot_pdf(*, organization_id: int, snapshot_id: int) -> str:
    """Render an approved risk register / treatment plan snapshot to PDF (WeasyPrint can take
    a while on a large register: never in a request)."""
    from risks.services.snapshots import snapshot_render_pdf

    return snapshot_render_pdf(snapshot_id=snapshot_id).pdf.name
