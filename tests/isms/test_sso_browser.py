"""Single sign-on in a real browser (issue 18): an admin connects the organisation's IdP on
its settings page, then a new person signs in with "Sign in with SSO" by e-mail address,
through the provider the test starts, and lands in the organisation (the Content Security
Policy lets the e-mail form continue to the IdP). Screenshots with SCREENSHOT_DIR."""

from __future__ import annotations

import os

import pytest

from isms.models import Membership, Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.isms.oidc_provider import Provider

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_connects_the_idp_and_a_new_person_signs_in(browser_page, settings):
    settings.SSO_ALLOW_LOCAL_PROVIDERS = True
    organization = OrganizationFactory(name="Alpha Ltd", slug="alpha")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    page = browser_page
    with Provider() as idp:
        log_in(page, admin.email)
        page.goto("/o/alpha/settings/sso/")
        page.get_by_label("Issuer").fill(idp.issuer)
        page.get_by_label("Client id").fill(idp.client_id)
        page.get_by_label("Client secret").fill(idp.client_secret)
        page.get_by_label("E-mail domains").fill("alpha.test")
        page.get_by_label("Role of new members").select_option(Role.OFFICER)
        page.get_by_role("button", name="Save").click()
        assert page.get_by_text("Single sign-on settings saved.").is_visible()
        shot(page, "sso-settings")

        page.context.clear_cookies()
        idp.person = {"sub": "grace", "email": "grace@alpha.test", "email_verified": True}
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Sign in with SSO").click()
        page.get_by_label("Work e-mail address").fill("grace@alpha.test")
        shot(page, "sso-email")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/o/alpha/")
        assert page.get_by_role("heading", level=1).first.is_visible()
        shot(page, "sso-signed-in")
    membership = Membership.objects.get(user__email="grace@alpha.test")
    assert membership.organization_id == organization.pk and membership.role == Role.OFFICER
