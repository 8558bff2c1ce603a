"""The AI usage page in a real browser: which tools are used, by how many people, what was
denied and why, and the shadow AI seen at the gateway (issue 22). Leaves a screenshot."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from isms.services.api_keys import api_key_create
from isms.tenancy import tenant_context
from monitoring.usage.services import tallies_flush
from tests.browser import log_in
from tests.monitoring.usage_world import body, build_world

SHOTS = os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_ai_usage_page_shows_use_denials_and_shadow_ai(org_a, browser_page):
    redis.Redis.from_url(settings.REDIS_URL).delete(f"guardrail:usage:{org_a.pk}")
    with tenant_context(org_a.pk):
        world = build_world(org_a)
    gateway = APIClient()
    token = api_key_create(
        organization=org_a, actor=None, name="gateway", access="ai_usage_decide"
    ).token
    gateway.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = "/api/v1/orgs/alpha/ai-usage/decisions/"
    for _ in range(4):
        gateway.post(url, body(categories=["customer_content"]), format="json")
    gateway.post(url, body(categories=["credentials"]), format="json")
    gateway.post(url, body(tool={"domain": "notes-ai.example", "name": "Notes AI"}), format="json")
    with tenant_context(org_a.pk):
        tallies_flush(org_a.pk)
    page = browser_page
    log_in(page, world.officer.email)
    page.goto("/o/alpha/monitoring/tasks/")
    page.get_by_role("link", name="AI usage").click()
    assert page.get_by_role("heading", name="AI usage", level=1).is_visible()
    tools = page.get_by_role("table", name="Decisions per tool over the last 30 days")
    assert tools.get_by_role("link", name="Chat assistant").is_visible()
    denials = page.get_by_role("table", name="The most recent denied requests and why")
    assert "restricted_category_not_approved" in denials.inner_text()
    assert "unknown_tool" in denials.inner_text()
    assert page.get_by_role("link", name="Notes AI").is_visible()
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, "monitoring-ai-usage.png"), full_page=True)
