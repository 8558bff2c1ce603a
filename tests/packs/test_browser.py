"""The officer's journey (issue 21): request a pack, watch its progress, download it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from isms.models import Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.packs.worker import start_worker

SHOTS = os.environ.get("PACK_SCREENSHOTS", "artifacts/screenshots/packs")


def _shot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_requests_watches_and_downloads_a_pack(browser_page, tmp_path):
    cache.clear()
    page = browser_page
    org = OrganizationFactory(name="Civic Bank", slug="civic")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    worker = start_worker(settings.MEDIA_ROOT)
    try:
        log_in(page, officer.email)
        page.goto("/o/civic/monitoring/packs/")
        _shot(page, "01-pack-list-empty")
        page.get_by_role("link", name="Request a pack").click()
        _shot(page, "02-pack-request")
        page.get_by_label("ISO/IEC 42001:2023").uncheck()
        page.get_by_role("button", name="Request the pack").click()
        page.get_by_text("Pack requested").wait_for()
        _shot(page, "03-pack-progress")
        # HTMX polls the status until the worker has rendered every section.
        download = page.get_by_role("link", name="Download the PDF")
        download.wait_for(timeout=120_000)
        assert page.get_by_text("pages, rendered in").is_visible()
        _shot(page, "04-pack-done")
        with page.expect_download() as info:
            download.click()
        path = tmp_path / "pack.pdf"
        info.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF-")
        page.goto("/o/civic/monitoring/packs/verify/")
        page.get_by_label("File").set_input_files(str(path))
        page.get_by_role("button", name="Verify").click()
        page.get_by_text("Yes: this is the PDF of pack").wait_for()
        _shot(page, "05-pack-verified")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
