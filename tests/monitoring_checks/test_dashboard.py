"""The home page as a picture (ISO/IEC 27001:2022 Clause 9.1 monitoring and evaluation;
the SoA of 6.1.3 d): per framework, the share of applicable controls implemented, evidenced
(current evidence) and tested effective; the residual heat map; the check pass-rate trend;
overdue reviews and control tests. Every figure links to a list that really filters, and the
page's query count does not grow with the organisation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Framework, Role
from monitoring.checks import dashboard
from monitoring.checks.models import CheckRun, ControlEvidence, ControlTestResult
from monitoring.checks.registry import checks_for_control
from monitoring.reviews.models import ReviewSchedule, SubjectType
from risks.models import SoARow
from tests.assets.factories import AssetFactory
from tests.risks.factories import RiskFactory, library_control, make_soa

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
FW = "test-framework"


def row_for(org, ref, **fields):
    control = library_control(ref)
    soa = make_soa(org)
    row, _ = SoARow.objects.get_or_create(organization=org, soa=soa, control=control)
    if fields:
        SoARow.objects.filter(pk=row.pk).update(**fields)
        row.refresh_from_db()
    return row


def evidence(row, valid_until=None):
    return ControlEvidence.objects.create(
        soa_row=row, kind="link", title="Report", url="https://e.example/r", valid_until=valid_until
    )


def record_test(row, result, days_ago=0):
    return ControlTestResult.objects.create(
        soa_row=row, result=result, tested_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.fixture
def controls(org_a, in_tenant):
    """T.1 all three; T.2 implemented only (evidence expired, test ineffective); T.3 not
    implemented, evidenced, effective at its latest test; T.4 not applicable."""
    with in_tenant(org_a):
        one = row_for(org_a, "T.1", implementation_status="implemented")
        evidence(one, TODAY + timedelta(days=10))
        record_test(one, "effective")
        two = row_for(org_a, "T.2", implementation_status="implemented")
        evidence(two, TODAY - timedelta(days=1))
        record_test(two, "ineffective")
        three = row_for(org_a, "T.3", implementation_status="partial")
        evidence(three)
        record_test(three, "ineffective", days_ago=5)
        record_test(three, "effective", days_ago=1)
        row_for(org_a, "T.4", applicable=False, implementation_status="not_started")
    return one, two, three


def test_coverage_counts_applicable_implemented_evidenced_and_effective(org_a, in_tenant, controls):
    with in_tenant(org_a):
        (fw,) = [c for c in dashboard.coverage() if c.code == FW]
    assert (fw.applicable, fw.implemented, fw.evidenced, fw.effective) == (3, 2, 2, 2)
    assert fw.implemented_pct == 67


def test_a_control_without_tests_is_effective_when_every_check_of_it_passes(org_a, in_tenant):
    framework, _ = Framework.objects.get_or_create(
        code="iso27001-2022", defaults={"name": "ISO/IEC 27001:2022 Annex A"}
    )
    checks = checks_for_control("iso27001-2022", "5.9")
    assert checks, "the registry maps checks to control 5.9"
    from isms.models import Control

    control, _ = Control.objects.get_or_create(
        framework=framework, ref="5.9", defaults={"group": "O", "title": "Inventory"}
    )
    with in_tenant(org_a):
        from risks.models import StatementOfApplicability

        soa, _ = StatementOfApplicability.objects.get_or_create(framework=framework)
        row, _ = SoARow.objects.get_or_create(soa=soa, control=control)

        def state():
            return next(s for s in dashboard.control_states() if s.soa_row_id == row.pk)

        assert not state().effective  # never ran
        for check in checks:
            CheckRun.objects.create(check_code=check.code, status="pass", controls=[])
        assert state().effective
        CheckRun.objects.create(check_code=checks[0].code, status="fail", controls=[])
        assert not state().effective


def _listed(client, org, query):
    html = client.get(f"/o/{org.slug}/monitoring/checks/controls/?{query}").content.decode()
    return set(re.findall(r'data-control="[^"]*:(T\.\d+)"', html))


def test_the_coverage_list_filters_exactly_what_each_figure_counts(
    org_a, org_b, in_tenant, controls, member, client_for
):
    client = client_for(member(org_a, Role.OFFICER))
    assert _listed(client, org_a, f"framework={FW}") == {"T.1", "T.2", "T.3"}
    assert _listed(client, org_a, f"framework={FW}&gap=not_implemented") == {"T.3"}
    assert _listed(client, org_a, f"framework={FW}&gap=not_evidenced") == {"T.2"}
    assert _listed(client, org_a, f"framework={FW}&gap=not_effective") == {"T.2"}
    # Another organisation's list shows its own rows only (none of these are evidenced there).
    other = client_for(member(org_b, Role.OFFICER))
    assert _listed(other, org_b, f"framework={FW}&gap=not_evidenced") >= {"T.1", "T.3"}


def test_the_home_page_draws_coverage_heat_map_trend_and_overdue_reviews(
    org_a, in_tenant, controls, member, client_for
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        RiskFactory(
            organization=org_a,
            owner=officer,
            residual_likelihood=2,
            residual_impact=3,
            residual_score=6,
        )
        CheckRun.objects.create(check_code="ai_assets_owned", status="pass", controls=[])
        ReviewSchedule.objects.create(
            subject_type=SubjectType.SUPPLIER,
            object_id=1,
            title="Vendor review",
            interval_months=12,
            next_due=TODAY - timedelta(days=3),
        )
    html = client_for(officer).get(f"/o/{org_a.slug}/").content.decode()
    assert f'data-framework="{FW}"' in html
    assert f"controls/?framework={FW}&amp;gap=not_evidenced" in html
    assert 'data-measure="not_evidenced" data-count="2"' in html
    assert "residual_likelihood=2&amp;residual_impact=3" in html and 'data-count="1"' in html
    assert 'class="pass-rate"' in html  # the server-rendered SVG trend
    assert "/monitoring/reviews/?overdue=true" in html
    # ...and the overdue-reviews list really filters.
    listing = client_for(officer).get(f"/o/{org_a.slug}/monitoring/reviews/?overdue=true")
    assert "Vendor review" in listing.content.decode()


def _home_queries(client, org) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/o/{org.slug}/").status_code == 200
    return len(captured)


def test_the_home_page_runs_a_constant_number_of_queries(org_a, in_tenant, member, client_for):
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    with in_tenant(org_a):
        for i in range(2):
            row = row_for(org_a, f"T.{i + 1}", implementation_status="implemented")
            evidence(row)
            record_test(row, "effective")
            AssetFactory(organization=org_a, owner=officer)
            RiskFactory(organization=org_a, owner=officer)
    client.get(f"/o/{org_a.slug}/")  # warm caches (the session, the content types)
    small = _home_queries(client, org_a)
    with in_tenant(org_a):
        for i in range(2, 40):
            row = row_for(org_a, f"T.{i + 1}", implementation_status="partial")
            evidence(row, TODAY - timedelta(days=i))
            record_test(row, "partial")
            AssetFactory(organization=org_a, owner=officer)
            RiskFactory(organization=org_a, owner=officer)
    large = _home_queries(client, org_a)
    assert small == large, (small, large)
