"""The demo organisation's Clause 4 and 6.2 records in a real browser: the home shows the
approved scope; the scope page, the issues and interested parties, and an objective with
its measurements read as an auditor would expect (screenshots with SCREENSHOT_DIR)."""

from __future__ import annotations

import os

import pytest

from isms.demo import DEMO_PASSWORD, load_demo
from tests.browser import log_in

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_scope_issues_and_objectives_in_the_browser(browser_page):
    demo = load_demo()
    page = browser_page
    log_in(page, demo.user("auditor").email, DEMO_PASSWORD)
    page.goto("/o/demo/")
    block = page.locator("#home-scope").locator("..")
    assert "Version 1, approved by" in block.inner_text()
    shot(page, "home")
    block.get_by_role("link", name="boundaries, interfaces and exclusions").click()
    body = page.locator("main").inner_text()
    assert "In force: version 1" in body
    assert "finance systems, run by the parent company" in body  # the exclusion and why
    shot(page, "scope")
    page.get_by_role("link", name="Issues and interested parties").click()
    body = page.locator("main").inner_text()
    assert "Dependence on AI model suppliers" in body and "Investors" in body
    shot(page, "context")
    page.get_by_role("link", name="Objectives", exact=True).click()
    assert page.locator("main").get_by_text("Off target").count() == 1  # the AI one, at 75 %
    shot(page, "objectives")
    page.get_by_role("link", name="Patch critical vulnerabilities quickly").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 3 and "on target" in rows.first.inner_text()
    assert page.get_by_role("button", name="Record").count() == 0  # an auditor only reads
    shot(page, "objective")
