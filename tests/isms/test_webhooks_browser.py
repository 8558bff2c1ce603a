"""An admin registers a webhook in a real browser, copies the secret shown once, sends a
test event to a real receiver and reads its delivery. Screenshots with SCREENSHOT_DIR."""

from __future__ import annotations

import os

import pytest

from isms.celery import app as celery_app
from isms.models import Role
from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.isms.webhook_receiver import Receiver

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_registers_an_endpoint_and_sends_a_test_event(browser_page):
    organization = OrganizationFactory(name="Hooked Ltd", slug="hooked")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    receiver = Receiver().start()
    conf = celery_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = True  # the live server's thread sends the delivery itself
    try:
        page = browser_page
        log_in(page, admin.email)
        page.goto("/o/hooked/settings/webhooks/")
        page.get_by_label("URL").fill("https://169.254.169.254/latest/")
        page.get_by_label("Asset created").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Register endpoint").click()
        assert "internal address" in page.content()
        shot(page, "webhook-refused")

        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Model registry sync")
        page.get_by_label("Allow internal addresses").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Register endpoint").click()
        secret = page.locator("#issued-secret-value").inner_text()
        assert secret.startswith("whsec_")
        receiver.secret = secret
        shot(page, "webhook-created")

        page.get_by_role("link", name=receiver.url).click()
        with page.expect_navigation():
            page.get_by_role("button", name="Send a test event").click()
        assert page.get_by_role("cell", name="Delivered").is_visible()
        (got,) = receiver.received
        assert got.verified and got.headers["Guardrail-Event-Type"] == "webhook.ping"
        shot(page, "webhook-detail")

        page.get_by_role("link", name="Test event (sent on request)").click()
        assert page.get_by_role("cell", name="Succeeded (2xx)").is_visible()
        shot(page, "webhook-delivery")

        # A rotated secret is shown once on the endpoint's page, then never again.
        page.go_back()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Rotate signing secret").click()
        page.locator("#issued-secret-value").wait_for()
        rotated = page.locator("#issued-secret-value").inner_text()
        assert rotated.startswith("whsec_") and rotated != secret
        shot(page, "webhook-rotated")
        page.reload()
        assert page.locator("#issued-secret-value").count() == 0
    finally:
        conf.task_always_eager = saved
        receiver.stop()
