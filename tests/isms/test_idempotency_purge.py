"""The hourly purge of expired idempotency records (isms.tasks): each organisation deletes
its own expired records in its own context; live records and other organisations' stay."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from isms.models import IdempotencyRecord
from isms.tasks import purge_idempotency_records, sweep_expired_idempotency
from isms.tenancy import tenant_context


def _record(organization, key: str, expires_in: timedelta) -> None:
    with tenant_context(organization.pk):
        IdempotencyRecord.objects.create(
            key=key,
            method="POST",
            path=f"/api/v1/orgs/{organization.slug}/suppliers/",
            fingerprint="0" * 64,
            status_code=201,
            response_body="{}",
            expires_at=timezone.now() + expires_in,
        )


def _keys(organization) -> set[str]:
    with tenant_context(organization.pk):
        return set(IdempotencyRecord.objects.values_list("key", flat=True))


def test_expired_records_are_purged_per_organisation(org_a, org_b):
    _record(org_a, "old", -timedelta(seconds=1))
    _record(org_a, "live", timedelta(hours=1))
    _record(org_b, "old", -timedelta(hours=2))

    deleted = purge_idempotency_records.apply(kwargs={"organization_id": org_a.pk}).get()

    assert deleted == 1
    assert _keys(org_a) == {"live"}
    assert _keys(org_b) == {"old"}  # B's records wait for B's own run
    assert purge_idempotency_records.apply(kwargs={"organization_id": org_b.pk}).get() == 1
    assert _keys(org_b) == set()


def test_the_sweep_queues_one_purge_per_organisation(org_a, org_b, in_tenant):
    """Through the task outbox (isms.outbox): one stored purge per organisation, in its own."""
    from isms.models import OutboxTask

    assert sweep_expired_idempotency.apply().get() == 2
    for org in (org_a, org_b):
        with in_tenant(org):
            rows = list(OutboxTask.objects.values_list("task_name", "kwargs"))
        assert rows == [(purge_idempotency_records.name, {"organization_id": org.pk})]


def test_the_beat_runs_the_purge_and_the_webhook_sweep():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"isms.sweep_expired_idempotency", "isms.webhooks.sweep_pending"} <= tasks
