"""One journey through a real browser (ISO/IEC 42001 9.1): an overdue AI-system review shows
on the owner's home page and in My tasks; the owner answers the prefilled checklist and signs
it off; it leaves My tasks and the schedule moves on."""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone

from isms.models import Role
from isms.tenancy import tenant_context
from monitoring.inbox.models import Notification
from monitoring.reviews import services
from tests.browser import log_in
from tests.monitoring.factories import ai_asset, ai_schedule

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def overdue_review(org_a, member):
    """Made before the browser starts (see tests/policies/test_browser.py)."""
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
        schedule = ai_schedule(org_a, asset, due_in_days=-9)
        Notification.objects.create(
            recipient=owner,
            kind="review",
            subject="Review AI system: Claims triage assistant",
            url=f"/o/{org_a.slug}/monitoring/reviews/schedules/{schedule.pk}/",
            key="journey",
        )
    return owner, schedule


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_an_overdue_ai_review_from_my_tasks_to_sign_off(org_a, overdue_review, browser_page):
    owner, _schedule = overdue_review
    page = browser_page
    log_in(page, owner.email)
    page.goto(f"/o/{org_a.slug}/")
    overdue_figure = page.get_by_role("link", name="My overdue tasks")
    assert overdue_figure.count() == 1
    shot(page, "01-home")
    page.locator("#my-tasks-link").click()
    page.wait_for_url(re.compile(r"/monitoring/tasks/$"))
    assert page.locator("#unread-count").inner_text().startswith("1")
    overdue = page.locator("section", has=page.get_by_role("heading", name=re.compile("Overdue")))
    task = overdue.get_by_role("link", name="Review AI system: Claims triage assistant")
    assert task.count() == 1
    shot(page, "02-my-tasks")

    task.click()
    page.get_by_text("overdue").first.wait_for()
    shot(page, "03-schedule")
    page.get_by_role("button", name="Start the review").click()
    page.get_by_text("Review opened, prefilled from the registers.").wait_for()
    # Prefilled with its source: the transparency notice is live, according to the register.
    row = page.locator("tr[data-item='transparency_notice_live']")
    assert "https://example.test/ai-notice" in row.inner_text()
    assert row.locator("select").input_value() == "yes"
    shot(page, "04-checklist")
    for select in page.locator("tbody select").all():
        if select.input_value() == "":
            select.select_option("yes")
    for row in page.locator("tbody tr").all():
        if row.locator("select").input_value() == "no":
            row.locator("input[type=text]").fill("Known gap, tracked in the risk register")
    page.get_by_label("Outcome", exact=True).select_option("continue")
    page.get_by_role("button", name="Sign off the review").click()
    page.get_by_text(re.compile("signed off; next review due")).wait_for()
    assert (
        str(services.add_months(timezone.localdate(), 6).year)
        in page.locator(".alert").inner_text()
    )
    shot(page, "05-signed-off")

    page.goto(f"/o/{org_a.slug}/monitoring/tasks/")
    assert page.get_by_role("link", name="Review AI system: Claims triage assistant").count() == 1
    # ...only as the (unread) notification, not as a task any more:
    tasks = page.locator("section[aria-labelledby='group-overdue']")
    assert tasks.get_by_role("link").count() == 0
    assert "Nothing overdue." in tasks.inner_text()
    shot(page, "06-my-tasks-after")
    if SHOTS:  # the other pages, to look at
        page.goto(f"/o/{org_a.slug}/monitoring/reviews/")
        shot(page, "07-schedules")
        page.goto(f"/o/{org_a.slug}/assets/")
        page.get_by_role("link", name="Claims triage assistant").first.click()
        shot(page, "08-asset")
