"""Management review (Clause 9.3): inputs assembled from the registers, outputs as due
items, approval with segregation of duties, approved minutes immutable to raw SQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from isms import policy
from isms.errors import Conflict, ErrorCode, NotPermitted
from isms.models import Role
from monitoring.incidents import services as incidents
from monitoring.management import services
from monitoring.management.due import review_action_items
from monitoring.management.models import ManagementReview, ReviewOutput
from tests.incidents.factories import actor_for, make_nonconformity

pytestmark = pytest.mark.django_db


def _review(actor, **fields):
    today = timezone.localdate()
    values = {
        "title": "Management review 2026",
        "period_start": today - timedelta(days=365),
        "period_end": today,
    }
    return services.review_create(actor=actor, **(values | fields))


def test_inputs_are_assembled_from_the_registers_9_3_2(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        incident = incidents.incident_report(
            actor=officer,
            title="Biased ranking",
            description="Scores lower for older people.",
            category="biased_output",
            severity="high",
        )
        incidents.incident_triage(actor=officer, incident=incident, owner=officer.user)
        incidents.incident_close(actor=officer, incident=incident, lessons_learned="Test for age.")
        make_nonconformity(org_a)
        # Monitoring results (9.1) and the improvement log (10.1) enter without typing.
        from monitoring.checks.models import CheckRun
        from monitoring.improvement.services import improvement_log

        CheckRun.objects.create(check_code="ai_assets_owned", status="pass", controls=[])
        CheckRun.objects.create(
            check_code="ai_metric_thresholds", status="fail", failing_count=2, controls=[]
        )
        improvement_log(actor=officer, title="Share lessons at the AI steering meeting")
        earlier = _review(officer, title="Earlier review")
        services.output_add(
            actor=officer,
            review=earlier,
            kind="action",
            description="Hire a DPO",
            owner=officer.user,
            due_date=timezone.localdate() - timedelta(days=1),
        )
        review = _review(officer)
        inputs = review.inputs
        assert inputs["incidents"]["total"] == 1 and inputs["incidents"]["ai_incidents"] == 1
        assert inputs["incidents"]["lessons_learned"][0]["lessons"] == "Test for age."
        assert inputs["nonconformities"]["open"] == 1
        (previous,) = inputs["previous_actions"]
        assert previous["description"] == "Hire a DPO" and previous["overdue"] is True
        monitoring = inputs["monitoring_results"]
        assert (monitoring["check_runs"], monitoring["pass_rate"]) == (2, 50)
        assert [f["check"] for f in monitoring["failing_at_end"]] == [
            "AI metric thresholds respected"
        ]
        assert inputs["improvement"]["open_entries"] == ["Share lessons at the AI steering meeting"]
        assert review.inputs_assembled_at is not None and review.prepared_by == officer.user


def test_the_preparer_cannot_approve_and_approved_minutes_are_immutable(org_a, in_tenant):
    with in_tenant(org_a):
        preparer = actor_for(org_a)
        review = _review(preparer)
        with pytest.raises(ValidationError):  # no minutes yet
            services.review_submit(actor=preparer, review=review)
        services.review_update(actor=preparer, review=review, minutes="Decided: more audits.")
        review = services.review_submit(actor=preparer, review=review)
        with pytest.raises(NotPermitted) as error:
            services.review_approve(actor=preparer, review=review)
        assert error.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        with pytest.raises(NotPermitted):  # lacks monitoring:approve
            services.review_approve(actor=contributor, review=review)
        approver = actor_for(org_a, Role.ADMIN)
        review = services.review_approve(actor=approver, review=review)
        assert review.status == "approved" and review.approved_by == approver.user
        with pytest.raises(Conflict) as refused:
            services.review_update(actor=approver, review=review, minutes="Rewritten")
        assert refused.value.code == "immutable"
    # Raw SQL, as the application's database role: the trigger refuses both.
    for statement in [
        "UPDATE monitoring_management_managementreview SET minutes = 'forged' WHERE id = %s",
        "DELETE FROM monitoring_management_managementreview WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('app.organization_id', %s, true)", [str(org_a.pk)]
                )
                cursor.execute(statement, [review.pk])
    with in_tenant(org_a):
        assert ManagementReview.objects.get(pk=review.pk).minutes == "Decided: more audits."


def test_a_draft_review_changes_freely(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        review = _review(officer)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE monitoring_management_managementreview SET minutes = 'draft text'"
                " WHERE id = %s",
                [review.pk],
            )
        review.refresh_from_db()
        assert review.minutes == "draft text"


def test_review_actions_need_owner_and_date_and_become_due_items(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        review = _review(officer)
        with pytest.raises(ValidationError):
            services.output_add(actor=officer, review=review, kind="action", description="x")
        services.output_add(
            actor=officer, review=review, kind="decision", description="Adopt ISO 42001"
        )
        output = services.output_add(
            actor=officer,
            review=review,
            kind="action",
            description="Budget a red team",
            owner=officer.user,
            due_date=timezone.localdate() + timedelta(days=30),
        )
    with in_tenant(org_a):  # the sweep calls sources inside the organisation's context
        (item,) = review_action_items(org_a.pk, timezone.localdate())
    assert item.key == f"management-review-action:{output.pk}"
    assert item.recipient_ids == [officer.user.pk]


def test_a_review_raises_a_nonconformity_with_its_source_clause_10_2(
    org_a, member, client_for, in_tenant
):
    """Clause 10.2: nonconformities are raised from management reviews too; the review page
    opens the form pre-filled with the review as the source; an auditor gets no link."""
    from html import unescape

    from monitoring.improvement.models import Nonconformity

    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        review = _review(actor_for(org_a, user=officer))
    client = client_for(officer)
    page = client.get(f"/o/{org_a.slug}/monitoring/management-review/{review.pk}/").content
    link = re.search(
        r'href="([^"]*/improvement/new/\?source=management_review[^"]*)"', unescape(page.decode())
    )
    assert link, "no link to raise a nonconformity"
    form = client.get(link.group(1)).content.decode()
    assert 'value="management_review" selected' in form
    assert f"Management review #{review.pk}" in unescape(form)
    response = client.post(
        link.group(1),
        {
            "title": "Objectives not measured",
            "description": "Two AI objectives have no measure.",
            "source": "management_review",
            "source_reference": f"Management review #{review.pk}",
            "owner": officer.pk,
        },
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        nc = Nonconformity.objects.get()
    assert (nc.source, nc.source_reference) == (
        "management_review",
        f"Management review #{review.pk}",
    )
    auditor = client_for(member(org_a, Role.AUDITOR))
    assert (
        b"new/?source=management_review"
        not in auditor.get(f"/o/{org_a.slug}/monitoring/management-review/{review.pk}/").content
    )


def test_an_action_owner_updates_their_action_through_their_grant(org_a, in_tenant):
    """The owner of a management-review action (a contributor) may move its state, another
    contributor may not: the owner's guardian grant, not a foreign-key comparison."""
    with in_tenant(org_a):
        officer = actor_for(org_a)
        owner = actor_for(org_a, Role.CONTRIBUTOR)
        other = actor_for(org_a, Role.CONTRIBUTOR)
        review = _review(officer)
        output = services.output_add(
            actor=officer,
            review=review,
            kind="action",
            description="Train the product teams on AI incident reporting",
            owner=owner.user,
            due_date=timezone.localdate() + timedelta(days=30),
        )
        assert not policy.can(other, "change", output)
        assert list(policy.restrict(owner, "change", ReviewOutput.objects.all())) == [output]
        services.output_set_state(actor=owner, output=output, state="done")
        output.refresh_from_db()
        assert output.state == "done"
