"""Long unbroken text wraps (issue 17, item 9): a pasted URL, hash or token with no space in
it stays inside the page in the register, on the record's page and in its history, instead
of widening the page past the window (WCAG 1.4.10 Reflow). The register's headers stay in
view while its rows scroll (sticky headers), and its print style leaves out the controls."""

from __future__ import annotations

import pytest

from isms.models import Role
from tests.assets.factories import AssetFactory
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UNBROKEN = "https://vendor.example/" + "a1b2c3d4e5" * 40  # 423 characters, no space

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The elements that reach past the window, for the failure message.
WIDE = """() => { const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > w + 1 && e.children.length === 0)
    .slice(0, 5).map(e => e.tagName + '.' + e.className); }"""


def test_long_unbroken_text_wraps_on_the_register_and_the_record(browser_page, in_tenant):
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 700})
    org = OrganizationFactory(name="Wrap Ltd", slug="wrap")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    with in_tenant(org):
        asset = AssetFactory(
            organization=org,
            name="Pasted" + "x" * 190,
            description=UNBROKEN,
            owner=officer,
            model_provider=UNBROKEN[:200],
        )
        for i in range(60):
            AssetFactory(organization=org, name=f"Filler {i:02d}", owner=officer)
    log_in(page, officer.email)
    for url in (
        "/o/wrap/assets/",
        f"/o/wrap/assets/{asset.pk}/",
        f"/o/wrap/assets/{asset.pk}/?tab=ai",
    ):
        page.goto(url)
        assert page.evaluate(OVERFLOW) <= 0, (url, page.evaluate(WIDE))
    page.goto("/o/wrap/assets/")
    page.screenshot(path="/tmp/ui17-wrap-register.png", full_page=False)

    # Sticky headers: scroll the register's frame; the header row stays at its top.
    frame = page.locator(".register-scroll")
    header = frame.locator("thead th").first
    top_before = header.bounding_box()["y"]
    frame.evaluate("el => el.scrollTo(0, 800)")
    page.wait_for_timeout(100)
    assert frame.evaluate("el => el.scrollTop") > 0
    assert abs(header.bounding_box()["y"] - top_before) < 2
    page.screenshot(path="/tmp/ui17-sticky-register.png", full_page=False)

    # Print: the table, without the navigation, the filters, the buttons and the chooser.
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("details.column-choice").is_visible()
    assert not page.get_by_role("link", name="Add asset").is_visible()
    assert not page.locator("#asset-filters").is_visible()
    assert not page.locator("#bulk-form").is_visible()
    assert page.locator(".register-scroll table").is_visible()
    assert frame.evaluate("el => getComputedStyle(el).overflow") == "visible"
    page.screenshot(path="/tmp/ui17-print-register.png", full_page=True)
