"""The incident and Clause 10 pages and API: the journey an officer takes, refusals shown in
words, query counts pinned, and API codes."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import Role
from monitoring.improvement.models import CorrectiveAction
from monitoring.incidents.models import Incident
from tests.incidents.factories import actor_for, make_incident

pytestmark = pytest.mark.django_db


def test_officer_reports_triages_and_closes_through_the_pages(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    base = f"/o/{org_a.slug}/monitoring/incidents/"
    assert client.get(base + "report/").status_code == 200
    response = client.post(
        base + "report/",
        {
            "title": "Bot gave medical advice",
            "description": "The support bot recommended a dose.",
            "category": "harmful_output",
            "severity": "high",
            "aware_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "serious_incident": "general",
        },
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        incident = Incident.objects.get()
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert "EU AI Act Art. 73(2)" in detail and "left" in detail  # countdown
    client.post(
        base + f"{incident.pk}/triage/", {"owner": officer.pk, "severity": "high", "note": ""}
    )
    page = client.post(base + f"{incident.pk}/close/", {"lessons_learned": ""}, follow=True)
    assert "lessons learned" in page.content.decode()
    with in_tenant(org_a):
        incident.refresh_from_db()
    assert incident.status == "investigating"
    client.post(base + f"{incident.pk}/close/", {"lessons_learned": "Guardrail on dosing."})
    with in_tenant(org_a):
        incident.refresh_from_db()
    assert incident.status == "closed"
    # One click to a nonconformity, pre-filled.
    response = client.post(base + f"{incident.pk}/nonconformity/")
    assert response.status_code == 302 and "/monitoring/improvement/" in response["Location"]
    assert (
        "The support bot recommended a dose." in client.get(response["Location"]).content.decode()
    )


def test_incident_list_query_count_is_flat(
    org_a, member, client_for, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        for n in range(40):
            make_incident(org_a, title=f"Incident {n}", owner=officer)
    client = client_for(officer)
    with django_assert_max_num_queries(12):
        response = client.get(f"/o/{org_a.slug}/monitoring/incidents/")
    assert response.status_code == 200 and "Incident 39" in response.content.decode()


def test_nonconformity_list_query_count_is_flat(
    org_a, member, client_for, in_tenant, django_assert_max_num_queries
):
    from tests.incidents.factories import make_action

    with in_tenant(org_a):
        for _ in range(30):
            make_action(org_a)
    client = client_for(member(org_a, Role.OFFICER))
    with django_assert_max_num_queries(12):
        assert client.get(f"/o/{org_a.slug}/monitoring/improvement/").status_code == 200


@pytest.mark.parametrize("path", ["incidents/", "improvement/"])
def test_annotated_lists_page_in_a_stable_order(path, org_a, member, client_for, in_tenant):
    """Counting per row groups the query, which drops Meta.ordering: without an explicit
    order the paginator warns and page 2 may repeat or skip rows."""
    from django.core.paginator import UnorderedObjectListWarning

    from tests.incidents.factories import make_action

    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        for n in range(55):
            make_incident(org_a, title=f"Incident {n:02}", owner=officer)
            make_action(org_a)
    client = client_for(officer)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        for page in (1, 2):
            response = client.get(f"/o/{org_a.slug}/monitoring/{path}?page={page}")
            assert response.status_code == 200
            seen += [o.pk for o in response.context["object_list"]]
    assert len(seen) == len(set(seen)) == 55


def test_api_report_and_triage_with_a_key_but_verify_needs_a_named_person(
    org_a, api_for, api_key_for, member, in_tenant
):
    client = api_for(api_token=api_key_for(org_a))
    base = f"/api/v1/orgs/{org_a.slug}/"
    response = client.post(
        base + "incidents/",
        {
            "title": "Drift alert",
            "description": "Accuracy fell below threshold.",
            "category": "malfunction",
            "personal_data_breach": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    incident_id = response.json()["id"]
    assert response.json()["source"] == "integration"
    clocks = client.get(base + f"incident-reporting-clocks/?incident={incident_id}").json()
    assert any(c["regime"] == "gdpr_art33" for c in clocks["results"])
    owner = member(org_a, Role.CONTRIBUTOR)
    assert (
        client.post(base + f"incidents/{incident_id}/triage/", {"owner": owner.pk}).status_code
        == 200
    )
    refused = client.post(base + f"incidents/{incident_id}/close/", {"lessons_learned": ""})
    assert refused.status_code == 400 and "lessons_learned" in refused.json()["errors"]
    with in_tenant(org_a):
        officer = actor_for(org_a)
        action = CorrectiveAction.objects.create(
            nonconformity=__import__(
                "tests.incidents.factories", fromlist=["make_nonconformity"]
            ).make_nonconformity(org_a),
            description="x",
            owner=owner,
            due_date=timezone.localdate() + timedelta(days=3),
            status="done",
        )
    verify = client.post(base + f"corrective-actions/{action.pk}/verify/", {"note": "ok"})
    assert verify.status_code == 403
    # The owner verifying their own action: refused with the segregation-of-duties code.
    own = api_for(user=owner).post(base + f"corrective-actions/{action.pk}/verify/", {"note": "x"})
    assert own.status_code == 403
    ok = api_for(user=officer.user).post(
        base + f"corrective-actions/{action.pk}/verify/", {"note": "Sampled"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verified"


def test_api_owner_verifying_own_action_gets_the_sod_code(org_a, api_for, in_tenant):
    from tests.incidents.factories import make_action

    with in_tenant(org_a):
        action = make_action(org_a)
        CorrectiveAction.objects.filter(pk=action.pk).update(status="done")
        officer = actor_for(org_a)
        CorrectiveAction.objects.filter(pk=action.pk).update(owner=officer.user)
    response = api_for(user=officer.user).post(
        f"/api/v1/orgs/{org_a.slug}/corrective-actions/{action.pk}/verify/", {"note": "mine"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "segregation_of_duties"
