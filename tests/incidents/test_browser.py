"""One journey (ISO 42001 A.3.3, A.8.3; ISO 27001 A.5.24–5.27, Clause 10.2): a citizen
reports an AI concern through the public form; an officer triages it into an incident,
raises a nonconformity in one click, plans a corrective action for a contributor; the
contributor does it; the contributor cannot verify it; the officer verifies it and closes
the nonconformity. Screenshots of each page go to $INCIDENT_SCREENSHOTS when set."""

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache

from isms.models import Role
from monitoring.incidents import services
from tests.browser import log_in, pick
from tests.factories import MembershipFactory, OrganizationFactory
from tests.incidents.factories import actor_for

SHOTS = os.environ.get("INCIDENT_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_concern_to_verified_corrective_action(browser_page, in_tenant):
    cache.clear()
    page = browser_page
    org = OrganizationFactory(name="Civic Bank", slug="civic")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    contributor = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    with in_tenant(org):
        token = services.concern_channel_create(actor=actor_for(org, user=officer)).token

    # A citizen, without an account.
    page.goto(f"/concern/{token}/")
    _shot(page, "01-concern-form")
    page.get_by_label("Which AI system or service? (optional)").fill("Loan chatbot")
    page.get_by_label("What happened?").fill(
        "The chatbot said my loan was refused because of where I live."
    )
    page.get_by_role("button", name="Send the report").click()
    page.get_by_text("your report was received").wait_for()
    _shot(page, "02-concern-thanks")

    # The officer triages it.
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/incidents/")
    _shot(page, "03-incident-list")
    page.get_by_role("link", name=re.compile("Public concern: Loan chatbot")).click()
    pick(page, "Handled by", officer.email)
    page.get_by_label("Severity").select_option("high")
    page.get_by_role("button", name="Accept as an incident").click()
    page.get_by_text("Triaged: the incident is being investigated.").wait_for()
    page.get_by_role("button", name="Raise a nonconformity from this incident").click()
    page.get_by_text("Nonconformity raised from the incident").wait_for()
    assert "where I live" in page.content()
    nc_url = page.url

    # Root cause, then a corrective action for the contributor.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Root cause").fill("Postcode was a feature of the scoring model.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("saved").first.wait_for()
    page.get_by_label("Description").fill("Remove postcode from the features and retrain")
    pick(page, "Action owner", contributor.email)
    page.get_by_label("Due date").fill("2030-01-31")
    page.get_by_role("button", name="Add the action").click()
    page.get_by_text("Corrective action planned.").wait_for()

    # The contributor does the work but cannot verify it.
    page.context.clear_cookies()
    log_in(page, contributor.email)
    page.goto(nc_url)
    page.get_by_label("What was done").fill("Retrained without postcode")
    page.get_by_role("button", name="Mark done").click()
    page.get_by_text("it now needs verification by someone else").wait_for()
    assert page.get_by_role("button", name="Verify effective").count() == 0
    assert "monitoring:approve" in page.content() or "own the action" in page.content()

    # The officer verifies effectiveness and closes the nonconformity.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto(nc_url)
    page.get_by_label("How effectiveness was checked").fill(
        "Re-ran 500 applications: approval rates equal across postcodes"
    )
    page.get_by_role("button", name="Verify effective").click()
    page.get_by_text("Verified effective.", exact=True).wait_for()
    page.get_by_role("button", name="Close the nonconformity").click()
    page.get_by_text("Nonconformity closed").wait_for()
    _shot(page, "04-nonconformity-closed")

    # Back on the incident: what was learned is next to how the fix was verified.
    page.get_by_role("link", name=re.compile("Public concern: Loan chatbot")).first.click()
    page.get_by_text("verified effective").wait_for()
    assert page.get_by_text("Re-ran 500 applications").is_visible()
    _shot(page, "05-incident-with-verified-fix")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_failing_ai_metric_check_raises_its_incident_in_one_click(browser_page, in_tenant):
    """ISO 42001 A.6.2.6 / ISO 27001 A.5.25: a drift breach seen by the monitoring check
    becomes an incident (and a Clause 10.2 nonconformity) from the run's page."""
    from django.utils import timezone

    from monitoring.checks.models import MetricPoint, MetricThreshold
    from monitoring.checks.services import run_checks
    from tests.monitoring_checks.factories import make_ai_asset

    page = browser_page
    org = OrganizationFactory(name="Civic Bank", slug="civic")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    with in_tenant(org):
        asset = make_ai_asset(org, name="Credit scoring model", model_version="4.2.0")
        MetricThreshold.objects.create(asset=asset, metric="drift", maximum=0.2)
        MetricPoint.objects.create(
            asset=asset, metric="drift", value=0.37, measured_at=timezone.now()
        )
        run_checks(codes=["ai_metric_thresholds"])
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/checks/ai_metric_thresholds/")
    _shot(page, "20-failing-check")
    page.get_by_role("button", name="Raise an incident from this run").click()
    page.get_by_text("raised from the check run, with a nonconformity").wait_for()
    _shot(page, "21-incident-from-check")
    assert page.get_by_text("model 4.2.0 at the time").is_visible()
    assert page.get_by_text("Malfunction or drift").first.is_visible()
    page.get_by_role("link", name=re.compile(r"check run #\d+")).click()
    page.get_by_text("This run raised incident").wait_for()
