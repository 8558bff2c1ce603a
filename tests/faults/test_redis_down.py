"""Redis down (issue 18, Faults): a Redis this test started is stopped under a running web
process. Pages and API reads keep answering; work that must be queued — an evidence pack
asked for in the browser, the reminder sweep's fan-out — is stored in PostgreSQL (the task
outbox) and the pack page says it waits; when Redis is back the web process sends its
organisation's waiting work with its next request, a starting worker relays the rest, and
everything runs exactly once (ISO/IEC 27001 A.8.14 redundancy, A.5.30 ICT readiness)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
import requests

from isms.models import OutboxStatus, OutboxTask, Role
from monitoring.inbox.models import Notification
from monitoring.packs.models import EvidencePack, PackStatus
from tests.faults.servers import ROOT, RedisServer, WebServer, Worker, wait_for
from tests.monitoring.factories import ai_asset, ai_schedule

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PACK_FORM = {"frameworks": ["iso27001-2022"], "sections": ["scope"]}


def _request_pack(session: requests.Session, base: str, slug: str) -> requests.Response:
    url = f"{base}/o/{slug}/monitoring/packs/new/"
    assert session.get(url, timeout=60).status_code == 200
    return session.post(
        url,
        data={**PACK_FORM, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": url},
        timeout=60,
    )


def _rows(org, in_tenant) -> list[OutboxTask]:
    with in_tenant(org):
        return list(OutboxTask.objects.order_by("pk"))


def _digests(mail_dir) -> Counter:
    sent: Counter = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                sent[line[4:].strip()] += 1
    return sent


def test_redis_down_reads_answer_queued_work_waits_in_postgres_and_runs_once_on_return(
    org_a, org_b, member, in_tenant, api_key_for, process_env, browser_session, tmp_path
):
    officer = member(org_a, Role.OFFICER)
    owner_a, owner_b = member(org_a, Role.CONTRIBUTOR), member(org_b, Role.CONTRIBUTOR)
    token = api_key_for(org_a)
    with in_tenant(org_a):
        ai_schedule(org_a, ai_asset(org_a, owner_a), due_in_days=-2)
    with in_tenant(org_b):
        ai_schedule(org_b, ai_asset(org_b, owner_b), due_in_days=-2)

    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = process_env(REDIS_URL=redis_server.url())
    web = WebServer(env)
    worker = Worker(env)
    try:
        redis_server.stop()

        # Reads need no queue: pages and the API answer 200.
        session = browser_session(officer)
        for path in ("/", "/assets/", "/monitoring/packs/"):
            response = session.get(f"{web.base}/o/{org_a.slug}{path}", timeout=60)
            assert response.status_code == 200, path
        response = requests.get(
            f"{web.base}/api/v1/orgs/{org_a.slug}/assets/",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert response.status_code == 200 and response.json()["count"] == 1

        # A pack asked for now is stored with its render, and its page says it waits.
        page = _request_pack(session, web.base, org_a.slug)
        assert page.status_code == 200 and page.url.endswith("/")
        assert "waiting for the worker" in page.text and "cannot be reached" in page.text
        with in_tenant(org_a):
            first = EvidencePack.objects.get()
        assert first.status == PackStatus.QUEUED
        [row] = _rows(org_a, in_tenant)
        assert row.status == OutboxStatus.PENDING and row.send_attempts == 1
        assert row.last_error and row.reference.endswith(f":{first.pk}:1")

        # The hourly reminder sweep while Redis is down: one stored run per organisation.
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from monitoring.inbox.tasks import sweep_reminders; sweep_reminders()"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        for org in (org_a, org_b):
            pending = [r for r in _rows(org, in_tenant) if r.status == OutboxStatus.PENDING]
            assert "monitoring.inbox.sweep_organization" in [r.task_name for r in pending]
        assert len(_rows(org_b, in_tenant)) == 1  # each organisation sees its own rows only

        # Redis returns. The next pack request of organisation A sends it at once, and the
        # web process sends A's older waiting work with it (not B's: not its tenant).
        redis_server.start()
        page = _request_pack(session, web.base, org_a.slug)
        assert page.status_code == 200 and "waiting for the worker" in page.text
        assert "cannot be reached" not in page.text
        assert {r.status for r in _rows(org_a, in_tenant)} == {OutboxStatus.SENT}
        assert [r.status for r in _rows(org_b, in_tenant)] == [OutboxStatus.PENDING]

        # A worker starts: it relays B's waiting sweep, then everything runs.
        worker.start()
        wait_for(
            lambda: [r.status for r in _rows(org_b, in_tenant)] == [OutboxStatus.SENT],
            120,
            "the starting worker to relay organisation B's sweep",
        )
        with in_tenant(org_a):
            wait_for(
                lambda: (
                    set(EvidencePack.objects.values_list("status", flat=True)) == {PackStatus.DONE}
                ),
                180,
                "both packs to render",
            )
        wait_for(
            lambda: {owner_a.email, owner_b.email} <= set(_digests(tmp_path / "mail")),
            120,
            "each owner's reminder digest",
        )

        # Once more, by hand: nothing is left to send.
        relayed = subprocess.run(
            [sys.executable, "manage.py", "relay_outbox"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert "sent 0 task(s)" in relayed.stdout
    finally:
        worker.stop()
        web.stop()
        redis_server.stop()

    # Exactly once: one render per pack, one reminder and one digest per owner.
    with in_tenant(org_a):
        packs = list(EvidencePack.objects.order_by("pk"))
        assert [p.attempt for p in packs] == [1, 1] and all(p.pdf for p in packs)
        assert Notification.objects.filter(recipient=owner_a).count() == 1
    with in_tenant(org_b):
        assert Notification.objects.filter(recipient=owner_b).count() == 1
    rows = _rows(org_a, in_tenant) + _rows(org_b, in_tenant)
    assert all(r.status == OutboxStatus.SENT and r.sent_at for r in rows)
    assert all(r.runs == 1 for r in rows if r.task_name == "monitoring.packs.render")
    digests = _digests(tmp_path / "mail")
    assert digests[owner_a.email] == 1 and digests[owner_b.email] == 1
    assert set(digests.values()) == {1}
