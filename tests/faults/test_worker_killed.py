"""A Celery worker killed with SIGKILL mid-pack and mid-sweep (issue 18, Faults).

One real worker (two pool processes) renders an evidence pack of a large register and sweeps
organisation B's reminders (a test-only due source holds it inside the sweep); the test
kills the whole worker with SIGKILL while both are half done, then starts a new worker. With
nobody retrying by hand, the late-acknowledged messages come back (the broker's visibility
timeout is lowered so it happens within the test) and the work completes exactly once: one
pack, rendered from its one attempt, with one PDF; one reminder and one digest per person
(ISO/IEC 27001 clause 9.1 monitoring evidence, A.5.30 ICT readiness)."""

from __future__ import annotations

from collections import Counter

import pytest
import redis
from django.conf import settings

from assets.models import Asset
from isms.celery import sweep
from isms.models import OutboxStatus, OutboxTask, Role
from monitoring.inbox.models import Notification
from monitoring.inbox.tasks import sweep_organization
from monitoring.packs import services
from monitoring.packs.models import EvidencePack, PackStatus
from tests.faults.servers import Worker, wait_for
from tests.incidents.factories import actor_for
from tests.monitoring.factories import ai_asset, ai_schedule

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _digests(mail_dir) -> Counter:
    sent: Counter = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                sent[line[4:].strip()] += 1
    return sent


def _pack(org, in_tenant, pack_id) -> EvidencePack:
    with in_tenant(org):
        return EvidencePack.objects.get(pk=pack_id)


def _reminders(org, in_tenant) -> list:
    with in_tenant(org):
        return sorted(Notification.objects.values_list("recipient_id", "key"))


def test_worker_killed_mid_pack_and_mid_sweep_completes_each_exactly_once(
    org_a, org_b, member, in_tenant, process_env, tmp_path
):
    media = settings.MEDIA_ROOT
    owner_a, owner_b = member(org_a, Role.CONTRIBUTOR), member(org_b, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        officer = actor_for(org_a)
        Asset.objects.bulk_create(
            Asset(organization_id=org_a.pk, name=f"Model {n}", owner=officer.user)
            for n in range(900)
        )
        ai_schedule(org_a, ai_asset(org_a, owner_a), due_in_days=-2)
    with in_tenant(org_b):
        ai_schedule(org_b, ai_asset(org_b, owner_b), due_in_days=-2)

    flags = redis.Redis.from_url(settings.REDIS_URL)
    inside, hang = f"test-inside:{org_b.pk}", f"test-hang:{org_b.pk}"
    flags.delete(inside)
    flags.set(hang, "1", ex=600)
    worker = Worker(
        process_env(CELERY_VISIBILITY_TIMEOUT="4"),
        concurrency=2,
        include="tests.monitoring.worker_hooks",
    )
    worker.start()
    try:
        with in_tenant(org_a):
            pack = services.pack_request(
                actor=officer, frameworks=["iso27001-2022"], sections=["scope", "ai"]
            )
        assert sweep(sweep_organization) == 2  # through the outbox, sent after each commit
        wait_for(lambda: flags.get(inside), 120, "organisation B's sweep to start")
        wait_for(lambda: _reminders(org_a, in_tenant), 120, "organisation A's sweep to finish")
        wait_for(
            lambda: _pack(org_a, in_tenant, pack.pk).sections_done >= 1,
            120,
            "the pack to be half rendered",
        )
        worker.kill()  # SIGKILL: the pack is being laid out, B's sweep is inside its work
        flags.delete(hang)

        killed = _pack(org_a, in_tenant, pack.pk)
        assert killed.status == PackStatus.RENDERING and not killed.pdf
        assert _reminders(org_b, in_tenant) == []  # its transaction died with the worker

        worker.start()  # no retry by hand: the unacknowledged messages come back
        done = wait_for(
            lambda: (p := _pack(org_a, in_tenant, pack.pk)).status == PackStatus.DONE and p,
            180,
            "the pack to be rendered after the restart",
        )
        wait_for(lambda: _reminders(org_b, in_tenant), 120, "organisation B's sweep to run")
        wait_for(
            lambda: {owner_a.email, owner_b.email} <= set(_digests(tmp_path / "mail")),
            60,
            "the digests",
        )
    finally:
        flags.delete(hang)
        worker.stop()

    assert done.attempt == 1 and done.page_count > 3  # the same attempt, finished once
    with in_tenant(org_a):
        assert EvidencePack.objects.count() == 1
        render = OutboxTask.objects.get(task_name="monitoring.packs.render")
    assert render.status == OutboxStatus.SENT and render.runs >= 2  # killed, then finished
    assert len(list((media / "packs").rglob("*.pdf"))) == 1
    with in_tenant(org_a):
        assert Notification.objects.filter(recipient=owner_a).count() == 1
    with in_tenant(org_b):
        assert Notification.objects.filter(recipient=owner_b).count() == 1
    digests = _digests(tmp_path / "mail")
    assert digests[owner_a.email] == 1 and digests[owner_b.email] == 1
    assert set(digests.values()) == {1}
