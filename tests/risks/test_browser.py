"""One journey through the AI change gate: a contributor asks to use an AI tool (one the team
has been piloting, so it is compliance debt), an officer identifies and assesses the risk and
runs the impact assessment, the designated approver approves both; the asset shows as
production and compliance debt drops by one."""

import re

import pytest

from assets.models import Asset
from isms.models import Role
from tests.assets.factories import AssetFactory
from tests.browser import log_in, pick
from tests.factories import MembershipFactory, OrganizationFactory


def _debt(page) -> int:
    page.goto("/o/gate/risks/debt/")
    return int(page.locator("#debt-count").inner_text())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ai_tool_through_the_change_gate(browser_page, in_tenant):
    page = browser_page
    org = OrganizationFactory(name="Gate Ltd", slug="gate")
    contributor = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    approver = MembershipFactory(organization=org, role=Role.ADMIN).user
    with in_tenant(org):
        tool = AssetFactory(
            organization=org,
            name="TranscribeNow",
            asset_type="ai_saas_tool",
            lifecycle="pilot",
            owner=contributor,
        )
        AssetFactory(organization=org, name="Older pilot", lifecycle="pilot", owner=officer)

    # A contributor asks for the change.
    log_in(page, contributor.email)
    before = _debt(page)
    assert before == 2
    page.goto("/o/gate/risks/changes/new/")
    page.get_by_label("What is being introduced or changed").fill(
        "Use TranscribeNow for sales calls"
    )
    page.get_by_label(re.compile(r"^Why")).fill("Notes take an hour per call")
    pick(page, "Existing AI asset", tool.name)
    page.get_by_label("Data going in").fill("Recordings of sales calls")
    page.get_by_label("Who is affected").fill("Customers on calls; sales staff")
    pick(page, "Designated approver", approver.email)
    page.get_by_role("button", name="Submit the request").click()
    page.get_by_text("AI change request submitted.").wait_for()
    change_url = page.url
    assert page.locator('[data-check="risk_assessed"]').get_attribute("data-status") == "failed"

    # The officer identifies and assesses the risk, then runs the impact assessment.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto(change_url)
    page.get_by_label("Identify a risk").fill("Call recordings kept by the vendor")
    page.get_by_label("Category").select_option("privacy")
    page.get_by_role("button", name="Add risk").click()
    page.get_by_label("Inherent likelihood").select_option("2")
    page.get_by_label("Inherent impact").select_option("3")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Risk saved.").wait_for()
    page.goto(change_url)
    assert page.locator('[data-check="risk_assessed"]').get_attribute("data-status") == "passed"
    page.get_by_role("button", name="Run the impact assessment").click()
    page.get_by_label("Intended purpose").fill("Transcribe and summarise sales calls")
    page.get_by_label("People and groups affected").fill("Customers and sales staff")
    page.get_by_label("Foreseeable misuse").fill("Recording calls without telling customers")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Entry 1: affects").select_option("individuals")
    page.get_by_label("Entry 1: what could happen").fill("A customer's words are misquoted")
    page.get_by_label("Entry 1: severity").select_option("low")
    page.get_by_label("Entry 1: likelihood").select_option("medium")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()  # our role: deployer
    page.get_by_label("People interact with it directly (e.g. a chatbot)").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Human oversight measures").fill("Reps check every summary before filing it")
    page.get_by_role("button", name="Save and continue").click()
    assert page.locator("#ia-tier").inner_text() == "Limited (transparency)"
    assessment_url = page.url

    # The designated approver approves the assessment, then the change.
    page.context.clear_cookies()
    log_in(page, approver.email)
    page.goto(assessment_url)
    page.get_by_role("button", name="Approve the assessment").click()
    page.get_by_text("Ready for approval").wait_for()
    page.get_by_role("button", name="Approve and move to production").click()
    page.get_by_text("may be in production").wait_for()
    assert page.locator("#cr-status").inner_text() == "Approved"
    assert page.locator("#asset-lifecycle").inner_text() == "Production"
    page.goto(f"/o/gate/assets/{tool.pk}/")
    assert re.search(r"Production", page.content())
    assert _debt(page) == before - 1
    with in_tenant(org):
        assert Asset.objects.get(pk=tool.pk).lifecycle == "production"
