"""The reminder machinery (ISO/IEC 27001 9.1; ISO/IEC 42001 9.1): notify, the sweep, stages,
escalation, digests, isolation between organisations, constant queries."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Role
from monitoring.inbox import selectors, services, sources
from monitoring.inbox.models import Notification, Stage
from monitoring.reviews.models import ReviewSchedule, SubjectType
from tests.monitoring.factories import actor_of, ai_schedule

TODAY = timezone.localdate()


def _keys(org, in_tenant, **filters):
    with in_tenant(org):
        return sorted(Notification.objects.filter(**filters).values_list("recipient_id", "key"))


def test_notify_is_idempotent_by_key_and_only_reaches_members(org_a, org_b, member, in_tenant):
    alice = member(org_a, Role.CONTRIBUTOR)
    stranger = member(org_b, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        first = services.notify(
            recipient_id=alice.pk, kind="incident", subject="An incident", url="/x", key="inc:1"
        )
        again = services.notify(
            recipient_id=alice.pk, kind="incident", subject="Changed", url="/x", key="inc:1"
        )
        elsewhere = services.notify(
            recipient_id=stranger.pk, kind="incident", subject="x", url="/x", key="inc:1"
        )
        assert first is not None and first.subject == "An incident"
        assert again is None and elsewhere is None
        assert Notification.objects.count() == 1
    with in_tenant(org_b):
        assert Notification.objects.count() == 0


def test_sweep_reminds_each_stage_once_and_sends_one_digest_per_person(
    org_a, member, in_tenant, django_capture_on_commit_callbacks
):
    owner = member(org_a, Role.CONTRIBUTOR)
    other = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        from tests.monitoring.factories import ai_asset

        soon = ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=10)
        due = ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=0)
        late = ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=-2)
        ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=40)  # beyond 14 days
        ai_schedule(org_a, ai_asset(org_a, other), due_in_days=-1)
    with django_capture_on_commit_callbacks(execute=True):
        with in_tenant(org_a):
            result = services.sweep_organization(today=TODAY)
    assert result.created == 4
    mine = _keys(org_a, in_tenant, recipient=owner)
    assert mine == sorted(
        [
            (owner.pk, f"review:{soon.pk}:{soon.next_due.isoformat()}:soon"),
            (owner.pk, f"review:{due.pk}:{due.next_due.isoformat()}:due"),
            (owner.pk, f"review:{late.pk}:{late.next_due.isoformat()}:overdue"),
        ]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, other.email])
    digest = next(m for m in mail.outbox if m.to == [owner.email])
    assert digest.body.count("Review AI system") == 3
    assert "/o/alpha/monitoring/reviews/schedules/" in digest.body
    assert f"for you in {org_a.name}:" in digest.body
    assert (
        f"Your task list: {settings.BASE_URL.rstrip('/')}/o/alpha/monitoring/tasks/" in digest.body
    )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with in_tenant(org_a):
            assert services.sweep_organization(today=TODAY).created == 0
    assert mail.outbox == []  # nothing new, no e-mail

    # Days later the "soon" one becomes due, then overdue: one reminder per stage.
    with in_tenant(org_a):
        services.sweep_organization(today=soon.next_due, send=False)
        services.sweep_organization(today=soon.next_due + timedelta(days=1), send=False)
        stages = list(
            Notification.objects.filter(key__startswith=f"review:{soon.pk}:")
            .order_by("created", "id")
            .values_list("stage", flat=True)
        )
    assert stages == [Stage.SOON, Stage.DUE, Stage.OVERDUE]


def test_escalation_reaches_the_officers_only_after_n_days_overdue(org_a, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    officer = member(org_a, Role.OFFICER)
    admin = member(org_a, Role.ADMIN)
    auditor = member(org_a, Role.AUDITOR)
    with in_tenant(org_a):
        from monitoring.inbox.services import settings_ensure
        from tests.monitoring.factories import ai_asset

        settings = settings_ensure()
        settings.escalate_after_days = 5
        settings.save()
        schedule = ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=-4)
        services.sweep_organization(today=TODAY, send=False)
        assert not Notification.objects.filter(escalated=True).exists()
        services.sweep_organization(today=TODAY + timedelta(days=1), send=False)
        escalated = set(
            Notification.objects.filter(escalated=True).values_list("recipient_id", flat=True)
        )
        assert escalated == {officer.pk, admin.pk}  # monitoring:manage, never the auditor
        assert auditor.pk not in escalated
        services.sweep_organization(today=TODAY + timedelta(days=9), send=False)
        assert Notification.objects.filter(escalated=True).count() == 2
        # The officer sees it in My tasks, under "escalated to you".
        tasks = selectors.my_tasks(actor_of(org_a, officer), today=TODAY + timedelta(days=1))
        assert [i.key for i in tasks.escalated] == [
            f"review:{schedule.pk}:{schedule.next_due.isoformat()}"
        ]


def test_an_item_that_escalates_at_once_is_not_given_the_organisations_delay():
    """`escalate_after_days=0` means the officers hear of it on its first overdue day (an
    incident's legal clock); only None falls back to the organisation's setting."""
    due = sources.DueItem(recipient_ids=[1], key="k", subject="s", url="/", due_on=TODAY)
    assert due.escalates_after(7) == 7
    assert sources.DueItem(**{**due.__dict__, "escalate_after_days": 0}).escalates_after(7) == 0
    assert sources.DueItem(**{**due.__dict__, "escalate_after_days": 3}).escalates_after(7) == 3


def test_reminders_never_cross_organisations(
    org_a, org_b, member, in_tenant, django_capture_on_commit_callbacks
):
    owner_a = member(org_a, Role.CONTRIBUTOR)
    owner_b = member(org_b, Role.CONTRIBUTOR)
    # A consultant in both organisations owns one overdue system in each.
    both = member(org_a, Role.OFFICER)
    member(org_b, Role.OFFICER, user=both)
    with in_tenant(org_a):
        from tests.monitoring.factories import ai_asset

        ai_schedule(org_a, ai_asset(org_a, owner_a), due_in_days=-1)
        ai_schedule(org_a, ai_asset(org_a, both), due_in_days=-1)
    with in_tenant(org_b):
        ai_schedule(org_b, ai_asset(org_b, owner_b), due_in_days=-1)
        ai_schedule(org_b, ai_asset(org_b, both), due_in_days=-1)
    with django_capture_on_commit_callbacks(execute=True):
        with in_tenant(org_a):
            services.sweep_organization(today=TODAY)
    with in_tenant(org_a):
        assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
            owner_a.pk,
            both.pk,
        }
    with in_tenant(org_b):
        assert not Notification.objects.exists()  # B's sweep has not run: nothing of B's
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner_a.email, both.email])
    consultant_mail = next(m for m in mail.outbox if m.to == [both.email])
    assert "Alpha Ltd" in consultant_mail.subject and "Bravo" not in consultant_mail.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with in_tenant(org_b):
            services.sweep_organization(today=TODAY)
    # One digest per person per organisation: B's sweep mails B's reminders only.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner_b.email, both.email])
    assert all("Bravo plc" in m.subject for m in mail.outbox)


def _bulk_schedules(org, owner, count: int) -> None:
    from tests.monitoring.factories import ai_asset

    asset = ai_asset(org, owner)
    ReviewSchedule.objects.bulk_create(
        [
            ReviewSchedule(
                organization_id=org.pk,
                subject_type=SubjectType.SUPPLIER,
                object_id=asset.pk + 1_000_000 + i,
                title=f"Subject {i}",
                interval_months=12,
                next_due=TODAY + timedelta(days=(i % 40) - 20),
                reviewer=owner,
            )
            for i in range(count)
        ]
    )


def _sweep_queries(org, in_tenant) -> int:
    with in_tenant(org):
        with CaptureQueriesContext(connection) as captured:
            services.sweep_organization(today=TODAY, send=False)
    return len(captured)


def test_the_sweep_runs_a_constant_number_of_queries_per_organisation(
    org_a, org_b, member, in_tenant
):
    owner_a, owner_b = member(org_a, Role.CONTRIBUTOR), member(org_b, Role.CONTRIBUTOR)
    member(org_a, Role.OFFICER)
    member(org_b, Role.OFFICER)
    with in_tenant(org_a):
        _bulk_schedules(org_a, owner_a, 10)
    with in_tenant(org_b):
        _bulk_schedules(org_b, owner_b, 1000)
    small, large = _sweep_queries(org_a, in_tenant), _sweep_queries(org_b, in_tenant)
    assert small == large, (small, large)
    with in_tenant(org_b):
        assert Notification.objects.filter(escalated=False).count() > 500


def test_every_due_source_is_set_based(org_a, member, in_tenant):
    member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        for kind, source in sources.registered().items():
            sources.gather(org_a.pk, TODAY, kinds=[kind])  # warm the slug cache per gather
            with CaptureQueriesContext(connection) as captured:
                list(source(org_a.pk, TODAY))
            assert len(captured) <= 4, (kind, len(captured))
