"""Journey: the risk owner — a contributor — accepts the residual risk, and the AI change
request's checklist turns green only then (ISO/IEC 27001:2022 6.1.3 f: risk owners accept the
residual risk; the gate passes on achieved, not planned, residual risk)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.access import Actor
from isms.models import Membership, Role
from risks.services import change as gate
from risks.services import register
from tests.assets.factories import AssetFactory
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory

SHOTS = "/tmp/shots/treat14"


def _actor(org, user) -> Actor:
    return Actor.for_membership(
        Membership.objects.select_related("organization", "user").get(organization=org, user=user)
    )


def _status(page, key: str) -> str:
    return page.locator(f'[data-check="{key}"]').get_attribute("data-status")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_contributor_risk_owner_accepts_and_only_then_the_checklist_turns_green(
    browser_page, in_tenant
):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    page = browser_page
    org = OrganizationFactory(name="Owner Ltd", slug="owner")
    owner = MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    approver = MembershipFactory(organization=org, role=Role.OFFICER).user
    with in_tenant(org):
        tool = AssetFactory(
            organization=org,
            name="CampaignWriter",
            asset_type="ai_saas_tool",
            lifecycle="pilot",
            owner=owner,
        )
        officer_actor = _actor(org, officer)
        request = gate.change_request_create(
            actor=_actor(org, owner),
            title="Roll CampaignWriter out to marketing",
            justification="Copy in minutes",
            data_going_in="Campaign briefs",
            affected_people="Marketing staff",
            approver=approver,
            asset=tool,
        )
        risk = register.risk_create(
            actor=officer_actor,
            title="Customer lists pasted into prompts",
            category="data_leakage",
            owner=owner,
            assets=[tool.pk],
            inherent_likelihood=3,
            inherent_impact=3,
            residual_likelihood=2,
            residual_impact=2,
            treatment="mitigate",
        )
        register.treatment_action_create(
            actor=officer_actor,
            risk=risk,
            description="DLP rule for prompts",
            owner=owner,
            due_date=timezone.localdate() + timedelta(days=45),
        )
        assessment = gate.impact_assessment_create(
            actor=officer_actor,
            asset=tool,
            change_request=request,
            intended_purpose="Draft campaign copy",
            affected_people="Marketing staff",
            foreseeable_misuse="Publishing unedited drafts",
            human_oversight_measures="A marketer edits every text",
        )
        gate.impact_assessment_approve(actor=_actor(org, approver), assessment=assessment)
    change_url = f"/o/owner/risks/changes/{request.pk}/"
    risk_url = f"/o/owner/risks/{risk.pk}/"

    # The checklist fails on the planned action, naming it.
    log_in(page, owner.email)
    page.goto(change_url)
    assert _status(page, "risks_treated") == "failed"
    assert "DLP rule for prompts" in page.locator('[data-check="risks_treated"]').inner_text()
    page.screenshot(path=f"{SHOTS}/01-checklist-planned-action.png", full_page=True)

    # The owner asks for the acceptance: a request is not an acceptance.
    page.goto(risk_url)
    page.get_by_text("Request acceptance of this risk").click()
    rationale = "Ten users, briefs only, while the DLP rule is built"
    page.get_by_label("Rationale").fill(rationale)
    # A past expiry is refused (issue 17, item 6): the page comes back with the rationale
    # still typed in and the reason beside the date, not on a dead-end page.
    page.get_by_label("Expires on").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Request acceptance").click()
    page.get_by_text("Nothing was changed").wait_for()
    assert page.get_by_label("Rationale").input_value() == rationale
    expiry = page.get_by_label("Expires on")
    assert "is-invalid" in expiry.get_attribute("class")
    assert "must expire on a future date" in page.locator("#id_expires_on-refused").inner_text()
    page.screenshot(path=f"{SHOTS}/00-refused-input-kept.png", full_page=True)
    expiry.fill((timezone.localdate() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Request acceptance").click()
    page.get_by_text("Acceptance requested: the risk owner decides.").wait_for()
    page.goto(change_url)
    assert _status(page, "risks_treated") == "failed"

    # The owner — a contributor — accepts the residual risk; now, and only now, it is green.
    page.goto(risk_url)
    page.get_by_role("button", name="Accept the residual risk").click()
    page.get_by_text("Residual risk accepted by its owner.").wait_for()
    page.screenshot(path=f"{SHOTS}/02-risk-accepted-by-owner.png", full_page=True)
    assert "Mitigate" in page.content()  # the treatment option is kept
    page.goto(change_url)
    assert _status(page, "risks_treated") == "passed"
    page.get_by_text("Ready for approval").wait_for()
    page.screenshot(path=f"{SHOTS}/03-checklist-green.png", full_page=True)

    # The officer never had an Accept button: only the owner decides.
    page.context.clear_cookies()
    log_in(page, officer.email)
    page.goto(risk_url)
    assert page.get_by_role("button", name="Accept the residual risk").count() == 0
