"""API rate limits per API key and per person (issue 18, "API rate limits"): over budget the
API answers 429 in its error shape with `Retry-After`, and the schema documents it. ISO/IEC
27001:2022 A.8.6 capacity management: one integration cannot take the service from others."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from isms.api import throttles
from isms.models import APIKey, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    yield
    keys = APIKey.objects.values_list("pk", flat=True)
    users = get_user_model().objects.values_list("pk", flat=True)
    cache.delete_many(
        [f"throttle:api:key:{pk}" for pk in keys] + [f"throttle:api:user:{pk}" for pk in users]
    )


def _assets(client, org):
    return client.get(f"/api/v1/orgs/{org.slug}/assets/")


def test_a_key_over_its_budget_gets_429_with_retry_after_in_the_error_shape(
    settings, org_a, api_for, api_key_for
):
    settings.API_RATE_PER_KEY = "3/min"
    client = api_for(api_token=api_key_for(org_a))
    assert [_assets(client, org_a).status_code for _ in range(3)] == [200, 200, 200]
    refused = _assets(client, org_a)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_each_key_has_its_own_budget(settings, org_a, api_for, api_key_for):
    settings.API_RATE_PER_KEY = "1/min"
    first, second = api_for(api_token=api_key_for(org_a)), api_for(api_token=api_key_for(org_a))
    assert _assets(first, org_a).status_code == 200
    assert _assets(first, org_a).status_code == 429
    assert _assets(second, org_a).status_code == 200


def test_a_person_budget_follows_the_person_across_organisations(
    settings, org_a, org_b, member, api_for
):
    settings.API_RATE_PER_USER = "2/min"
    person = member(org_a, Role.OFFICER)
    MembershipFactory(organization=org_b, user=person, role=Role.OFFICER)
    client = api_for(person)
    assert _assets(client, org_a).status_code == 200
    assert _assets(client, org_b).status_code == 200
    assert _assets(client, org_a).status_code == 429
    other = api_for(member(org_a, Role.OFFICER))
    assert _assets(other, org_a).status_code == 200


def test_an_empty_rate_turns_the_limit_off(settings, org_a, api_for, api_key_for):
    settings.API_RATE_PER_KEY = ""
    client = api_for(api_token=api_key_for(org_a))
    assert {_assets(client, org_a).status_code for _ in range(5)} == {200}


def test_a_broken_cache_does_not_take_the_api_down(
    settings, monkeypatch, org_a, api_for, api_key_for
):
    settings.API_RATE_PER_KEY = "1/min"

    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("redis is down")

        set = get

    monkeypatch.setattr(throttles.ActorRateThrottle, "cache", Down())
    client = api_for(api_token=api_key_for(org_a))
    assert [_assets(client, org_a).status_code for _ in range(3)] == [200, 200, 200]


def test_the_schema_documents_429_and_retry_after_on_every_operation(client):
    schema = client.get("/api/schema/?format=json").json()
    operations = [
        op for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict)
    ]
    assert operations
    for operation in operations:
        answer = operation["responses"]["429"]
        assert "Retry-After" in answer["headers"]
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_the_schema_documents_503_with_retry_after_on_every_operation(client):
    """A lost database answers 503 (isms.middleware.DatabaseUnavailableMiddleware; the fault
    test tests/faults/test_postgres_restart.py proves it): a generated client must expect it."""
    schema = client.get("/api/schema/?format=json").json()
    operations = [
        op for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict)
    ]
    for operation in operations:
        answer = operation["responses"]["503"]
        assert "service_unavailable" in answer["description"]
        assert "Retry-After" in answer["headers"]
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
