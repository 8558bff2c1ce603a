"""The AI usage decision endpoint (issue 22): each rule with allow and deny cases.

ISO/IEC 27001:2022 controls 5.10 (acceptable use), 5.19–5.22 (suppliers), 8.32 (change);
ISO/IEC 42001:2023 A.9 (use of AI systems); EU AI Act Art. 5 (prohibited practices),
Art. 26 (deployers of high-risk systems), Art. 50 (transparency).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from assets.models import Asset, Lifecycle, Source, Triage
from isms.models import Membership
from monitoring.usage import rules
from monitoring.usage.models import ShadowToolSighting, UsageDenial, UsageSettings
from risks.models import AIChangeRequest
from suppliers.models import SupplierAssessment, SupplierCertification
from tests.monitoring.usage_world import approved_assessment, body, build_world

URL = "/api/v1/orgs/{slug}/ai-usage/decisions/"


@pytest.fixture(autouse=True)
def _clean_snapshots():
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="guardrail:usage:*"):
        client.delete(key)
    yield


@pytest.fixture
def world(org_a, in_tenant):
    with in_tenant(org_a):
        return build_world(org_a)


@pytest.fixture
def gateway(org_a, api_for, api_key_for):
    return api_for(api_token=api_key_for(org_a, access="ai_usage_decide"))


def ask(gateway, slug="alpha", **kwargs):
    response = gateway.post(URL.format(slug=slug), body(**kwargs), format="json")
    assert response.status_code == 200, response.content
    return response.json()


def codes(answer) -> list[str]:
    return [r["code"] for r in answer["reasons"]]


def test_an_approved_tool_for_an_acknowledged_member_is_allowed(world, gateway):
    answer = ask(gateway, categories=["customer_content"])
    assert answer["decision"] == "allow", answer
    assert answer["asset"] == {
        "id": world.asset.pk,
        "name": "Chat assistant",
        "external_id": "chat",
    }
    # The same tool named by provider and model, or by the domain tagged on the asset.
    assert ask(gateway, tool={"provider": "openai", "model": "GPT-4o"})["decision"] == "allow"
    assert ask(gateway, tool={"domain": "Chat.Example.com"})["decision"] == "allow"
    # The person by user name instead of e-mail.
    by_id = ask(gateway, person={"external_id": world.person.username})
    assert by_id["decision"] == "allow"


@pytest.mark.parametrize(
    ("stage", "code"),
    [(Lifecycle.RETIRED, "tool_retired"), (Lifecycle.PROPOSED, "tool_not_in_service")],
)
def test_tool_in_service_rule_denies_a_tool_out_of_service(world, gateway, in_tenant, stage, code):
    with in_tenant(world.organization):
        Asset.objects.filter(pk=world.asset.pk).update(lifecycle=stage)
    answer = ask(gateway)
    assert answer["decision"] == "deny"
    assert codes(answer) == [code]
    assert answer["reasons"][0]["rule"] == rules.TOOL_IN_SERVICE


def test_tool_in_service_rule_denies_a_suspended_tool(world, gateway, in_tenant):
    with in_tenant(world.organization):
        Asset.objects.filter(pk=world.asset.pk).update(change_required_since=timezone.now())
    assert codes(ask(gateway)) == ["tool_suspended"]


def test_a_pilot_serves_only_the_people_named_on_its_change_request(world, gateway, in_tenant):
    with in_tenant(world.organization):
        Asset.objects.filter(pk=world.asset.pk).update(lifecycle=Lifecycle.PILOT)
        from policies import services as policy_services
        from tests.policies.factories import actor_for

        policy_services.acknowledge(
            actor=actor_for(world.officer, world.organization), version=world.policy_version
        )
    named = ask(gateway, person={"email": world.officer.email})
    assert named["decision"] == "allow", named
    other = ask(gateway)
    assert other["decision"] == "deny"
    assert codes(other) == ["pilot_not_named"]


def test_change_request_rule_denies_an_ai_tool_without_an_approved_request(
    world, gateway, in_tenant
):
    with in_tenant(world.organization):
        AIChangeRequest.objects.filter(pk=world.change_request.pk).update(status="rejected")
    answer = ask(gateway)
    assert answer["decision"] == "deny"
    assert codes(answer) == ["change_request_missing"]
    assert answer["reasons"][0]["rule"] == rules.CHANGE_REQUEST_APPROVED


def test_data_categories_rule(world, gateway, in_tenant, django_capture_on_commit_callbacks):
    # On the asset, or named by an approved change request: allowed.
    assert ask(gateway, categories=["customer_content", "personal"])["decision"] == "allow"
    refused = ask(gateway, categories=["financial"])
    assert refused["decision"] == "deny"
    assert codes(refused) == ["category_not_approved"]
    # Restricted (special-category personal data): only an approved change request names it,
    # the asset's own list is not enough.
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        asset = Asset.objects.get(pk=world.asset.pk)
        asset.data_categories = [*asset.data_categories, "special_category"]
        asset.save()
    restricted = ask(gateway, categories=["special_category"])
    assert codes(restricted) == ["restricted_category_not_approved"]
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        request = AIChangeRequest.objects.get(pk=world.change_request.pk)
        request.data_categories = [*request.data_categories, "special_category"]
        request.save()
    assert ask(gateway, categories=["special_category"])["decision"] == "allow"


def test_person_rule_needs_an_active_member(world, gateway, in_tenant, member):
    stranger = ask(gateway, person={"email": "nobody@chat.example"})
    assert stranger["decision"] == "deny"
    assert codes(stranger) == ["person_not_member"]
    Membership.objects.filter(user=world.person).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    from monitoring.usage.snapshot import invalidate

    invalidate(world.organization.pk)
    assert codes(ask(gateway)) == ["membership_expired"]


def test_policy_rule_warns_or_denies_per_setting(
    world, gateway, in_tenant, member, django_capture_on_commit_callbacks
):
    newcomer = member(world.organization, "contributor", user__email="new@chat.example")
    warned = ask(gateway, person={"email": newcomer.email})
    assert warned["decision"] == "allow_with_obligations"
    assert codes(warned) == ["policy_not_acknowledged"]
    assert rules.ACKNOWLEDGE_OBLIGATION in warned["obligations"]
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        UsageSettings.objects.create(policy_acknowledgement="deny")
    denied = ask(gateway, person={"email": newcomer.email})
    assert denied["decision"] == "deny"
    assert codes(denied) == ["policy_not_acknowledged"]
    assert ask(gateway)["decision"] == "allow"  # who acknowledged is still allowed


@pytest.mark.parametrize("problem", ["not_assessed", "reassessment_overdue", "expired"])
def test_supplier_rule(world, gateway, in_tenant, problem, django_capture_on_commit_callbacks):
    with in_tenant(world.organization):
        if problem == "not_assessed":
            SupplierAssessment.objects.update(status="rejected")
        elif problem == "reassessment_overdue":
            type(world.supplier).objects.filter(pk=world.supplier.pk).update(
                next_reassessment_date=timezone.localdate() - timedelta(days=1)
            )
        else:
            SupplierCertification.objects.update(
                valid_until=timezone.localdate() - timedelta(days=1)
            )
    code = {
        "not_assessed": "supplier_not_assessed",
        "reassessment_overdue": "supplier_reassessment_overdue",
        "expired": "supplier_certificate_expired",
    }[problem]
    denied = ask(gateway)
    assert (denied["decision"], codes(denied)) == ("deny", [code])
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        UsageSettings.objects.create(supplier_check="warn")
    assert ask(gateway)["decision"] == "allow_with_obligations"
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        found = UsageSettings.objects.get()
        found.supplier_check = "off"
        found.save()
    assert ask(gateway)["decision"] == "allow"


def test_ai_act_rule_denies_a_prohibited_practice(world, gateway, in_tenant):
    with in_tenant(world.organization):
        approved_assessment(
            world.asset, prohibited_practices=["social_scoring"], risk_tier="prohibited"
        )
    answer = ask(gateway)
    assert (answer["decision"], codes(answer)) == ("deny", ["prohibited_practice"])


def test_ai_act_rule_needs_a_high_risk_systems_obligations_met(
    world, gateway, in_tenant, django_capture_on_commit_callbacks
):
    duties = ["Use it according to the provider's instructions for use."]
    with in_tenant(world.organization):
        approved_assessment(
            world.asset, high_risk_areas=["employment"], risk_tier="high", obligations=duties
        )
    answer = ask(gateway)
    assert (answer["decision"], codes(answer)) == ("deny", ["high_risk_obligations_unmet"])
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        request = AIChangeRequest.objects.get(pk=world.change_request.pk)
        request.oversight_person = world.officer
        request.instructions_for_use = "Filed in the DMS"
        request.save()
    met = ask(gateway)
    assert met["decision"] == "allow_with_obligations", met
    assert met["obligations"] == duties


def test_an_unknown_tool_is_denied_and_reported_once_however_often_tried(
    world, gateway, in_tenant, django_capture_on_commit_callbacks
):
    for _ in range(3):
        answer = ask(gateway, tool={"domain": "new-ai.example", "name": "New AI"})
        assert (answer["decision"], codes(answer)) == ("deny", ["unknown_tool"])
        assert answer["asset"] is None
    with in_tenant(world.organization):
        reports = Asset.objects.filter(source=Source.SHADOW_REPORT)
        assert [(r.name, r.triage_status, r.reported_by) for r in reports] == [
            ("New AI", Triage.PENDING, world.person)
        ]
        sighting = ShadowToolSighting.objects.get()
        assert (sighting.tool_key, sighting.attempts) == ("domain:new-ai.example", 3)
        assert sighting.report == reports[0]
        assert UsageDenial.objects.count() == 3
    with in_tenant(world.organization), django_capture_on_commit_callbacks(execute=True):
        UsageSettings.objects.create(unknown_tool="warn")
    warned = ask(gateway, tool={"domain": "new-ai.example"})
    assert warned["decision"] == "allow_with_obligations"
    assert warned["obligations"]
    with in_tenant(world.organization):
        assert ShadowToolSighting.objects.get().attempts == 4
        assert Asset.objects.filter(source=Source.SHADOW_REPORT).count() == 1


def test_another_organisations_tool_is_unknown_and_never_revealed(world, gateway, org_b, in_tenant):
    with in_tenant(org_b):
        build_world(org_b, slug_hint="bravo-secret")
    answer = ask(gateway, tool={"external_id": "bravo-secret"})
    assert answer["decision"] == "deny"
    assert answer["asset"] is None
    assert "Chat assistant" not in str(answer)
    # Nor is B's person a member of A.
    assert codes(ask(gateway, person={"email": "ana@bravo-secret.example"})) == [
        "person_not_member"
    ]


def test_the_decision_key_reads_and_writes_nothing_else(world, gateway, api_for, api_key_for):
    assert gateway.get("/api/v1/orgs/alpha/assets/").status_code == 403
    assert gateway.post("/api/v1/orgs/alpha/assets/", {}, format="json").status_code == 403
    assert gateway.get(f"/api/v1/orgs/alpha/assets/{world.asset.pk}/").status_code == 403
    # Another organisation's decisions: the same 404 as an unknown organisation.
    other = gateway.post(URL.format(slug="bravo"), body(), format="json")
    unknown = gateway.post(URL.format(slug="nowhere"), body(), format="json")
    assert other.status_code == unknown.status_code == 404
    assert other.content == unknown.content
    # And a read-write key may not decide.
    writer = api_for(api_token=api_key_for(world.organization, access="read_write"))
    refused = writer.post(URL.format(slug="alpha"), body(), format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(categories=["gossip"]), "data_categories"),
        (body(tool={"external_id": "chat", "domain": "chat.example.com"}), "tool"),
        ({"tool": {"external_id": "chat"}, "person": {}, "data_categories": []}, "person"),
        ({"tool": {"external_id": "chat"}}, "person"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, gateway, payload, field):
    response = gateway.post(URL.format(slug="alpha"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    ("payload", "message"),
    [(None, "No data provided"), ([], "Expected a dictionary, but got list")],
)
def test_a_body_that_is_not_an_object_is_a_400_saying_so(world, gateway, payload, message):
    response = gateway.post(
        URL.format(slug="alpha"), json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert message in str(response.json()["errors"]), response.json()


def test_one_request_validator_serves_every_call_without_carrying_input_over(world, gateway):
    """The view validates with one serializer instance per process (issue 22): a bad call
    leaves nothing behind for the next, and a good one after it is decided on its own."""
    bad = gateway.post(URL.format(slug="alpha"), body(categories=["gossip"]), format="json")
    assert bad.status_code == 400 and "data_categories" in bad.json()["errors"]
    assert ask(gateway)["decision"] == "allow"
    other = gateway.post(URL.format(slug="alpha"), {"tool": {"external_id": "chat"}}, format="json")
    assert other.status_code == 400 and set(other.json()["errors"]) == {"person", "data_categories"}


def test_a_decision_from_the_snapshot_runs_no_sql_of_its_own(
    world, gateway, django_assert_max_num_queries
):
    ask(gateway)  # builds the snapshot
    # API-key authentication (key lookup, its last use) and the tenant transaction only
    # (set_config, and in a test the savepoint pair around it): nothing reads a register.
    with django_assert_max_num_queries(5):
        response = gateway.post(URL.format(slug="alpha"), body(), format="json")
    assert response["X-Decision-Source"] == "snapshot"


def test_an_allowed_decision_runs_no_sql(world, gateway):
    """The common case (bench 'ai usage decision'): the key comes from its cached record,
    the facts from the Redis snapshot and the evidence is a Redis counter, so no statement
    reaches PostgreSQL: the tenant's settings would go with the first one (isms.tenancy)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert ask(gateway)["decision"] == "allow"  # builds the snapshot, caches the key
    with CaptureQueriesContext(connection) as captured:
        response = gateway.post(URL.format(slug="alpha"), body(), format="json")
    assert response.json()["decision"] == "allow"
    assert response["X-Decision-Source"] == "snapshot"
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    # A test runs inside an outer transaction, so the request's tenant context is a
    # savepoint there; in production it is a transaction that sends nothing.
    assert statements == [], statements


def test_the_summary_of_nested_refusals_names_each_field_in_words(world, gateway):
    """A gateway's log shows `detail`: each refused field by its path with its message, never
    the Python form of DRF's error objects (a nested serializer's errors are a dict)."""
    payload = {"tool": {}, "person": {"email": "x"}, "data_categories": ["gossip"]}
    detail = gateway.post(URL.format(slug="alpha"), payload, format="json").json()["detail"]
    assert "ErrorDetail" not in detail and "{" not in detail, detail
    assert detail.startswith("Invalid input. tool: Name the tool one way"), detail
    assert " | person.email: Enter a valid email address." in detail, detail
    assert ' | data_categories.0: "gossip" is not a valid choice.' in detail, detail
