"""The home page's "My overdue tasks" figure counts in SQL (issue 19): for every person and
day, `task_counts` finds exactly what `my_tasks` lists, in a number of queries that does not
grow with the registers, and never counts another organisation's items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Membership, Role
from monitoring.inbox import selectors, sources
from monitoring.reviews.models import ReviewSchedule, SubjectType
from risks.models import TreatmentAction
from tests.monitoring.factories import actor_of, ai_asset, ai_schedule
from tests.risks.factories import make_risk

TODAY = timezone.localdate()
DAYS = (-40, -8, -1, 0, 1, 6, 20)  # the stages and escalation delays all change over these


def _listed(actor, today) -> sources.TaskCounts:
    tasks = selectors.my_tasks(actor, today=today)
    return sources.TaskCounts(
        len(tasks.overdue), len(tasks.due), len(tasks.soon), len(tasks.escalated)
    )


def _assert_same_for_everyone(organization, in_tenant, days=DAYS):
    memberships = Membership.objects.filter(organization=organization).select_related("user")
    with in_tenant(organization):
        for membership in memberships:
            actor = actor_of(organization, membership.user)
            for offset in days:
                today = TODAY + timedelta(days=offset)
                listed = _listed(actor, today)
                assert selectors.task_counts(actor, today=today) == listed, (
                    membership.role,
                    offset,
                )


@pytest.mark.django_db
def test_counts_equal_my_tasks_for_every_person_and_day_of_the_bench_data(in_tenant):
    from bench import seed as bench_seed
    from isms.controls.loader import load_control_library

    load_control_library()
    plan = bench_seed.SeedPlan.scaled(seed=7, organizations=3, scale=0.01)
    large = bench_seed.seed(plan, log=lambda *_: None, vacuum=False)[0].organization
    with in_tenant(large):
        kinds = {item.kind for item in sources.gather(large.pk, TODAY)}
    assert {"ai_act_obligation", "treatment_action"} <= kinds  # counted sources are hit
    _assert_same_for_everyone(large, in_tenant)


def test_counts_follow_recipients_escalation_and_tenancy(org_a, org_b, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    officer = member(org_a, Role.OFFICER)
    member(org_a, Role.ADMIN)
    member(org_a, Role.AUDITOR)
    gone = member(org_a, Role.CONTRIBUTOR)
    stranger = member(org_b, Role.OFFICER)
    with in_tenant(org_a):
        from monitoring.competence.models import TrainingRecord

        for days in (-30, -6, -1, 0, 3):
            ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=days)
        ReviewSchedule.objects.create(  # no reviewer: the officers' item
            subject_type=SubjectType.AI_SYSTEM,
            object_id=ai_asset(org_a, owner).pk,
            title="Nobody's",
            interval_months=6,
            next_due=TODAY - timedelta(days=9),
        )
        risk = make_risk(org_a)
        TreatmentAction.objects.create(
            risk=risk, description="Theirs", owner=officer, due_date=TODAY - timedelta(days=12)
        )
        TreatmentAction.objects.create(
            risk=risk, description="Mine", owner=owner, due_date=TODAY - timedelta(days=2)
        )
        for who in (owner, gone):
            TrainingRecord.objects.create(
                member=who,
                course="Awareness",
                completed_on=TODAY - timedelta(days=400),
                expires_on=TODAY - timedelta(days=10),
            )
    Membership.objects.filter(organization=org_a, user=gone).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with in_tenant(org_b):
        ai_schedule(org_b, ai_asset(org_b, stranger), due_in_days=-30, reviewer=stranger)
    _assert_same_for_everyone(org_a, in_tenant)
    _assert_same_for_everyone(org_b, in_tenant)
    with in_tenant(org_a):
        counts = selectors.task_counts(actor_of(org_a, officer))
        # The schedule without a reviewer and their own action; the owner's items escalate.
        assert (counts.overdue, counts.escalated) == (2, 2)
    with in_tenant(org_b):
        assert selectors.task_counts(actor_of(org_b, stranger)) == sources.TaskCounts(overdue=1)


def test_policy_acknowledgements_count_by_audience_without_reading_them_all(
    org_a, org_b, member, in_tenant
):
    """Versions published today are due in 14 days: the days below cross due, overdue and
    the officers' escalation a week later. Audiences of every member or of chosen roles,
    readers who acknowledged, a lapsed member, an auditor (never in an audience), a version
    everyone has read (no item at all) and another organisation's version."""
    from policies import services as policy_services
    from policies.models import Policy
    from tests.policies.factories import actor_for, make_published

    officer = member(org_a, Role.OFFICER)
    approver = member(org_a, Role.ADMIN)
    readers = [member(org_a, Role.CONTRIBUTOR) for _ in range(2)]
    member(org_a, Role.AUDITOR)
    gone = member(org_a, Role.CONTRIBUTOR)
    stranger = member(org_b, Role.OFFICER)
    chosen = {"audience": Policy.Audience.ROLES, "audience_roles": [Role.CONTRIBUTOR]}
    with in_tenant(org_a):
        walk = {"officer": actor_for(officer, org_a), "approver": actor_for(approver, org_a)}
        everyone = make_published(org_a, **walk)
        contributors = make_published(org_a, **walk, **chosen)
        read_by_all = make_published(org_a, **walk, **chosen)
        for reader, version in [
            *((who, read_by_all) for who in (*readers, gone)),
            (readers[0], everyone),
            (readers[0], contributors),
            (gone, everyone),
        ]:
            policy_services.acknowledge(actor=actor_for(reader, org_a), version=version)
    Membership.objects.filter(organization=org_a, user=gone).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with in_tenant(org_b):
        make_published(org_b, officer=actor_for(stranger, org_b))
    days = (0, 13, 14, 15, 20, 21, 22, 40)
    _assert_same_for_everyone(org_a, in_tenant, days)
    _assert_same_for_everyone(org_b, in_tenant, days)
    with in_tenant(org_a):
        late = TODAY + timedelta(days=22)  # 8 days overdue: escalated

        def counts(user):
            return selectors.task_counts(actor_of(org_a, user), today=late)

        assert counts(readers[1]).overdue == 2
        # The officer has not read "everyone"; the contributors' version escalates to them.
        assert counts(officer) == sources.TaskCounts(overdue=1, escalated=1)
        assert counts(readers[0]) == sources.TaskCounts()


@pytest.mark.parametrize("rows", [2, 200])
def test_the_count_runs_the_same_queries_whatever_the_registers_size(
    rows, org_a, member, in_tenant, django_assert_num_queries
):
    owner = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        risk = make_risk(org_a)
        TreatmentAction.objects.bulk_create(
            TreatmentAction(
                organization=org_a,
                risk=risk,
                description=f"Action {n}",
                owner=owner,
                due_date=TODAY - timedelta(days=n % 20),
            )
            for n in range(rows)
        )
        actor = actor_of(org_a, owner)
        selectors.task_counts(actor)
        with CaptureQueriesContext(connection) as captured:
            counts = selectors.task_counts(actor)
        assert counts.overdue + counts.due == rows
    assert len(captured) == QUERIES, [q["sql"][:80] for q in captured]


QUERIES = 30  # the settings, the members, the organisation, each source or counter
