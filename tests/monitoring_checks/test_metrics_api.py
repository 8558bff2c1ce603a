"""AI metrics pushed by integrations (ISO/IEC 42001 9.1, A.6.2.6): batches all or nothing,
idempotent by (asset, metric, time), another organisation's asset answered like an unknown
one; the pages and the run endpoint."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.checks import registry
from monitoring.checks.models import CheckRun, MetricPoint
from tests.monitoring_checks.factories import make_ai_asset

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def url(org):
    return f"/api/v1/orgs/{org.slug}/metric-points/batch/"


def point(asset_id, i=0, **kw):
    return {
        "asset": asset_id,
        "metric": "drift",
        "measured_at": (T0 + timedelta(minutes=i)).isoformat(),
        "value": 0.1,
        **kw,
    }


@pytest.fixture
def setup(org_a, org_b, in_tenant, api_for, api_key_for):
    with in_tenant(org_a):
        mine = make_ai_asset(org_a)
    with in_tenant(org_b):
        theirs = make_ai_asset(org_b)
    return mine, theirs, api_for(api_token=api_key_for(org_a))


def stored(org, in_tenant):
    with in_tenant(org):
        return MetricPoint.objects.count()


def test_a_batch_is_stored_and_a_retry_stores_nothing_twice(org_a, setup, in_tenant):
    mine, _, api = setup
    body = {"points": [point(mine.pk, i) for i in range(3)]}
    first = api.post(url(org_a), body, format="json")
    assert first.status_code == 201 and first.json()["stored"] == 3
    again = api.post(url(org_a), body, format="json")
    assert again.status_code == 201 and again.json() == {
        "received": 3,
        "stored": 0,
        "duplicates": 3,
    }
    assert stored(org_a, in_tenant) == 3
    # Inserts of points are not copied into the audit trail: each point says who pushed it.
    with in_tenant(org_a):
        pushers = set(MetricPoint.objects.values_list("pushed_by", flat=True))
    assert len(pushers) == 1 and pushers.pop().startswith("API key gr_")


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"asset": 999999}, "points[1].asset"),
        ({"asset": "theirs"}, "points[1].asset"),
        ({"value": "high"}, "points[1].value"),
        ({"value": None}, "points[1].value"),
        ({"metric": "vibes"}, "points[1].metric"),
        ({"measured_at": "yesterday"}, "points[1].measured_at"),
        ({"measured_at": "2026-11-01T10:00:00"}, "points[1].measured_at"),  # no offset
    ],
)
def test_one_bad_item_stores_nothing_and_is_named(org_a, setup, in_tenant, bad, field):
    mine, theirs, api = setup
    if bad.get("asset") == "theirs":
        bad = {"asset": theirs.pk}
    body = {"points": [point(mine.pk, 0), point(mine.pk, 1, **bad), point(mine.pk, 2)]}
    response = api.post(url(org_a), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]
    assert stored(org_a, in_tenant) == 0


def test_another_organisations_asset_reads_like_an_unknown_one(org_a, setup):
    _mine, theirs, api = setup
    unknown = api.post(url(org_a), {"points": [point(10**8)]}, format="json").json()
    foreign = api.post(url(org_a), {"points": [point(theirs.pk)]}, format="json").json()
    assert unknown["errors"]["points[0].asset"] == [f"No AI asset with id {10**8}."]
    assert foreign["errors"]["points[0].asset"] == [f"No AI asset with id {theirs.pk}."]


def test_a_read_only_key_cannot_push(org_a, setup, api_for, api_key_for):
    mine, _, _ = setup
    api = api_for(api_token=api_key_for(org_a, access="read"))
    assert api.post(url(org_a), {"points": [point(mine.pk)]}, format="json").status_code == 403


def test_a_breach_fails_the_metric_check_through_the_api(org_a, setup, in_tenant):
    mine, _, api = setup
    response = api.post(
        f"/api/v1/orgs/{org_a.slug}/metric-thresholds/",
        {"asset": mine.pk, "metric": "drift", "maximum": 0.2},
        format="json",
    )
    assert response.status_code == 201, response.json()
    api.post(url(org_a), {"points": [point(mine.pk, 0, value=0.9)]}, format="json")
    runs = api.post(f"/api/v1/orgs/{org_a.slug}/check-runs/run/").json()
    assert {r["check_code"]: r["status"] for r in runs}["ai_metric_thresholds"] == "fail"
    listed = api.get(f"/api/v1/orgs/{org_a.slug}/check-runs/?check_code=ai_metric_thresholds")
    assert listed.json()["results"][0]["status"] == "fail"


def test_intake_throughput_in_batches_of_500(org_a, setup, in_tenant):
    """A measurement, not a gate (the bench has the real figure): 10 batches of 500."""
    mine, _, api = setup
    start = time.perf_counter()
    for batch in range(10):
        body = {"points": [point(mine.pk, batch * 500 + i) for i in range(500)]}
        assert api.post(url(org_a), body, format="json").status_code == 201
    elapsed = time.perf_counter() - start
    assert stored(org_a, in_tenant) == 5000
    print(f"metrics intake: {5000 / elapsed:.0f} points/s")


def test_pages_show_a_failing_check_red_and_the_control_history(
    org_a, in_tenant, member, client_for
):
    from django.contrib.auth.models import Group  # noqa: F401

    from isms.models import Membership, Role
    from risks.models import SoARow
    from tests.risks.factories import make_soa_row

    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        gone = make_ai_asset(org_a)
        Membership.objects.filter(user=gone.owner).delete()
        row = make_soa_row(org_a)
    client = client_for(officer)
    response = client.post(f"/o/{org_a.slug}/monitoring/checks/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-check="ai_assets_owned"' in page and 'data-status="fail"' in page
    home = client.get(f"/o/{org_a.slug}/").content.decode()
    assert "Control checks failing" in home
    with in_tenant(org_a):
        assert CheckRun.objects.count() == len(registry.all_checks())  # one run per check
        assert SoARow.objects.filter(pk=row.pk).exists()
    control = client.get(f"/o/{org_a.slug}/monitoring/checks/controls/{row.pk}/")
    assert control.status_code == 200
    detail = client.get(f"/o/{org_a.slug}/monitoring/checks/ai_assets_owned/")
    assert "<svg" in detail.content.decode()
