"""The reminder sweep through real Celery workers over the real Redis broker: run twice and
twice at once, and a worker SIGKILLed in the middle of an organisation's sweep then
restarted — every reminder exists exactly once and every person gets one digest per
organisation (the database's unique key decides, not a cache)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import redis
from django.conf import settings

from isms.models import Role
from monitoring.inbox.models import Notification
from monitoring.inbox.tasks import sweep_organization, sweep_reminders
from tests.monitoring.factories import ai_asset, ai_schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _organisation(org, member, in_tenant) -> tuple[set, dict]:
    """Two owners with overdue reviews, one long overdue (escalated to the officer)."""
    owner1, owner2 = member(org, Role.CONTRIBUTOR), member(org, Role.CONTRIBUTOR)
    officer = member(org, Role.OFFICER)
    with in_tenant(org):
        s1 = ai_schedule(org, ai_asset(org, owner1), due_in_days=-2)
        s2 = ai_schedule(org, ai_asset(org, owner2), due_in_days=-30)
        s3 = ai_schedule(org, ai_asset(org, owner1), due_in_days=5)
    key = lambda s: f"review:{s.pk}:{s.next_due.isoformat()}"  # noqa: E731
    expected = {
        (owner1.pk, f"{key(s1)}:overdue"),
        (owner2.pk, f"{key(s2)}:overdue"),
        (officer.pk, f"{key(s2)}:escalated"),
        (owner1.pk, f"{key(s3)}:soon"),
    }
    emails = {u.pk: u.email for u in (owner1, owner2, officer)}
    return expected, emails


def _stored(org, in_tenant) -> list:
    with in_tenant(org):
        return sorted(Notification.objects.values_list("recipient_id", "key"))


def _digests(mail_dir) -> Counter:
    sent: Counter = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                sent[line[4:].strip()] += 1
    return sent


def _wait(predicate, timeout: float = 90, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_sweeps_run_twice_and_at_once_remind_each_person_once(
    workers, org_a, org_b, member, in_tenant
):
    expected_a, emails_a = _organisation(org_a, member, in_tenant)
    expected_b, emails_b = _organisation(org_b, member, in_tenant)
    workers.start(concurrency=2)
    workers.start(concurrency=2)  # two workers compete for the same queue
    # Two sweeps of each organisation at the same moment.
    results = [
        sweep_organization.apply_async(kwargs={"organization_id": org.pk}, queue=workers.queue)
        for org in (org_a, org_b, org_a, org_b)
    ]
    created = [r.get(timeout=120)["created"] for r in results]
    assert sorted(created) == [0, 0, 4, 4]
    assert _stored(org_a, in_tenant) == sorted(expected_a)
    assert _stored(org_b, in_tenant) == sorted(expected_b)
    # And the beat's global sweep once more, through the fan-out: nothing new.
    assert sweep_reminders.apply_async(queue=workers.queue).get(timeout=60) >= 2
    time.sleep(8)
    assert _stored(org_a, in_tenant) == sorted(expected_a)
    assert _stored(org_b, in_tenant) == sorted(expected_b)
    digests = _digests(workers.mail_dir)
    assert digests == Counter({e: 1 for e in [*emails_a.values(), *emails_b.values()]})


def test_a_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(
    workers, org_a, org_b, member, in_tenant
):
    expected_a, emails_a = _organisation(org_a, member, in_tenant)
    expected_b, emails_b = _organisation(org_b, member, in_tenant)
    flags = redis.Redis.from_url(settings.REDIS_URL)
    flags.delete(f"test-inside:{org_b.pk}")
    flags.set(f"test-hang:{org_b.pk}", "1", ex=600)
    try:
        first = workers.start(concurrency=2)
        sweep_reminders.apply_async(queue=workers.queue)
        _wait(lambda: flags.get(f"test-inside:{org_b.pk}"), what="B's sweep to start")
        _wait(lambda: len(_stored(org_a, in_tenant)) == 4, what="A's sweep to finish")
        workers.kill(first)  # SIGKILL, in the middle of organisation B's sweep
    finally:
        flags.delete(f"test-hang:{org_b.pk}")
    assert _stored(org_b, in_tenant) == []  # its transaction died with the worker
    assert set(_digests(workers.mail_dir)) == set(emails_a.values())

    workers.start(concurrency=2)  # the unacknowledged task comes back to the new worker
    _wait(lambda: len(_stored(org_b, in_tenant)) == 4, what="B's sweep to be redelivered")
    time.sleep(6)  # any further redelivery would have run by now
    assert _stored(org_a, in_tenant) == sorted(expected_a)
    assert _stored(org_b, in_tenant) == sorted(expected_b)
    digests = _digests(workers.mail_dir)
    assert digests == Counter({e: 1 for e in [*emails_a.values(), *emails_b.values()]})
