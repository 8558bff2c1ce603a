"""The demo organisation's competence records (7.2, 7.3; EU AI Act Art. 4) and starter
policies in a real browser: the home's AI literacy figure leads to the competence page with
its gaps (an expired oversight training), the training records and one record's evidence;
the AI policy shows the controls it implements (screenshots with SCREENSHOT_DIR)."""

from __future__ import annotations

import os

import pytest

from isms.controls.loader import load_control_library
from isms.demo import DEMO_PASSWORD, load_demo
from tests.browser import log_in

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_competence_records_in_the_browser(browser_page):
    load_control_library()  # as `make run` does before the demo
    demo = load_demo()
    page = browser_page
    log_in(page, demo.user("officer").email, DEMO_PASSWORD)
    page.goto("/o/demo/")
    figure = page.get_by_role("link", name="AI literacy coverage (%)")
    assert "who use or oversee AI" in figure.locator("..").locator("..").inner_text()
    figure.click()
    body = page.locator("main").inner_text()
    assert "AI literacy coverage" in body and "Expired" in body and "No record" in body
    assert "Oversight of AI outputs" in body
    shot(page, "competence")
    page.get_by_role("link", name="Training and awareness records").click()
    assert page.locator("table tbody tr").count() >= 8
    shot(page, "training-list")
    page.get_by_role("link", name="ISO/IEC 42001 lead auditor course").click()
    assert "learning.demo.example" in page.locator("main").inner_text()
    shot(page, "training-detail")
    page.goto("/o/demo/monitoring/competence/training/new/")
    shot(page, "training-form")
    page.goto("/o/demo/policies/")
    page.get_by_role("link", name="AI policy", exact=True).click()
    controls = page.locator("#controls").locator("..").inner_text()
    assert "A.2.2" in controls
    shot(page, "policy-controls")
    page.get_by_role("link", name="Choose the controls").click()
    shot(page, "policy-controls-form")
