"""Beat: `flush_tallies` (every minute) moves each organisation's counts from Redis to
PostgreSQL; `purge_denials` (nightly) removes denials past their 90 days. Both fan out one
task per organisation (ids only), each in its organisation's context."""

from __future__ import annotations

from celery import shared_task

from isms.celery import TenantTask, sweep


@shared_task(name="monitoring.usage.flush_for_organization", base=TenantTask, acks_late=True)
def flush_for_organization(*, organization_id: int) -> int:
    from monitoring.usage.services import tallies_flush

    return tallies_flush(organization_id)


@shared_task(name="monitoring.usage.flush_tallies")
def flush_tallies() -> int:
    """Only organisations with counts waiting (their Redis keys) get a task."""
    from monitoring.usage import snapshot
    from monitoring.usage.services import tallies_settle

    tallies_settle()
    client = snapshot._redis.get()
    queued = 0
    for key in client.scan_iter(match="guardrail:usage:*:tally", count=500):
        organization_id = int(key.decode().split(":")[2])
        flush_for_organization.delay(organization_id=organization_id)
        queued += 1
    for key in client.scan_iter(match="guardrail:usage:*:people", count=500):
        organization_id = int(key.decode().split(":")[2])
        if not client.exists(f"guardrail:usage:{organization_id}:tally"):
            flush_for_organization.delay(organization_id=organization_id)
            queued += 1
    return queued


@shared_task(name="monitoring.usage.purge_for_organization", base=TenantTask, acks_late=True)
def purge_for_organization(*, organization_id: int) -> int:
    from monitoring.usage.services import denials_purge

    return denials_purge()


@shared_task(name="monitoring.usage.purge_denials")
def purge_denials() -> int:
    return sweep(purge_for_organization)
