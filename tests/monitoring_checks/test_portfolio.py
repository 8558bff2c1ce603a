"""The portfolio (issue 12, "Dashboards as pictures"): a person with several memberships
sees each organisation's key figures in one table, in a constant number of queries, and
never an organisation where they are not an active member. Figures are computed inside each
organisation's own tenant context (row-level security stays forced)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Membership, Role
from monitoring.checks.models import CheckRun, PortfolioFigures
from monitoring.checks.portfolio import figures_refresh
from monitoring.checks.tasks import run_for_organization
from monitoring.incidents.models import Incident
from monitoring.reviews.models import ReviewSchedule, SubjectType
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def organisation(user, in_tenant, n, *, overdue=0, role=Role.OFFICER):
    org = OrganizationFactory(name=f"Client {n:02d}", slug=f"client-{n:02d}")
    MembershipFactory(organization=org, user=user, role=role)
    with in_tenant(org):
        for i in range(overdue):
            ReviewSchedule.objects.create(
                subject_type=SubjectType.SUPPLIER,
                object_id=i + 1,
                title=f"Review {i}",
                interval_months=12,
                next_due=TODAY - timedelta(days=5),
            )
        CheckRun.objects.create(check_code="ai_assets_owned", status="fail", controls=[])
        figures_refresh()
    return org


def _page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/portfolio/")
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_every_organisation_in_one_table_with_links_that_filter(member, in_tenant, client_for):
    consultant = MembershipFactory(role=Role.OFFICER).user
    first = organisation(consultant, in_tenant, 1, overdue=2)
    organisation(consultant, in_tenant, 2)
    html, _ = _page(client_for(consultant))
    assert 'data-org="client-01"' in html and 'data-org="client-02"' in html
    assert f'href="/o/{first.slug}/monitoring/reviews/?overdue=true"' in html
    assert f'href="/o/{first.slug}/monitoring/checks/?status=fail"' in html
    row = html.split('data-org="client-01"')[1].split("</tr>")[0]
    assert 'data-figure="overdue_reviews">2<' in row and 'data-figure="checks_failing">1<' in row


def test_the_page_runs_the_same_queries_for_2_and_10_organisations(in_tenant, client_for):
    few, many = MembershipFactory().user, MembershipFactory().user
    for n in range(2):
        organisation(few, in_tenant, n)
    for n in range(10, 20):
        organisation(many, in_tenant, n)
    small_html, small = _page(client_for(few))
    large_html, large = _page(client_for(many))
    assert large_html.count("data-org=") == 11 and small_html.count("data-org=") == 3
    assert small == large, (small, large)


def test_only_active_memberships_are_shown(org_a, org_b, in_tenant, client_for):
    user = MembershipFactory(role=Role.OFFICER).user
    mine = organisation(user, in_tenant, 1)
    revoked = organisation(user, in_tenant, 2)
    removed = organisation(user, in_tenant, 3)
    with in_tenant(org_b):
        figures_refresh()  # an organisation the user never belonged to
    Membership.objects.filter(user=user, organization=revoked).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    Membership.objects.filter(user=user, organization=removed).delete()
    html, _ = _page(client_for(user))
    assert f'data-org="{mine.slug}"' in html
    for hidden in (revoked, removed, org_b):
        assert hidden.slug not in html and hidden.name not in html


def test_signed_out_visitors_are_sent_to_log_in():
    response = Client().get("/portfolio/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_figures_are_computed_in_the_organisations_own_context(org_a, org_b, in_tenant):
    with in_tenant(org_b):
        Incident.objects.create(title="B's incident", description="x", aware_at=timezone.now())
    with in_tenant(org_a):
        figures_refresh()
    with in_tenant(org_b):
        figures_refresh()
    a = PortfolioFigures.objects.get(organization=org_a).figures
    b = PortfolioFigures.objects.get(organization=org_b).figures
    assert a["open_incidents"] == 0 and b["open_incidents"] == 1


def test_the_hourly_check_run_stores_the_figures(org_a):
    run_for_organization(organization_id=org_a.pk)
    stored = PortfolioFigures.objects.get(organization=org_a)
    assert stored.figures["checks_ran"] > 0 and stored.computed_at is not None


def test_the_switcher_links_the_portfolio_for_several_memberships(in_tenant, client_for):
    user = MembershipFactory(role=Role.OFFICER).user
    one = organisation(user, in_tenant, 1)
    html = client_for(user).get(f"/o/{one.slug}/").content.decode()
    assert 'id="portfolio-link"' in html
