"""Evidence of AI use (issue 22): counts per organisation, tool, decision and day, the people
who used each tool, denials kept 90 days, and the page that shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from isms.models import Role
from monitoring.usage.models import UsageDenial, UsagePersonDay, UsageTally
from monitoring.usage.services import denials_purge, tallies_flush
from monitoring.usage.tasks import flush_tallies
from tests.monitoring.usage_world import body, build_world

URL = "/api/v1/orgs/alpha/ai-usage/decisions/"


@pytest.fixture(autouse=True)
def _clean_snapshots():
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="guardrail:usage:*"):
        client.delete(key)


def test_decisions_are_counted_per_tool_outcome_and_day_and_shown(
    org_a, org_b, in_tenant, api_for, api_key_for, member, client_for, django_assert_max_num_queries
):
    with in_tenant(org_a):
        world = build_world(org_a)
        second = member(org_a, Role.CONTRIBUTOR, user__email="bo@chat.example")
    gateway = api_for(api_token=api_key_for(org_a, access="ai_usage_decide"))
    for _ in range(5):
        gateway.post(URL, body(categories=["customer_content"]), format="json")
    gateway.post(URL, body(person={"email": second.email}), format="json")  # warned
    gateway.post(URL, body(categories=["financial"], purpose="Budget"), format="json")
    gateway.post(URL, body(tool={"domain": "new-ai.example"}), format="json")
    with in_tenant(org_a):
        assert UsageTally.objects.count() == 0  # still in Redis
        assert tallies_flush(org_a.pk) == 8
        rows = sorted(UsageTally.objects.values_list("tool_key", "outcome", "count"))
        assert rows == [
            ("domain:new-ai.example", "deny", 1),
            ("id:chat", "allow", 5),
            ("id:chat", "allow_with_obligations", 1),
            ("id:chat", "deny", 1),
        ]
        assert UsagePersonDay.objects.filter(tool_key="id:chat").count() == 2
        assert tallies_flush(org_a.pk) == 0  # moved once
        denial = UsageDenial.objects.get(tool_key="id:chat")
        assert (denial.person, denial.purpose, denial.data_categories) == (
            world.person.email,
            "Budget",
            ["financial"],
        )
        assert denial.reasons[0]["code"] == "category_not_approved"
    officer = client_for(world.officer)
    with django_assert_max_num_queries(20):
        page = officer.get("/o/alpha/monitoring/ai-usage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chat assistant" in html and "new-ai.example" in html
    assert "is not approved for" in html
    # Another organisation sees none of it.
    other = client_for(member(org_b, Role.OFFICER)).get("/o/bravo/monitoring/ai-usage/")
    assert "Chat assistant" not in other.content.decode()
    assert "new-ai.example" not in other.content.decode()


def test_the_flush_sweep_queues_organisations_with_counts(org_a, in_tenant, api_for, api_key_for):
    with in_tenant(org_a):
        build_world(org_a)
    api_for(api_token=api_key_for(org_a, access="ai_usage_decide")).post(URL, body(), format="json")
    assert flush_tallies.apply().get() == 1


def test_denials_are_purged_after_90_days(org_a, in_tenant):
    with in_tenant(org_a):
        now = timezone.now()
        for age in (89, 91):
            UsageDenial.objects.create(
                decided_at=now - timedelta(days=age), tool_key="id:x", person="a@x", reasons=[]
            )
        assert denials_purge(now) == 1
        assert [d.decided_at for d in UsageDenial.objects.all()] == [now - timedelta(days=89)]


def test_officers_set_how_strict_decisions_are(org_a, member, client_for, in_tenant):
    officer = client_for(member(org_a, Role.OFFICER))
    response = officer.post(
        "/o/alpha/monitoring/ai-usage/settings/",
        {
            "unknown_tool": "warn",
            "policy_acknowledgement": "deny",
            "supplier_check": "off",
            "restricted_categories": ["credentials"],
        },
    )
    assert response.status_code == 302
    from monitoring.usage.models import UsageSettings

    with in_tenant(org_a):
        found = UsageSettings.objects.get()
    assert (found.unknown_tool, found.policy_acknowledgement, found.supplier_check) == (
        "warn",
        "deny",
        "off",
    )
    assert found.restricted_categories == ["credentials"]
    contributor = client_for(member(org_a, Role.CONTRIBUTOR))
    assert contributor.get("/o/alpha/monitoring/ai-usage/settings/").status_code == 403


def test_shadow_ai_seen_at_the_gateway_feeds_a_clause_9_1_check(org_a, org_b, in_tenant):
    """ISO/IEC 27001:2022 5.9 and 5.10, ISO/IEC 42001:2023 A.9.2: a tool tried through the
    gateway and still awaiting triage after a week fails the check."""
    from assets.services import shadow_ai_report_observed
    from monitoring.checks.services import run_checks
    from monitoring.usage.models import ShadowToolSighting

    def sighting(org, days_ago: int, key: str):
        with in_tenant(org):
            report = shadow_ai_report_observed(
                name=key, seen_as=key, used_by="a@x.example", data_categories=[]
            )
            ShadowToolSighting.objects.create(
                tool_key=key,
                report=report,
                attempts=2,
                first_seen=timezone.now() - timedelta(days=days_ago),
            )

    sighting(org_a, 10, "domain:old.example")
    sighting(org_a, 2, "domain:new.example")
    sighting(org_b, 10, "domain:bravo.example")
    with in_tenant(org_a):
        (result,) = run_checks(codes=["gateway_shadow_ai_triaged"])
    assert result.status == "fail"
    assert [f["label"] for f in result.failing] == ["domain:old.example"]
