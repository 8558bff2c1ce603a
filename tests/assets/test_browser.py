"""One journey: a contributor reports a shadow AI tool, an officer triages it, adds a
dependency and sees it on the graph."""

import pytest

from assets.models import Asset
from isms.models import Role
from tests.assets.factories import AssetFactory
from tests.browser import log_in, pick
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_triage_and_graph(browser_page, in_tenant):
    page = browser_page
    org = OrganizationFactory(name="Journey Ltd", slug="journey")
    contributor = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    with in_tenant(org):
        AssetFactory(organization=org, name="LLM API account", asset_type="ai_api", owner=officer)

    log_in(page, contributor.email)
    page.goto("/o/journey/assets/report-ai/")
    page.get_by_label("What tool is it?").fill("TranscribeBot")
    page.get_by_label("Who uses it?").fill("Customer success")
    page.get_by_label("For what?").fill("Transcribing customer calls")
    page.get_by_label("What data goes in?").fill("Call recordings")
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("the compliance officers will look at it").wait_for()

    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto("/o/journey/assets/triage/")
    accept = page.get_by_role("form", name="Accept TranscribeBot")
    pick(accept, "Accountable owner", contributor.email)
    accept.get_by_role("button", name="Accept into register").click()
    page.get_by_text("TranscribeBot accepted into the register.").wait_for()

    with in_tenant(org):
        report = Asset.objects.get(name="TranscribeBot")
    page.goto(f"/o/journey/assets/{report.pk}/?tab=dependencies")
    page.get_by_label("Kind").select_option("uses")
    pick(page, "Other asset", "LLM API account")
    page.get_by_role("button", name="Add dependency").click()
    page.get_by_text("TranscribeBot now depends on LLM API account.").wait_for()
    graph = page.locator("#dependency-graph")
    assert graph.locator("text", has_text="TranscribeBot").count() == 1
    assert graph.locator("text", has_text="LLM API account").count() == 1
    assert graph.locator(".edge").count() == 1
    assert "uses" in graph.locator(".edge").text_content()
