"""A new organisation follows the getting-started checklist to the end in a real browser
(issue 16): its administrator writes and submits the scope, imports the first assets from a
CSV file, invites a member and decides a control's applicability; each step ticks itself,
and the checklist leaves the home page once everything is done. Screenshots with
SCREENSHOT_DIR."""

from __future__ import annotations

import os

import pytest

from isms.models import Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.risks.factories import library_control

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _done(page, key: str) -> bool:
    return page.locator(f'[data-step="{key}"]').get_attribute("data-done") == "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_organisation_follows_the_checklist_to_the_end(browser_page, tmp_path):
    organization = OrganizationFactory(name="Fresh Start Ltd", slug="fresh")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    library_control("T.1")
    page = browser_page
    log_in(page, admin.email)
    page.goto("/o/fresh/")
    card = page.locator("#getting-started-card")
    assert card.get_by_role("heading", name="Getting started").is_visible()
    assert not any(_done(page, k) for k in ["scope", "roles", "assets", "members", "frameworks"])
    shot(page, "getting-started-empty")

    # 1. Scope: write it and submit it for approval.
    card.get_by_role("link", name="Write the scope of the management system").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Write the scope statement").click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Statement").fill("Our SaaS product and the AI assistant inside it.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for approval").click()
    page.goto("/o/fresh/")
    assert _done(page, "scope")

    # 2. AI roles (ISO/IEC 42001 4.1) and the EU AI Act legal type.
    page.locator("#getting-started-card").get_by_role("link", name="Record your AI roles").click()
    page.get_by_label("AI customer or user").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    page.goto("/o/fresh/")
    assert _done(page, "roles")

    # 3. First assets from a CSV file.
    csv = tmp_path / "assets.csv"
    csv.write_text(
        "name,asset_type,owner_email,classification,lifecycle\n"
        f"Customer database,database,{admin.email},confidential,production\n"
    )
    page.locator("#getting-started-card").get_by_role(
        "link", name="Add your first assets from a CSV file"
    ).click()
    page.locator('input[type="file"]').set_input_files(str(csv))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "Imported: 1 created" in page.locator("body").inner_text(), page.content()[:3000]
    page.goto("/o/fresh/")
    assert _done(page, "assets")

    # 4. Invite a member.
    page.locator("#getting-started-card").get_by_role("link", name="Invite your members").click()
    page.get_by_label("Email").fill("colleague@fresh.example")
    page.get_by_label("Role").select_option("contributor")
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()
    page.goto("/o/fresh/")
    assert _done(page, "members")
    shot(page, "getting-started-four-done")

    # 5. Frameworks: decide a control's applicability, with the reason.
    page.locator("#getting-started-card").get_by_role(
        "link", name="Choose your frameworks and controls"
    ).click()
    page.get_by_role("link", name="Test framework").click()
    page.get_by_role("button", name="Edit T.1").click()
    form = page.locator('tr[data-ref="T.1"] form')
    form.get_by_label("Applicable").uncheck()  # excluded, with the reason
    form.get_by_label("Justification").fill("Excluded: no such activity here.")
    form.get_by_role("button", name="Save").click()
    page.locator('tr[data-ref="T.1"] form').wait_for(state="detached")
    row = page.locator('tr[data-ref="T.1"]').inner_text()
    assert "Excluded: no such activity here." in row
    page.goto("/o/fresh/")
    assert page.locator("#getting-started-card").count() == 0  # every step done: it leaves
    shot(page, "getting-started-finished")
