"""One journey in Debian's chromium: an officer runs an AI supplier assessment end to end."""

import pytest
from django.utils import timezone

from isms.models import Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_assesses_a_supplier_through_the_link(browser_page, live_server):
    page = browser_page
    alpha = OrganizationFactory(name="Alpha Ltd", slug="alpha")
    officer = MembershipFactory(organization=alpha, role=Role.OFFICER).user
    approver = MembershipFactory(organization=alpha, role=Role.OFFICER).user

    # The officer adds an AI supplier.
    log_in(page, officer.username)
    page.goto("/o/alpha/suppliers/")
    page.get_by_role("link", name="Add supplier").click()
    page.get_by_label("Name").fill("Chatty Assist")
    page.get_by_label("AI services").select_option(["ai_api"])
    page.get_by_label("Criticality").select_option("critical")
    page.get_by_role("button", name="Add supplier").click()
    page.wait_for_url("**/o/alpha/suppliers/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Chatty Assist"

    # … starts an assessment, sends it and issues a link.
    page.get_by_role("link", name="Assessments").first.click()
    page.get_by_role("button", name="Start an assessment").click()
    page.wait_for_url("**/suppliers/assessments/*/")
    page.get_by_role("button", name="Send").click()
    assert page.locator("#assessment-status").inner_text() == "Sent to supplier"
    review_url = page.url
    page.get_by_label("Sent to (e-mail)").fill("security@chatty.example")
    page.get_by_role("button", name="Create link").click()
    link = page.locator("#portal-link").inner_text().strip()
    assert "/supplier-portal/" in link

    # The supplier, with no account, answers through the link in its own browser context.
    supplier_context = page.context.browser.new_context(base_url=live_server.url)
    supplier_page = supplier_context.new_page()
    supplier_page.goto(link)
    assert "Requested by Alpha Ltd" in supplier_page.content()
    for select in supplier_page.locator("main select").all():
        select.select_option("yes")
    for date_input in supplier_page.locator("main input[type=date]").all():
        date_input.fill(timezone.localdate().isoformat())
    for textarea in supplier_page.locator("main textarea").all():
        textarea.fill("Processed in the EU; details in our DPA.")
    supplier_page.get_by_role("button", name="Submit answers").click()
    supplier_page.get_by_text("your answers were submitted").wait_for()
    supplier_context.close()

    # The officer reviews, comments on an answer, approves and sees the rating.
    page.goto(review_url)
    assert page.locator("#assessment-status").inner_text() == "Submitted"
    page.get_by_role("button", name="Start reviewing").click()
    assert page.locator("#assessment-status").inner_text() == "Under review"
    page.get_by_label("Comment on this answer").first.fill("Please send the opt-out setting.")
    page.get_by_role("button", name="Comment").first.click()
    page.get_by_text("Please send the opt-out setting.").wait_for()
    # The officer sent and reviewed it: they are shown no Approve button (segregation of
    # duties, ISO/IEC 27001 A.5.3); a second officer decides.
    assert page.get_by_role("button", name="Approve").count() == 0
    approver_context = page.context.browser.new_context(base_url=live_server.url)
    approver_page = approver_context.new_page()
    log_in(approver_page, approver.username)
    approver_page.goto(review_url)
    approver_page.get_by_role("button", name="Approve").click()
    assert approver_page.locator("#assessment-status").inner_text() == "Approved"
    assert "Assessment approved" in approver_page.content()
    approver_context.close()
    page.goto(review_url)
    assert page.locator("#assessment-status").inner_text() == "Approved"
    # Training on customer data answered "yes": a knockout gap, so at least high risk.
    assert page.locator("#assessment-rating").inner_text() == "High"
    assert page.locator("#gaps").is_visible()
    page.get_by_role("link", name="← Chatty Assist").click()
    assert page.locator("#supplier-rating").inner_text() == "High"
