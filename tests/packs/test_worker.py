"""A real Celery worker killed in the middle of a render leaves no partial pack, and a retry
produces exactly one finished pack (issue 21, Tests)."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from assets.models import Asset
from monitoring.packs import services
from monitoring.packs.models import EvidencePack, PackStatus
from tests.incidents.factories import actor_for
from tests.packs.worker import start_worker

pytestmark = [pytest.mark.django_db(transaction=True)]


def _wait(org, in_tenant, pack_id, predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with in_tenant(org):
            pack = EvidencePack.objects.get(pk=pack_id)
        if predicate(pack):
            return pack
        time.sleep(0.2)
    pytest.fail(f"pack {pack_id} stayed {pack.status} ({pack.sections_done} sections)")


def test_killed_worker_leaves_no_partial_pack_and_retry_makes_one(org_a, in_tenant, live_server):
    media = settings.MEDIA_ROOT
    with in_tenant(org_a):
        officer = actor_for(org_a)
        Asset.objects.bulk_create(
            Asset(organization_id=org_a.pk, name=f"Model {n}", owner=officer.user)
            for n in range(900)
        )
    worker = start_worker(media)
    try:
        with in_tenant(org_a):
            pack = services.pack_request(
                actor=officer, frameworks=["iso27001-2022"], sections=["scope", "ai"]
            )
        _wait(org_a, in_tenant, pack.pk, lambda p: p.sections_done >= 1)
        worker.send_signal(signal.SIGKILL)  # mid-render: the asset register is being laid out
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    with in_tenant(org_a):
        pack.refresh_from_db()
        assert pack.status == PackStatus.RENDERING and not pack.pdf and not pack.bundle
        assert not (media / "packs").exists() or not any((media / "packs").rglob("*.pdf"))
        # Nobody heard from the render for longer than the stall limit: it may be retried.
        EvidencePack.objects.filter(pk=pack.pk).update(
            heartbeat_at=timezone.now() - services.STALLED_AFTER - timedelta(seconds=1)
        )
        pack.refresh_from_db()
        services.pack_retry(actor=officer, pack=pack)
    worker = start_worker(media)
    try:
        done = _wait(org_a, in_tenant, pack.pk, lambda p: p.status == PackStatus.DONE)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert done.attempt == 2 and done.page_count > 3
    with in_tenant(org_a):
        assert EvidencePack.objects.count() == 1
    assert len(list((media / "packs").rglob("*.pdf"))) == 1
