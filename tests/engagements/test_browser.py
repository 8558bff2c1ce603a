"""The auditor's journey (issue 21): an officer opens an engagement and invites an auditor by
e-mail; the auditor accepts, logs in and raises an evidence request; the officer answers it
with a file; the auditor downloads the file; the officer sees that download in the auditor
access log. Screenshots of each page go to $ENGAGEMENT_SCREENSHOTS when set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache

from isms.models import Role
from tests.browser import log_in
from tests.engagements.factories import a_framework
from tests.factories import MembershipFactory, OrganizationFactory

SHOTS = os.environ.get("ENGAGEMENT_SCREENSHOTS")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_engagement_request_answer_download_and_access_log(browser_page, tmp_path):
    cache.clear()
    page = browser_page
    a_framework()
    org = OrganizationFactory(name="Civic Bank", slug="civic")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user

    # The officer opens the engagement and invites the auditor.
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/engagements/")
    _shot(page, "01-engagement-list-empty")
    page.get_by_role("link", name="Open an engagement").click()
    page.get_by_label("Title").fill("Stage 2 certification audit")
    page.get_by_label("Audit body").fill("Cert Body Ltd")
    page.get_by_label("Auditors' e-mail addresses").fill("lead@certbody.example")
    _shot(page, "02-engagement-form")
    page.get_by_role("button", name="Open and invite").click()
    page.get_by_text("its auditors have been invited").wait_for()
    invitation = next(m for m in mail.outbox if "lead@certbody.example" in m.to)
    link = re.search(r"https?://\S+/invitations/\S+/", invitation.body).group(0)
    token_path = link[link.index("/invitations/") :]

    # The auditor accepts, lands in the organisation and raises a request.
    page.context.clear_cookies()
    page.goto(token_path)
    page.get_by_label("Full name").fill("Lea Auditor")
    page.get_by_label(re.compile("^Password")).fill("a-long-pass-123!")
    page.get_by_label("Repeat password").fill("a-long-pass-123!")
    _shot(page, "03-auditor-joins")
    page.get_by_role("button", name=re.compile("Create|Join|Accept", re.I)).click()
    page.get_by_role("link", name=re.compile("Your audit engagements")).click()
    page.get_by_role("link", name="Stage 2 certification audit").click()
    page.get_by_label(re.compile("^Question")).fill("Show the last quarterly access review.")
    page.get_by_label("Sample of items").fill("HR system\nPayments API")
    _shot(page, "04-auditor-engagement-home")
    page.get_by_role("button", name="Raise the request").click()
    page.get_by_text("Evidence request raised").wait_for()

    # The officer answers it with a file.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/engagements/")
    page.get_by_role("link", name="Stage 2 certification audit").click()
    evidence = tmp_path / "access-review-q3.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Answer", exact=True).fill("Signed off by the CISO.")
    page.get_by_label("File", exact=True).set_input_files(str(evidence))
    _shot(page, "05-officer-answers")
    page.get_by_role("button", name=re.compile("^Answer request")).click()
    page.get_by_text("Answer recorded").wait_for()

    # The auditor downloads it.
    page.context.clear_cookies()
    log_in(page, "lead@certbody.example", "a-long-pass-123!")
    page.goto("/o/civic/monitoring/engagements/")
    page.get_by_role("link", name="Stage 2 certification audit").click()
    _shot(page, "06-auditor-sees-answer")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="access-review-q3.pdf").click()
    download = download_info.value
    assert Path(download.path()).read_bytes() == PDF

    # The officer sees the download in the access log.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto("/o/civic/monitoring/engagements/")
    page.get_by_role("link", name="Stage 2 certification audit").click()
    page.get_by_role("link", name="Auditor access log").click()
    row = page.get_by_role("row").filter(has_text="File downloaded")
    row.filter(has_text="access-review-q3.pdf").filter(has_text="lead@certbody.example").wait_for()
    assert page.get_by_role("row").filter(has_text="Page viewed").count() >= 2
    _shot(page, "07-access-log")
