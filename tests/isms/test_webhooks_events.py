"""The services above isms emit their webhook events in the transaction of their change."""

from __future__ import annotations

import pytest

from isms.models import Role, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType
from isms.tenancy import tenant_context


@pytest.fixture
def subscribed(org_a):
    """An endpoint of A subscribed to every type (made directly: no DNS lookup here)."""
    with tenant_context(org_a.pk):
        return WebhookEndpoint.objects.create(
            organization=org_a,
            url="https://hooks.example.com/all",
            event_types=list(WebhookEventType.values),
            signing_secret="whsec_x",
        )


def _events(organization) -> list[tuple[str, dict]]:
    with tenant_context(organization.pk):
        return [(e.event_type, e.data) for e in WebhookEvent.objects.order_by("pk")]


def test_policy_published(org_a, subscribed):
    from tests.policies.factories import make_published

    with tenant_context(org_a.pk):
        version = make_published(org_a)
    ((kind, data),) = _events(org_a)
    assert kind == "policy.published"
    assert data["id"] == version.pk and data["policy_id"] == version.policy_id
    with tenant_context(org_a.pk):
        assert WebhookDelivery.objects.get().endpoint_id == subscribed.pk


def test_incident_opened(org_a, subscribed, member):
    from monitoring.incidents import services
    from tests.policies.factories import actor_for

    officer = actor_for(member(org_a, Role.OFFICER), org_a)
    with tenant_context(org_a.pk):
        incident = services.incident_report(
            actor=officer,
            title="Assistant leaked an order number",
            description="A customer saw another customer's order.",
            category="data_leak",
            severity="high",
        )
    ((kind, data),) = _events(org_a)
    assert kind == "incident.opened" and data["id"] == incident.pk
    assert data["severity"] == "high"


def test_check_failed(org_a, subscribed):
    from monitoring.checks.services import run_checks

    with tenant_context(org_a.pk):
        runs = run_checks()
    failed = {r.pk for r in runs if r.status != "pass"}
    assert failed, "an empty organisation fails some checks (no scope, no SoA owner…)"
    events = _events(org_a)
    assert {kind for kind, _ in events} <= {"check.failed"}
    assert {data["id"] for _, data in events} == failed


def test_another_organisations_change_reaches_none_of_its_endpoints(org_a, org_b, subscribed):
    from tests.policies.factories import make_published

    with tenant_context(org_b.pk):
        make_published(org_b)
        assert WebhookDelivery.objects.count() == 0
    assert _events(org_a) == []
