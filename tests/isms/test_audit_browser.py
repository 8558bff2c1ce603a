"""Screenshots of the audit trail and an asset's history tab, as the officer sees them."""

import os

import pytest

from isms.models import Role
from tests.browser import log_in

SHOTS = os.environ.get("GUARDRAIL_SHOTS", "/tmp/shots/ui17")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_audit_trail_and_history_read_as_words(browser_page, in_tenant):
    from assets.models import Asset
    from isms.controls.loader import load_control_library
    from isms.demo import DEMO_PASSWORD, load_demo

    load_control_library()
    demo = load_demo()
    org = demo.organization
    with in_tenant(org):
        asset = Asset.objects.order_by("pk").first()
        asset.owner = demo.user(
            Role.OFFICER if asset.owner == demo.user(Role.ADMIN) else Role.ADMIN
        )
        asset.save()
    page = browser_page
    log_in(page, demo.user(Role.OFFICER).email, DEMO_PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/o/{org.slug}/audit/")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/audit_trail.png", full_page=True)
    page.goto(f"/o/{org.slug}/assets/{asset.pk}/?tab=history")
    page.screenshot(path=f"{SHOTS}/asset_history.png", full_page=True)
    body = page.inner_text("body")
    assert "History" in body
    assert "owner_id" not in body
    assert "organization_id" not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_retire_asks_naming_the_asset_and_cancel_keeps_it(browser_page, in_tenant):
    from assets.models import Asset
    from tests.assets.factories import AssetFactory
    from tests.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(name="Confirm Ltd", slug="confirm")
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    with in_tenant(org):
        asset = AssetFactory(organization=org, name="Old CRM", owner=officer)
    page = browser_page
    log_in(page, officer.email)
    page.goto(f"/o/confirm/assets/{asset.pk}/")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Retire").click()
    page.wait_for_timeout(300)
    with in_tenant(org):
        assert Asset.objects.get(pk=asset.pk).retired_at is None
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Retire").click()
    page.get_by_text("Old CRM retired").wait_for()
    assert all("Old CRM" in q for q in questions) and len(questions) == 2
    with in_tenant(org):
        assert Asset.objects.get(pk=asset.pk).retired_at is not None
