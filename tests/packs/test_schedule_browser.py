"""The officer's pages added with scheduled packs and engagement editing (issue 21), in a
browser: schedule a quarterly pack from the packs page, see it listed, pause it; edit an
engagement's end. Screenshots go to PACK_SCREENSHOTS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from isms.models import Role
from isms.tenancy import tenant_context
from tests.browser import log_in
from tests.engagements.factories import make_engagement
from tests.factories import MembershipFactory, OrganizationFactory

SHOTS = os.environ.get("PACK_SCREENSHOTS", "artifacts/screenshots/packs")


def _shot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_schedules_a_pack_and_edits_an_engagement(browser_page):
    cache.clear()
    page = browser_page
    org = OrganizationFactory(name="Civic Bank", slug="civic")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    with tenant_context(org.pk):
        engagement = make_engagement(org, emails=())
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/packs/")
    page.get_by_role("link", name="Schedule packs").click()
    page.get_by_label("Cadence").select_option(label="Quarterly")
    _shot(page, "10-schedule-form")
    page.get_by_role("button", name="Schedule the pack").click()
    page.wait_for_url("**/monitoring/packs/")
    assert page.get_by_role("heading", name="Scheduled packs").is_visible()
    assert page.get_by_role("cell", name="Quarterly").is_visible()
    _shot(page, "11-pack-list-with-schedule")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_url("**/monitoring/packs/")
    assert page.get_by_role("cell", name="Paused").is_visible()

    page.goto(f"/o/civic/monitoring/engagements/{engagement.pk}/")
    _shot(page, "12-engagement-with-edit-and-end")
    page.get_by_role("link", name="Edit").click()
    assert page.get_by_role("heading", name="Edit the engagement").is_visible()
    _shot(page, "13-engagement-edit")
