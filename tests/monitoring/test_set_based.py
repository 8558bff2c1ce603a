"""Issue 12's performance work pinned by query counts, not timings (the figures are in
bench/): the reminder sweep (ISO/IEC 27001 9.1, ISO/IEC 42001 9.1) runs the same statements
for an organisation with 10 and with 1,000 schedules, the checks of Clause 9.1 the same
queries for 10 and 1,000 assets, the AI metrics intake the same for 10 and 500 points; and
what the set-based writes must keep: one digest per person, each reminder once, owners of
failing controls told once, nothing across organisations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import AuditEvent, Membership, Role
from monitoring.checks.models import MetricPoint
from monitoring.checks.services import run_checks
from monitoring.inbox import services
from monitoring.inbox.models import Notification
from monitoring.reviews.models import ReviewSchedule, SubjectType
from tests.monitoring.factories import ai_asset, ai_schedule

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _schedules(org, reviewer, count: int) -> None:
    """`count` schedules spread from 20 days overdue to 19 days ahead."""
    asset = ai_asset(org, reviewer)
    ReviewSchedule.objects.bulk_create(
        [
            ReviewSchedule(
                organization_id=org.pk,
                subject_type=SubjectType.SUPPLIER,
                object_id=asset.pk + 1_000_000 + i,
                title=f"Subject {i}",
                interval_months=12,
                next_due=TODAY + timedelta(days=(i % 40) - 20),
                reviewer=reviewer,
            )
            for i in range(count)
        ]
    )


def _sweep(org, in_tenant) -> tuple[int, services.SweepResult]:
    with in_tenant(org):
        with CaptureQueriesContext(connection) as captured:
            result = services.sweep_organization(today=TODAY, send=False)  # digests built
    return len(captured), result


def test_the_sweep_runs_the_same_statements_for_10_and_1000_schedules(
    org_a, org_b, member, in_tenant
):
    owner_a, owner_b = member(org_a, Role.CONTRIBUTOR), member(org_b, Role.CONTRIBUTOR)
    member(org_a, Role.OFFICER)
    member(org_b, Role.OFFICER)
    with in_tenant(org_a):
        _schedules(org_a, owner_a, 10)
    with in_tenant(org_b):
        _schedules(org_b, owner_b, 1000)
    small, small_result = _sweep(org_a, in_tenant)
    large, large_result = _sweep(org_b, in_tenant)
    assert small == large, (small, large)
    assert small_result.created <= 20 < 500 < large_result.created
    # Twice: nothing new, no digest, the same statements.
    again, result = _sweep(org_b, in_tenant)
    assert again == large and result.created == 0 and result.emails == 0


def test_an_organisation_with_nothing_due_runs_the_same_statements(org_a, org_b, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    member(org_b, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        _schedules(org_a, owner, 10)
    busy, _ = _sweep(org_a, in_tenant)
    idle, result = _sweep(org_b, in_tenant)
    assert busy == idle and result.created == 0


def test_one_digest_per_person_holds_the_sweep_and_earlier_notices_once(
    org_a, org_b, member, in_tenant
):
    """The new rows are stamped by the inserting sweep; a notice made between sweeps
    (`notify`) is claimed by the next digest, once."""
    owner, officer = member(org_a, Role.CONTRIBUTOR), member(org_a, Role.OFFICER)
    stranger = member(org_b, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=-30)  # escalates
        ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=3)
        services.notify(
            recipient_id=owner.pk, kind="note", subject="A notice", url="/n/", key="note:1"
        )
    _, result = _sweep(org_a, in_tenant)
    assert result.created == 3  # owner: overdue and soon; officer: escalated
    by_person = {m.to[0]: m for m in result.digests}
    assert len(result.digests) == 2
    assert set(by_person) == {owner.email, officer.email}
    owner_mail = by_person[owner.email].body
    assert owner_mail.count("\n- ") == 3 and "A notice" in owner_mail
    assert owner_mail.index("Overdue") < owner_mail.index("Due soon")  # due order
    assert "Escalated" not in owner_mail and "escalated to the officers" in (
        by_person[officer.email].body
    )
    assert stranger.email not in by_person
    _, again = _sweep(org_a, in_tenant)
    assert again.created == 0 and again.digests == []
    with in_tenant(org_a):
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_reminders_are_not_copied_into_the_audit_trail_but_their_changes_are(
    org_a, member, in_tenant
):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=-1)
    _sweep(org_a, in_tenant)
    with in_tenant(org_a):
        note = Notification.objects.get()
        table = Notification._meta.db_table
        assert not AuditEvent.objects.filter(table_name=table).exists()
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
        assert AuditEvent.objects.filter(table_name=table, action="update").count() == 1


# --- checks (Clause 9.1 a)) ------------------------------------------------------------------


def _owned_control(org, owner, framework_code="iso27001-2022", ref="5.9"):
    from isms.models import Control, Framework
    from risks.models import SoARow, StatementOfApplicability

    framework, _ = Framework.objects.get_or_create(
        code=framework_code, defaults={"name": framework_code}
    )
    control, _ = Control.objects.get_or_create(
        framework=framework, ref=ref, defaults={"group": "Org", "title": ref, "description": "-"}
    )
    soa, _ = StatementOfApplicability.objects.get_or_create(organization=org, framework=framework)
    row, _ = SoARow.objects.get_or_create(organization=org, soa=soa, control=control)
    SoARow.objects.filter(pk=row.pk).update(owner=owner, applicable=True)
    return row


def _assets(org, owner, count, *, unowned: bool) -> None:
    """`count` AI systems in production; with `unowned`, every other one's owner has left
    the organisation (the check constraint wants an owner)."""
    from assets.models import Asset, AssetType, Lifecycle
    from tests.factories import MembershipFactory

    gone = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    Membership.objects.filter(user=gone).delete()

    Asset.objects.bulk_create(
        [
            Asset(
                organization=org,
                name=f"AI {i}",
                asset_type=AssetType.AI_SYSTEM,
                lifecycle=Lifecycle.PRODUCTION,
                owner=gone if unowned and i % 2 else owner,
            )
            for i in range(count)
        ]
    )


def test_checks_run_the_same_queries_whether_a_check_fails_or_not(org_a, org_b, member, in_tenant):
    """10 assets all owned (ai_assets_owned passes, nobody told) against 1,000 with half
    unowned (it fails, the control's owner is told): the same number of queries."""
    counts, runs = {}, {}
    for org, size, unowned in ((org_a, 10, False), (org_b, 1000, True)):
        owner = member(org, Role.CONTRIBUTOR)
        with in_tenant(org):
            _owned_control(org, owner)
            _assets(org, owner, size, unowned=unowned)
            with CaptureQueriesContext(connection) as captured:
                runs[size] = {r.check_code: r for r in run_checks()}
            counts[size] = len(captured)
    assert counts[10] == counts[1000], counts
    assert runs[10]["ai_assets_owned"].status == "pass"
    assert runs[1000]["ai_assets_owned"].failing_count == 500
    assert len(runs[1000]["ai_assets_owned"].failing) == 50  # the listed ones, count in full
    with in_tenant(org_b):
        told = Notification.objects.filter(kind="check_failed", subject__contains="5.9")
        assert told.filter(subject__contains="ai_assets_owned").count() == 1
    with in_tenant(org_a):
        assert not Notification.objects.filter(subject__contains="ai_assets_owned").exists()


def test_a_failing_check_tells_each_owner_once_a_day_and_only_members(org_a, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        row = _owned_control(org_a, owner)
        _assets(org_a, owner, 4, unowned=True)
        run_checks(codes=["ai_assets_owned"])
        run_checks(codes=["ai_assets_owned"])
        assert Notification.objects.filter(kind="check_failed").count() == 1
        Membership.objects.filter(organization=org_a, user=owner).delete()
        Notification.objects.all().delete()
        run_checks(codes=["ai_assets_owned"])
        assert not Notification.objects.exists()  # a former member is not told
        assert row.pk


# --- AI metrics intake (ISO/IEC 42001 9.1, A.6.2.6) -------------------------------------------


def _points(asset_id, count, start):
    return [
        {
            "asset": asset_id,
            "metric": "drift",
            "measured_at": (start + timedelta(minutes=i)).isoformat(),
            "value": 0.1,
        }
        for i in range(count)
    ]


def test_the_intake_runs_the_same_queries_for_10_and_500_points(
    org_a, in_tenant, api_for, api_key_for
):
    with in_tenant(org_a):
        asset = ai_asset(org_a)
    api = api_for(api_token=api_key_for(org_a))
    url = f"/api/v1/orgs/{org_a.slug}/metric-points/batch/"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    api.post(url, {"points": _points(asset.pk, 1, start)}, format="json")  # warm
    counts = {}
    for n, size in enumerate((10, 500), start=1):
        body = {"points": _points(asset.pk, size, start + timedelta(days=n))}
        with CaptureQueriesContext(connection) as captured:
            answer = api.post(url, body, format="json")
        assert answer.status_code == 201 and answer.json()["stored"] == size
        counts[size] = len(captured)
    assert counts[10] == counts[500], counts
    with in_tenant(org_a):
        assert MetricPoint.objects.count() == 511
        # Points are their own record: not copied into the audit trail.
        assert not AuditEvent.objects.filter(table_name=MetricPoint._meta.db_table).exists()


def test_one_bad_point_in_500_stores_none_and_is_named(org_a, in_tenant, api_for, api_key_for):
    with in_tenant(org_a):
        asset = ai_asset(org_a)
    api = api_for(api_token=api_key_for(org_a))
    points = _points(asset.pk, 500, datetime(2026, 2, 1, tzinfo=UTC))
    points[377]["value"] = "high"
    answer = api.post(
        f"/api/v1/orgs/{org_a.slug}/metric-points/batch/", {"points": points}, format="json"
    )
    assert answer.status_code == 400 and "points[377].value" in answer.json()["errors"]
    with in_tenant(org_a):
        assert not MetricPoint.objects.exists()
