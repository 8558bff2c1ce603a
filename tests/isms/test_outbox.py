"""The task outbox (isms.outbox): rows live and die with the caller's transaction, belong to
one organisation (row-level security), are sent once even by relays racing each other over
the real Redis, and a message that keeps killing its worker is given up."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection, connections, transaction

from isms import outbox
from isms.models import OutboxStatus, OutboxTask, Role
from monitoring.packs import services
from monitoring.packs.models import EvidencePack, PackStatus
from monitoring.packs.tasks import render_pack
from tests.incidents.factories import actor_for


def _store(org, in_tenant, n: int = 1, queue: str = "") -> list[OutboxTask]:
    # Written directly (not enqueue): rows left pending, whatever the broker does.
    with in_tenant(org):
        return [
            OutboxTask.objects.create(
                task_name="isms.probe", kwargs={"n": i}, queue=queue, reference=f"probe:{i}"
            )
            for i in range(n)
        ]


def test_enqueue_lives_and_dies_with_the_callers_transaction(
    org_a, in_tenant, django_capture_on_commit_callbacks
):
    with in_tenant(org_a):
        with transaction.atomic():
            outbox.enqueue("isms.probe", kwargs={"n": 1}, reference="gone")
            transaction.set_rollback(True)
        with django_capture_on_commit_callbacks() as callbacks:
            row = outbox.enqueue("isms.probe", kwargs={"n": 2}, reference="kept")
        assert [r.reference for r in OutboxTask.objects.all()] == ["kept"]
        assert row.organization_id == org_a.pk and row.status == OutboxStatus.PENDING
    assert len(callbacks) == 1  # sent after commit, not before


def test_enqueue_takes_a_task_a_signature_or_a_name(org_a, in_tenant):
    with in_tenant(org_a):
        by_task = outbox.enqueue(render_pack, kwargs={"pack_id": 1})
        by_signature = outbox.enqueue(render_pack.s(pack_id=2).set(queue="slow"))
    assert (by_task.task_name, by_task.kwargs) == ("monitoring.packs.render", {"pack_id": 1})
    assert (by_signature.kwargs, by_signature.queue) == ({"pack_id": 2}, "slow")
    with pytest.raises(ValueError, match="organisation"):
        outbox.enqueue("isms.probe")  # no tenant context and no organization_id


def test_an_organisation_never_sees_anothers_rows(org_a, org_b, in_tenant):
    """Row-level security on the outbox, as on every tenant table: the ORM and the database
    (the unscoped manager, raw SQL) both hide organisation A's rows from organisation B; only
    a transaction that sets the relay's own setting sees every organisation's."""
    _store(org_a, in_tenant, 2)
    with in_tenant(org_b):
        assert OutboxTask.objects.count() == 0
        assert OutboxTask.unscoped.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM isms_outboxtask")
            assert cursor.fetchone() == (0,)
        assert outbox.pending_for("probe:0") is None
    with transaction.atomic():
        assert OutboxTask.unscoped.count() == 0  # no tenant, no relay setting: nothing
    with outbox._relay_scope(None):
        assert OutboxTask.unscoped.count() == 2


def test_the_pack_page_says_a_render_waits_for_the_queue(org_a, in_tenant, client_for):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        # Not a transactional test: the row is never sent, as while Redis is down.
        pack = services.pack_request(
            actor=officer, frameworks=["iso27001-2022"], sections=["scope"]
        )
    page = client_for(officer.user).get(f"/o/{org_a.slug}/monitoring/packs/{pack.pk}/")
    assert page.status_code == 200
    assert "waiting for the worker" in page.content.decode()
    assert "cannot be reached" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_racing_relays_send_every_row_exactly_once_over_real_redis(org_a, org_b, in_tenant):
    queue = f"test-outbox-{uuid.uuid4().hex[:8]}"
    rows = _store(org_a, in_tenant, 30, queue) + _store(org_b, in_tenant, 30, queue)
    client = redis.Redis.from_url(settings.REDIS_URL)
    results: list = []

    def run():
        try:
            results.append(outbox.relay(batch=7))
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sum(r.sent for r in results) == len(rows) and not any(r.broker_down for r in results)
        assert outbox.relay().sent == 0  # nothing left: a second pass sends nothing
        messages = [m for key in client.keys(f"{queue}*") for m in client.lrange(key, 0, -1)]
        assert len(messages) == len(rows)
        ids = {str(r.task_id) for r in rows}
        assert {json.loads(m)["headers"]["id"] for m in messages} == ids
    finally:
        for key in client.keys(f"{queue}*"):
            client.delete(key)
    for org in (org_a, org_b):
        with in_tenant(org):
            assert set(OutboxTask.objects.values_list("status", "send_attempts")) == {
                (OutboxStatus.SENT, 1)
            }


def test_a_render_that_keeps_killing_its_worker_is_given_up(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        pack = services.pack_request(
            actor=officer, frameworks=["iso27001-2022"], sections=["scope"]
        )
        row = OutboxTask.objects.get()
        EvidencePack.objects.filter(pk=pack.pk).update(status=PackStatus.RENDERING)
        OutboxTask.objects.filter(pk=row.pk).update(runs=outbox.MAX_RUNS)  # died each time
    result = render_pack.apply(kwargs=row.kwargs, task_id=str(row.task_id)).get()
    assert result == "failed"
    with in_tenant(org_a):
        pack.refresh_from_db()
        assert pack.status == PackStatus.FAILED and "stopped 5 times" in pack.failure_reason
        assert OutboxTask.objects.get().runs == outbox.MAX_RUNS + 1


def test_sweeps_go_through_the_outbox_one_row_per_organisation(org_a, org_b, in_tenant, member):
    from isms.celery import sweep
    from monitoring.inbox.tasks import sweep_organization

    member(org_a, Role.OFFICER)
    assert sweep(sweep_organization, today="2026-01-05") == 2
    for org in (org_a, org_b):
        with in_tenant(org):
            assert list(OutboxTask.objects.values_list("task_name", "kwargs")) == [
                (
                    "monitoring.inbox.sweep_organization",
                    {"organization_id": org.pk, "today": "2026-01-05"},
                )
            ]
