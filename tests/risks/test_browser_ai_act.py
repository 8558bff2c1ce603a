"""Journey (issue 15): an HR screening system deployed by a public body. The admin records the
organisation as a public-law body; the officer's impact assessment ticks Annex III 4(a); the
system is high risk, a fundamental-rights impact assessment is due (Art. 27(1)), its Art. 26
obligations become tasks with their dates, and its significant harm becomes a risk."""

import re
from pathlib import Path

import pytest

from isms.models import Role
from risks.models import AIActObligation, Risk
from risks.services import change as gate
from tests.assets.factories import AssetFactory
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.risks.factories import actor_for

SHOTS = Path("artifacts/screenshots/ai_act")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hr_screening_by_a_public_body(browser_page, in_tenant):
    page = browser_page
    org = OrganizationFactory(name="City of Example", slug="city")
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    hr_lead = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    with in_tenant(org):
        tool = AssetFactory(
            organization=org,
            name="TalentSift",
            asset_type="ai_saas_tool",
            lifecycle="pilot",
            owner=hr_lead,
        )
        request = gate.change_request_create(
            actor=actor_for(org, user=hr_lead),
            title="Screen applications with TalentSift",
            justification="Hundreds of applications per vacancy",
            data_going_in="CVs and cover letters",
            affected_people="Job applicants",
            approver=admin,
            asset=tool,
        )

    # The admin records who the organisation is (isms organisation profile).
    log_in(page, admin.email)
    page.goto("/o/city/settings/profile/")
    page.get_by_label("Body governed by public law (public authority)").check()
    page.get_by_label(re.compile(r"^AI customer or user")).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Organisation profile saved.").wait_for()
    _shot(page, "organization_profile")

    # The officer runs the impact assessment.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto(f"/o/city/risks/changes/{request.pk}/")
    page.get_by_role("button", name="Run the impact assessment").click()
    page.get_by_label("Intended purpose").fill("Rank applications for municipal vacancies")
    page.get_by_label("People and groups affected").fill("Job applicants")
    page.get_by_label("Foreseeable misuse").fill("Ranking on criteria the job does not need")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Entry 1: affects").select_option("individuals")
    page.get_by_label("Entry 1: affected party").fill("Job applicants")
    page.get_by_label("Entry 1: what could happen").fill("Older applicants ranked lower")
    page.get_by_label("Entry 1: severity").select_option("high")
    page.get_by_label("Entry 1: likelihood").select_option("medium")
    page.get_by_label("Entry 1: vulnerable groups").fill("Older applicants")
    page.get_by_label("Entry 2: harm or benefit").select_option("benefit")
    page.get_by_label("Entry 2: affects").select_option("individuals")
    page.get_by_label("Entry 2: what could happen").fill("Every applicant gets an answer")
    page.get_by_label("Entry 2: severity").select_option("medium")
    page.get_by_label("Entry 2: likelihood").select_option("high")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("radio", name="Deployer", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile(r"^4\(a\) Recruitment")).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Human oversight measures").fill("A recruiter reviews every ranking")
    page.get_by_role("button", name="Save and continue").click()
    assert page.locator("#ia-tier").inner_text() == "High"
    assert page.locator("#ia-fria").is_visible()
    obligations = page.locator("#ia-obligations").inner_text()
    for article in ("Art. 26(1)", "Art. 26(2)", "Art. 26(8), 49(3)", "Art. 27", "Art. 86"):
        assert article in obligations
    assert "Art. 16(c), 17" not in obligations  # a provider's duty, not ours
    assessment_url = page.url

    # The admin (the designated approver, not the preparer) approves it.
    page.context.clear_cookies()
    log_in(page, admin.email)
    page.goto(assessment_url)
    page.get_by_role("button", name="Approve the assessment").click()
    page.goto(assessment_url)
    _shot(page, "impact_assessment")

    # Its obligations are tasks, each with its article, date, owner and due date.
    page.goto(f"/o/city/risks/obligations/?asset={tool.pk}")
    rows = page.locator("#obligations tbody tr")
    assert rows.count() == 13
    assert "2026-08-02" in page.locator("#obligations").inner_text()
    _shot(page, "obligations")
    with in_tenant(org):
        art26 = AIActObligation.objects.filter(asset=tool, article__startswith="Art. 26")
        assert art26.count() == 9 and {o.owner_id for o in art26} == {hr_lead.pk}

    # The significant harm becomes a risk in one click; the benefit does not offer one.
    page.goto(assessment_url)
    page.get_by_role("button", name="Create risk from harm 1").click()
    page.get_by_text("Risk created from the harm").wait_for()
    with in_tenant(org):
        risk = Risk.objects.get(source_harm=0)
        assert risk.owner_id == hr_lead.pk and "Older applicants" in risk.title

    # The FRIA: started from the assessment, pre-filled with its Art. 27(1) parts.
    page.goto(assessment_url)
    page.get_by_role("button", name="Start the fundamental-rights impact assessment").click()
    assert "Job applicants" in page.get_by_label(re.compile(r"^27\(1\)\(c\)")).input_value()
    _shot(page, "fria")
