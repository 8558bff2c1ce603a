"""Incidents raised from failing monitoring checks (ISO 27001 A.5.24–5.25: events are reported
and assessed; ISO 42001 A.6.2.6: AI system operation and monitoring): one click from the run,
pre-filled from it, a nonconformity with it where the run evidences controls (Clause 10.2),
one incident per run however often or concurrently it is raised, and nothing across
organisations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.errors import Conflict
from isms.models import Role
from monitoring.checks import services as checks
from monitoring.checks.models import CheckRun, MetricPoint, MetricThreshold
from monitoring.improvement.models import Nonconformity
from monitoring.incidents.from_checks import incident_from_check_run
from monitoring.incidents.models import Incident
from tests.concurrency import run_together
from tests.incidents.factories import actor_for
from tests.monitoring_checks.factories import make_ai_asset

pytestmark = pytest.mark.django_db


def _drift_run(org, in_tenant, **asset_fields) -> tuple[CheckRun, object]:
    """The AI-metric check, run after a drift point breached its threshold."""
    with in_tenant(org):
        asset = make_ai_asset(
            org, name="Claims triage model", model_version="2.3.1", **asset_fields
        )
        MetricThreshold.objects.create(asset=asset, metric="drift", maximum=0.2)
        MetricPoint.objects.create(
            asset=asset, metric="drift", value=0.41, measured_at=timezone.now() - timedelta(hours=1)
        )
        (run,) = checks.run_checks(codes=["ai_metric_thresholds"])
    assert run.status == "fail"
    return run, asset


def test_a_metric_breach_raises_a_prefilled_incident_and_nonconformity_once(org_a, in_tenant):
    run, asset = _drift_run(org_a, in_tenant)
    with in_tenant(org_a):
        officer = actor_for(org_a)
        raised = incident_from_check_run(actor=officer, run=run, nonconformity=True)
        incident = raised.incident
        assert raised.created
        assert (incident.source, incident.category) == ("monitoring", "malfunction")
        assert incident.check_run_id == run.pk and incident.aware_at == run.ran_at
        assert "Claims triage model: drift = 0.41" in incident.description
        (link,) = incident.asset_links.all()
        assert (link.asset_id, link.model_version) == (asset.pk, "2.3.1")
        assert incident.timeline.filter(text__contains=f"check run #{run.pk}").exists()
        nc = raised.nonconformity
        assert nc.source == "control_test" and nc.source_incident_id == incident.pk
        assert f"Check run #{run.pk}" in nc.source_reference
        # Twice: the same incident, no second nonconformity.
        again = incident_from_check_run(actor=officer, run=run, nonconformity=True)
        assert not again.created and again.incident.pk == incident.pk
        assert Incident.objects.count() == 1 and Nonconformity.objects.count() == 1


@pytest.mark.parametrize(
    ("metric", "value", "category", "severity"),
    [
        ("fairness_gap", 0.3, "biased_output", "medium"),
        ("injection_succeeded", 3, "prompt_injection", "high"),
        ("dlp_hits", 5, "data_leak", "high"),
    ],
)
def test_the_category_follows_the_metric_that_failed(
    org_a, in_tenant, metric, value, category, severity
):
    with in_tenant(org_a):
        asset = make_ai_asset(org_a)
        MetricThreshold.objects.create(asset=asset, metric=metric, maximum=0)
        MetricPoint.objects.create(
            asset=asset, metric=metric, value=value, measured_at=timezone.now()
        )
        (run,) = checks.run_checks(codes=["ai_metric_thresholds"])
        incident = incident_from_check_run(
            actor=actor_for(org_a), run=run, nonconformity=False
        ).incident
    assert (incident.category, incident.severity) == (category, severity)
    with in_tenant(org_a):
        assert not Nonconformity.objects.exists()


def test_a_passing_run_raises_nothing_and_a_reader_cannot_raise(org_a, in_tenant):
    with in_tenant(org_a):
        run = CheckRun.objects.create(check_code="ai_assets_owned", status="pass", controls=[])
        with pytest.raises(Conflict):
            incident_from_check_run(actor=actor_for(org_a), run=run)
    failing, _ = _drift_run(org_a, in_tenant)
    with in_tenant(org_a):
        from isms.errors import NotPermitted

        with pytest.raises(NotPermitted):
            incident_from_check_run(actor=actor_for(org_a, Role.AUDITOR), run=failing)
        assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_raising_at_once_get_one_incident(org_a, in_tenant):
    run, _ = _drift_run(org_a, in_tenant)
    with in_tenant(org_a):
        people = [actor_for(org_a), actor_for(org_a)]

    def raise_as(actor):
        def go():
            with in_tenant(org_a):
                return incident_from_check_run(actor=actor, run=run, nonconformity=True)

        return go

    outcomes = run_together([raise_as(p) for p in people])
    assert [o.error for o in outcomes] == [None, None]
    raised = [o.value for o in outcomes]
    assert sorted(r.created for r in raised) == [False, True]
    assert raised[0].incident.pk == raised[1].incident.pk
    with in_tenant(org_a):
        assert Incident.objects.count() == 1 and Nonconformity.objects.count() == 1


def test_one_click_from_the_check_page(org_a, member, client_for, in_tenant):
    run, _ = _drift_run(org_a, in_tenant)
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    page = client.get(f"/o/{org_a.slug}/monitoring/checks/ai_metric_thresholds/").content.decode()
    action = f"/o/{org_a.slug}/monitoring/incidents/from-check-run/{run.pk}/"
    assert action in page and "Also raise a nonconformity" in page
    response = client.post(action, {"nonconformity": "1"}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(f"/o/{org_a.slug}/monitoring/incidents/")
    assert "raised from the check run, with a nonconformity" in body
    assert f"check run #{run.pk}" in body and "model 2.3.1 at the time" in body
    again = client.post(action, {"nonconformity": "1"}, follow=True).content.decode()
    assert "already raised incident" in again
    with in_tenant(org_a):
        incident = Incident.objects.get()
        assert Nonconformity.objects.count() == 1
    # The check page now links the incident instead of offering the button.
    page = client.get(f"/o/{org_a.slug}/monitoring/checks/ai_metric_thresholds/").content.decode()
    assert incident.get_absolute_url() in page and action not in page
    # A read-only auditor sees no button, and a POST is refused.
    auditor = client_for(member(org_a, Role.AUDITOR))
    with in_tenant(org_a):
        second, _ = _drift_run(org_a, in_tenant)
    assert (
        f"from-check-run/{second.pk}/"
        not in auditor.get(
            f"/o/{org_a.slug}/monitoring/checks/ai_metric_thresholds/"
        ).content.decode()
    )
    assert (
        auditor.post(
            f"/o/{org_a.slug}/monitoring/incidents/from-check-run/{second.pk}/"
        ).status_code
        == 403
    )


def test_api_raises_once_and_answers_with_the_same_incident(org_a, api_for, api_key_for, in_tenant):
    run, asset = _drift_run(org_a, in_tenant)
    client = api_for(api_token=api_key_for(org_a))
    url = f"/api/v1/orgs/{org_a.slug}/incidents/from-check-run/"
    first = client.post(url, {"check_run": run.pk}, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["check_run"] == run.pk and body["source"] == "monitoring"
    assert body["category"] == "malfunction" and body["assets"] == [asset.pk]
    second = client.post(url, {"check_run": run.pk}, format="json")
    assert second.status_code == 200 and second.json()["id"] == body["id"]
    bad = client.post(url, {"check_run": 999999}, format="json")
    assert bad.status_code == 400 and "check_run" in bad.json()["errors"]


def test_another_organisation_cannot_raise_from_or_see_a_run(
    org_a, org_b, member, client_for, api_for, api_key_for, in_tenant
):
    run, _ = _drift_run(org_a, in_tenant)
    # Organisation B's officer and key, pointed at A's run id: the same answer as a missing run.
    outsider = client_for(member(org_b, Role.OFFICER))
    ui = outsider.post(f"/o/{org_b.slug}/monitoring/incidents/from-check-run/{run.pk}/")
    missing = outsider.post(f"/o/{org_b.slug}/monitoring/incidents/from-check-run/999999/")
    assert ui.status_code == missing.status_code == 404
    api = api_for(api_token=api_key_for(org_b))
    url = f"/api/v1/orgs/{org_b.slug}/incidents/from-check-run/"
    theirs = api.post(url, {"check_run": run.pk}, format="json")
    nowhere = api.post(url, {"check_run": 999999}, format="json")
    assert theirs.status_code == nowhere.status_code == 400
    assert theirs.json()["errors"] == {
        "check_run": [
            m.replace("999999", str(run.pk)) for m in nowhere.json()["errors"]["check_run"]
        ]
    }
    with in_tenant(org_b):
        assert not Incident.objects.exists()
    # A's incident from its run stays invisible to B.
    with in_tenant(org_a):
        incident = incident_from_check_run(actor=actor_for(org_a), run=run).incident
    assert outsider.get(f"/o/{org_b.slug}/monitoring/incidents/{incident.pk}/").status_code == 404
    assert api.get(f"/api/v1/orgs/{org_b.slug}/incidents/{incident.pk}/").status_code == 404
    assert api.get(f"/api/v1/orgs/{org_b.slug}/incidents/").json()["results"] == []
