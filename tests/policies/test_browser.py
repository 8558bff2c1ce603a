"""One journey through a real browser: an officer drafts the AI acceptable use policy from
the template, a reviewer approves it, the officer publishes it, a member acknowledges it
with one click, and the officer sees the rate move."""

from __future__ import annotations

import re

import pytest

from isms.models import Role
from tests.browser import log_in, pick


@pytest.fixture
def journey_people(org_a, member):
    """Made before the browser starts: ORM work done while Playwright's loop runs uses
    connections the test database teardown cannot see (so it could not drop the database)."""
    return (
        member(org_a, Role.OFFICER),
        member(org_a, Role.OFFICER),  # the approver must hold policies:approve
        member(org_a, Role.CONTRIBUTOR),
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_ai_policy_from_template_to_acknowledgement(org_a, journey_people, browser_page):
    officer, reviewer, reader = journey_people
    page = browser_page
    base = f"/o/{org_a.slug}/policies/"

    def act_as(user):
        page.context.clear_cookies()
        log_in(page, user.email)

    # The officer drafts from the template and sends it to the reviewer for approval.
    act_as(officer)
    page.goto(base + "templates/")
    page.get_by_role(
        "button", name="Create a draft from this template: AI acceptable use policy"
    ).click()
    page.wait_for_url(re.compile(r"/versions/\d+/edit/$"))
    version_url = page.url.removesuffix("edit/")
    page.get_by_label("What changed").fill("First issue")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="Submit for review").click()
    pick(page, "Approver", reviewer.email)
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Version 1 submitted for review.").wait_for()
    assert page.get_by_role("button", name="Approve").count() == 0  # never the author

    # The reviewer approves.
    act_as(reviewer)
    page.goto(version_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Version 1 approved.").wait_for()

    # The officer publishes.
    act_as(officer)
    page.goto(version_url)
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("its audience is asked to acknowledge it").wait_for()
    page.get_by_role("link", name="AI acceptable use policy").first.click()
    assert "0 of 3 members (0%)" in page.locator("#ack-rate").inner_text()
    policy_url = page.url

    # A member acknowledges with one click (HTMX swaps the cell in place).
    act_as(reader)
    page.goto(base + "to-read/")
    page.get_by_role("button", name="I have read v1").click()
    page.get_by_text("Acknowledged").wait_for()

    # The officer sees the rate move, and who has not read it yet.
    act_as(officer)
    page.goto(policy_url)
    assert "1 of 3 members (33%)" in page.locator("#ack-rate").inner_text()
    assert reviewer.get_full_name() in page.locator("details").inner_text()
    assert reviewer.get_full_name() in page.locator("#approved-by").inner_text()
