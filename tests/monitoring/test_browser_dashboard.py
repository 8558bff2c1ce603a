"""Issue 12's journey through a real browser (ISO/IEC 42001 9.1, control A.6.2.6): an
overdue AI-system review shows on the dashboard and in My tasks; the owner completes the
checklist with outcome "continue" and signs it off; the hourly check run (the task beat
queues) turns "AI systems reviewed on time" green and the dashboard shows nothing overdue."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset
from isms.models import Role
from isms.tenancy import tenant_context
from monitoring.checks.models import CheckRun
from monitoring.checks.tasks import run_for_organization
from tests.browser import log_in
from tests.monitoring.factories import ai_asset, ai_schedule

SHOTS = os.environ.get("SCREENSHOT_DIR")
CHECK = "ai_reviews_on_time"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def latest_status(org) -> str:
    with tenant_context(org.pk):
        return CheckRun.objects.filter(check_code=CHECK).order_by("-ran_at", "-id")[0].status


@pytest.fixture
def unreviewed_ai_system(org_a, member):
    """A deployed AI system in the register for 400 days, never reviewed, its review 9 days
    overdue; the checks have run once (made before the browser starts)."""
    owner = member(org_a, Role.CONTRIBUTOR)
    member(org_a, Role.OFFICER)
    with tenant_context(org_a.pk):
        asset = ai_asset(
            org_a,
            owner,
            name="Claims triage assistant",
            intended_purpose="Sort incoming claims by urgency",
            transparency_notice_url="https://example.test/ai-notice",
        )
        Asset.objects.filter(pk=asset.pk).update(created=timezone.now() - timedelta(days=400))
        ai_schedule(org_a, asset, due_in_days=-9)
    run_for_organization(organization_id=org_a.pk)
    assert latest_status(org_a) == "fail"
    return owner


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_an_overdue_ai_review_turns_the_check_green(org_a, unreviewed_ai_system, browser_page):
    owner, page = unreviewed_ai_system, browser_page
    log_in(page, owner.email)
    page.goto(f"/o/{org_a.slug}/")
    reviews = page.get_by_role("link", name="Reviews overdue")
    assert reviews.count() == 1
    card = page.locator(".figure-card", has=reviews)
    assert card.locator(".display-6").inner_text() == "1"
    checks = page.locator(
        ".figure-card", has=page.get_by_role("link", name="Control checks failing")
    )
    assert int(checks.locator(".display-6").inner_text()) >= 1
    shot(page, "j1-dashboard-overdue")

    reviews.click()  # the figure opens the list filtered to what it counts
    page.wait_for_url(re.compile(r"/monitoring/reviews/\?overdue=true$"))
    assert page.get_by_role("link", name="Claims triage assistant").count() >= 1

    page.locator("#my-tasks-link").click()
    overdue = page.locator("section[aria-labelledby='group-overdue']")
    task = overdue.get_by_role("link", name=re.compile("Claims triage assistant"))
    assert task.count() == 1
    shot(page, "j2-my-tasks")
    task.click()
    page.get_by_role("button", name="Start the review").click()
    page.get_by_text("Review opened, prefilled from the registers.").wait_for()
    for select in page.locator("tbody select").all():
        if select.input_value() == "":
            select.select_option("yes")
    for row in page.locator("tbody tr").all():
        if row.locator("select").input_value() == "no":
            row.locator("input[type=text]").fill("Known gap, tracked in the risk register")
    page.get_by_label("Outcome", exact=True).select_option("continue")
    shot(page, "j3-checklist")
    page.get_by_role("button", name="Sign off the review").click()
    page.get_by_text(re.compile("signed off; next review due")).wait_for()

    run_for_organization(organization_id=org_a.pk)  # what beat's hourly sweep queues
    assert latest_status(org_a) == "pass"
    page.goto(f"/o/{org_a.slug}/monitoring/checks/{CHECK}/")
    assert "Pass" in page.locator("body").inner_text()
    page.goto(f"/o/{org_a.slug}/")
    card = page.locator(".figure-card", has=page.get_by_role("link", name="Reviews overdue"))
    assert card.locator(".display-6").inner_text() == "0"
    shot(page, "j4-dashboard-after")
