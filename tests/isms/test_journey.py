"""A person's first minutes, in Debian's chromium: log in, switch organisation, log out."""

import pytest

from isms.models import Membership, Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_switch_organisation_see_home_log_out(browser_page):
    page = browser_page
    alpha = OrganizationFactory(name="Alpha Ltd", slug="alpha")
    bravo = OrganizationFactory(name="Bravo plc", slug="bravo")
    user = MembershipFactory(organization=alpha, role=Role.OFFICER).user
    Membership.objects.create(user=user, organization=bravo, role=Role.AUDITOR)

    log_in(page, user.username)
    # Two memberships and no last organisation: the chooser.
    page.get_by_role("link", name="Alpha Ltd").click()
    page.wait_for_url("**/o/alpha/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alpha Ltd"

    page.get_by_role("button", name="Organisation: Alpha Ltd").click()
    page.get_by_role("link", name="Bravo plc (Auditor)").click()
    page.wait_for_url("**/o/bravo/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bravo plc"
    assert "You are Auditor" in page.content()

    page.get_by_role("link", name="Controls").click()
    page.wait_for_url("**/o/bravo/controls/")

    page.get_by_role("button", name=user.email).click()
    page.get_by_role("button", name="Log out").click()
    page.goto("/o/bravo/")
    page.wait_for_url("**/accounts/login/**")
    assert page.get_by_role("button", name="Log in").is_visible()
