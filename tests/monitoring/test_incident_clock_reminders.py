"""Incident reporting clocks remind through the real sweep: real Celery workers over the real
Redis broker, with the sweep run day by day across every deadline (twice, and two at once).

The clocks (monitoring/incidents/clocks.py; periods checked against the texts):
- EU AI Act Art. 73(2): a serious incident, 15 days from awareness;
- EU AI Act Art. 73(3): a widespread infringement or a serious and irreversible disruption
  of critical infrastructure, 2 days;
- EU AI Act Art. 73(4): the death of a person, 10 days;
- GDPR Art. 33(1): a personal data breach, 72 hours;
- NIS2 Art. 23(4)(a) early warning 24 hours, (b) incident notification 72 hours, (d) final
  report one month after the notification.

Each clock's reminder reaches its incident's owner and the organisation's officers once per
stage (due soon, due today, overdue) and no one else: not a bystander, not a read-only
auditor, not a former member, never a member of another organisation.
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import Membership, Role
from monitoring.inbox.models import Notification
from monitoring.inbox.tasks import sweep_organization
from monitoring.incidents import services
from monitoring.incidents.due import deadline_day
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db(transaction=True)

KIND = "incident_reporting_clock"


def _report(actor, title: str, **facts):
    return services.incident_report(
        actor=actor,
        title=title,
        description=f"{title}: what happened.",
        category="malfunction",
        severity="high",
        aware_at=timezone.now() - timedelta(hours=1),
        **facts,
    )


def _setup_a(org, in_tenant):
    """Organisation A: an officer, two owners, a bystander, an auditor and a former officer
    (membership expired) who still owns one incident and is now a member of B."""
    officer = actor_for(org)
    owner1 = actor_for(org, Role.CONTRIBUTOR)
    owner2 = actor_for(org, Role.CONTRIBUTOR)
    bystander = actor_for(org, Role.CONTRIBUTOR)
    auditor = actor_for(org, Role.AUDITOR)
    leaver = actor_for(org, Role.OFFICER)
    with in_tenant(org):
        services.settings_update(
            actor=officer, time_zone="Europe/Brussels", nis2_in_scope=True, eu_ai_act_deployer=True
        )
        general = _report(
            officer, "Loan model refused a protected group", serious_incident="general"
        )
        death = _report(officer, "Triage assistant missed a stroke", serious_incident="death")
        widespread = _report(officer, "Grid forecaster outage", serious_incident="widespread")
        breach = _report(
            officer, "Chatbot leaked order data", personal_data_breach=True, nis2_significant=True
        )
        services.incident_triage(actor=officer, incident=general, owner=owner1.user)
        services.incident_triage(actor=officer, incident=death, owner=owner1.user)
        services.incident_triage(actor=officer, incident=breach, owner=owner2.user)
        services.incident_triage(actor=officer, incident=widespread, owner=leaver.user)
    Membership.objects.filter(organization=org, user=leaver.user).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    people = {
        "officer": officer.user,
        "owner1": owner1.user,
        "owner2": owner2.user,
        "bystander": bystander.user,
        "auditor": auditor.user,
        "leaver": leaver.user,
    }
    return people


def _setup_b(org, in_tenant, leaver):
    officer = actor_for(org)
    owner = actor_for(org, Role.CONTRIBUTOR)
    _join(org, leaver)  # a member of B now, with nothing due in B
    with in_tenant(org):
        breach = _report(officer, "Bravo CRM export exposed", personal_data_breach=True)
        services.incident_triage(actor=officer, incident=breach, owner=owner.user)
    return {"officer": officer.user, "owner": owner.user}


def _join(org, user):
    Membership.objects.create(organization=org, user=user, role=Role.CONTRIBUTOR)
    return user


def _clocks(org, in_tenant) -> list:
    """(clock, the local day of its deadline, its incident as stored now) of the organisation."""
    from zoneinfo import ZoneInfo

    from monitoring.incidents.models import ReportingClock

    zone = ZoneInfo("Europe/Brussels")
    with in_tenant(org):
        return [
            (clock, deadline_day(clock.due_at, zone), clock.incident)
            for clock in ReportingClock.objects.select_related("incident")
        ]


def _stored(org, in_tenant) -> list[tuple[int, str, str]]:
    with in_tenant(org):
        return list(
            Notification.objects.filter(kind=KIND).values_list("recipient_id", "key", "url")
        )


def _mails(mail_dir) -> list[email.message.Message]:
    messages = []
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def test_each_clock_reminds_the_right_people_once_per_stage_through_a_real_worker(
    workers, org_a, org_b, in_tenant
):
    people_a = _setup_a(org_a, in_tenant)
    people_b = _setup_b(org_b, in_tenant, people_a["leaver"])
    clocks_a = _clocks(org_a, in_tenant)
    clocks_b = _clocks(org_b, in_tenant)
    articles = sorted(clock.article for clock, _, _ in clocks_a)
    assert articles == [
        "EU AI Act Art. 73(2)",
        "EU AI Act Art. 73(3)",
        "EU AI Act Art. 73(4)",
        "GDPR Art. 33(1)",
        "NIS2 Art. 23(4)(a)",
        "NIS2 Art. 23(4)(b)",
        "NIS2 Art. 23(4)(d)",
    ]
    # The GDPR clock of A's breach is reported the day before its deadline: no more reminders.
    gdpr, gdpr_day, _ = next(c for c in clocks_a if c[0].article == "GDPR Art. 33(1)")
    days = sorted({d + timedelta(days=k) for _, d, _ in clocks_a + clocks_b for k in (-1, 0, 1)})
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    reported = False
    for day in days:
        if day >= gdpr_day and not reported:
            with in_tenant(org_a):
                services.clock_record_report(
                    actor=actor_for(org_a, user=people_a["officer"]),
                    clock=gdpr,
                    recipient="Supervisory authority",
                )
            reported = True
        # Each organisation's sweep twice, all four at once, on two competing workers.
        results = [
            sweep_organization.apply_async(
                kwargs={"organization_id": org.pk, "today": day.isoformat()},
                queue=workers.queue,
            )
            for org in (org_a, org_b, org_a, org_b)
        ]
        for result in results:
            result.get(timeout=120)

    def expected(org, clocks, officers):
        rows = Counter()
        for clock, day, incident in clocks:
            stages = ["soon"] if clock.pk == gdpr.pk else ["soon", "due", "overdue"]
            owner = incident.owner_id
            recipients = {*officers, *([owner] if owner in active[org.pk] else [])}
            for user_id in recipients:
                for stage in stages:
                    rows[(user_id, f"incident-clock:{clock.pk}:{day.isoformat()}:{stage}")] += 1
        return rows

    active = {
        org.pk: set(
            Membership.objects.active().filter(organization=org).values_list("user_id", flat=True)
        )
        for org in (org_a, org_b)
    }
    stored_a, stored_b = _stored(org_a, in_tenant), _stored(org_b, in_tenant)
    # Exactly once per person, clock and stage (a Counter of 1s equals the stored rows).
    assert Counter((r, k) for r, k, _ in stored_a) == expected(
        org_a, clocks_a, {people_a["officer"].pk}
    )
    assert Counter((r, k) for r, k, _ in stored_b) == expected(
        org_b, clocks_b, {people_b["officer"].pk}
    )
    # Each clock reached both its owner and the officer, before its deadline ("soon").
    for clock, day, _ in clocks_a:
        soon = f"incident-clock:{clock.pk}:{day.isoformat()}:soon"
        assert (people_a["officer"].pk, soon) in {(r, k) for r, k, _ in stored_a}, clock.article
    for name in ("owner1", "owner2"):
        assert any(r == people_a[name].pk for r, _, _ in stored_a)
    # No one else, and nothing across organisations.
    never = {people_a[n].pk for n in ("bystander", "auditor", "leaver")}
    assert not never & {r for r, _, _ in stored_a + stored_b}
    assert {r for r, _, _ in stored_b} == {people_b["officer"].pk, people_b["owner"].pk}
    assert all(f"/o/{org_a.slug}/" in url for _, _, url in stored_a)
    assert all(f"/o/{org_b.slug}/" in url for _, _, url in stored_b)

    # The digest e-mails: only to the people reminded, each naming only its own organisation.
    mails = _mails(workers.mail_dir)
    to_a = {people_a[n].email for n in ("officer", "owner1", "owner2")}
    to_b = {people_b["officer"].email, people_b["owner"].email}
    assert {m["To"] for m in mails} == to_a | to_b
    for message in mails:
        body = message.get_payload(decode=True).decode()
        if message["To"] in to_a:
            assert org_a.name in message["Subject"] and "Bravo CRM" not in body
        else:
            assert org_b.name in message["Subject"] and "Chatbot leaked" not in body
