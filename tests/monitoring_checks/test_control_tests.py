"""Manual control tests, pushed results and evidence (ISO/IEC 27001:2022 9.1; independent
testing as in 5.35): the tester is never the control's owner; pushed results are all or
nothing and idempotent by key; results are immutable; another organisation sees nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from isms.errors import NotPermitted
from isms.models import Role
from monitoring.checks.control_services import manual_test_record, plan_create
from monitoring.checks.models import ControlEvidence, ControlTestResult
from risks.models import SoARow
from tests.risks.factories import actor_for, make_soa_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def control(org_a, in_tenant, member):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        row = make_soa_row(org_a)
        SoARow.objects.filter(pk=row.pk).update(owner=owner)
        row.refresh_from_db()
    return row, owner


def test_the_tester_cannot_be_the_controls_owner(org_a, in_tenant, control):
    row, owner = control
    with in_tenant(org_a):
        officer = actor_for(org_a)
        with pytest.raises(ValidationError) as refused:
            plan_create(actor=officer, soa_row=row, measured="MFA", method="sample", tester=owner)
        assert "tester" in refused.value.message_dict


def test_only_the_tester_records_and_the_plan_moves_on(org_a, in_tenant, control, member):
    row, owner = control
    tester = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        officer = actor_for(org_a)
        plan = plan_create(actor=officer, soa_row=row, measured="MFA", method="s", tester=tester)
        with pytest.raises(NotPermitted):
            manual_test_record(actor=actor_for(org_a, user=owner), plan=plan, result="effective")
        with pytest.raises(NotPermitted):
            manual_test_record(actor=officer, plan=plan, result="effective")
        due = plan.next_due
        result = manual_test_record(
            actor=actor_for(org_a, user=tester), plan=plan, result="ineffective", sample="20"
        )
        plan.refresh_from_db()
        assert result.tester == tester and plan.next_due >= due


def test_pushed_results_are_idempotent_and_all_or_nothing(
    org_a, org_b, in_tenant, control, api_for, api_key_for
):
    row, _ = control
    with in_tenant(org_a):
        key = f"{row.soa.framework.code}:{row.control.ref}"
    api = api_for(api_token=api_key_for(org_a))
    url = f"/api/v1/orgs/{org_a.slug}/control-test-results/batch/"
    body = {"results": [{"control": key, "result": "pass", "idempotency_key": "scan-1"}]}
    assert api.post(url, body, format="json").json()["stored"] == 1
    assert api.post(url, body, format="json").json()["duplicates"] == 1
    bad = {
        "results": [
            {"control": key, "result": "fail", "idempotency_key": "scan-2"},
            {"control": "nope:1", "result": "pass", "idempotency_key": "scan-3"},
        ]
    }
    response = api.post(url, bad, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["results[1].control"]
    with in_tenant(org_a):
        assert ControlTestResult.objects.count() == 1
    with in_tenant(org_b):
        assert ControlTestResult.objects.count() == 0
    # Controls are named by the shared library ("framework:ref"): the same key pushed by org B
    # lands in org B's own SoA row, never in A's, and A's idempotency key does not block B.
    api_b = api_for(api_token=api_key_for(org_b))
    other = api_b.post(
        f"/api/v1/orgs/{org_b.slug}/control-test-results/batch/", body, format="json"
    )
    assert other.status_code == 201 and other.json()["stored"] == 1
    with in_tenant(org_a):
        assert ControlTestResult.objects.count() == 1
    with in_tenant(org_b):
        assert ControlTestResult.objects.get().soa_row.organization_id == org_b.pk


def test_a_control_test_result_is_immutable_in_the_database(org_a, in_tenant, control):
    row, _ = control
    with in_tenant(org_a):
        result = ControlTestResult.objects.create(soa_row=row, result="effective")
    for sql in (
        "UPDATE monitoring_checks_controltestresult SET result = 'ineffective' WHERE id = %s",
        "DELETE FROM monitoring_checks_controltestresult WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            with in_tenant(org_a), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [result.pk])


def test_the_control_page_answers_how_and_what_proves_it(
    org_a, in_tenant, control, member, client_for, api_for
):
    row, _owner = control
    officer = member(org_a, Role.OFFICER)
    api = api_for(officer)
    response = api.post(
        f"/api/v1/orgs/{org_a.slug}/control-evidence/",
        {
            "soa_row": row.pk,
            "kind": "link",
            "title": "Quarterly access review",
            "url": "https://example.test/review",
            "valid_until": "2099-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    with in_tenant(org_a):
        ControlTestResult.objects.create(soa_row=row, result="ineffective", notes="2 of 20")
        assert ControlEvidence.objects.count() == 1
    page = client_for(officer).get(f"/o/{org_a.slug}/monitoring/checks/controls/{row.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Quarterly access review" in text and "2099-01-01" in text
    assert 'id="control-failing"' in text and "Ineffective" in text
