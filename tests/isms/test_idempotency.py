"""`Idempotency-Key` on POST (issue 20): a retry gets the first answer and creates nothing; the
key with another request is 422; two requests with one key at the same moment create one
object; one organisation's key never replays another's answer; records expire."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import IdempotencyRecord, Role
from suppliers.models import Supplier


def _suppliers_url(org) -> str:
    return f"/api/v1/orgs/{org.slug}/suppliers/"


@pytest.fixture
def officer_api(org_a, member, api_key_for, api_for):
    owner = member(org_a, Role.OFFICER)
    return owner, api_for(api_token=api_key_for(org_a))


def _post(client, org, body: dict, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(_suppliers_url(org), body, format="json", **headers)


def test_a_retry_returns_the_first_answer_and_creates_nothing(org_a, officer_api, in_tenant):
    owner, api = officer_api
    body = {"name": "Acme AI", "owner": owner.pk}
    first = _post(api, org_a, body)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    # The same request again, its JSON keys in another order: the same request.
    retry = api.post(
        _suppliers_url(org_a),
        data=json.dumps({"owner": owner.pk, "name": "Acme AI"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert retry["Content-Type"] == first["Content-Type"]
    assert retry["ETag"] == first["ETag"]
    with in_tenant(org_a):
        assert Supplier.objects.count() == 1


def test_the_key_with_another_request_is_refused_422(org_a, officer_api, in_tenant):
    owner, api = officer_api
    assert _post(api, org_a, {"name": "Acme AI", "owner": owner.pk}).status_code == 201
    other = _post(api, org_a, {"name": "Other AI", "owner": owner.pk})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    # Another path with the same key is another request too.
    assets = api.post(
        f"/api/v1/orgs/{org_a.slug}/assets/",
        {"name": "x", "asset_type": "database", "owner": owner.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert assets.status_code == 422
    with in_tenant(org_a):
        assert list(Supplier.objects.values_list("name", flat=True)) == ["Acme AI"]


def test_a_refused_request_stores_nothing_and_its_retry_runs_again(org_a, officer_api, in_tenant):
    owner, api = officer_api
    refused = _post(api, org_a, {"name": "", "owner": owner.pk})
    assert refused.status_code == 400
    with in_tenant(org_a):
        assert not IdempotencyRecord.objects.exists()
    again = _post(api, org_a, {"name": "", "owner": owner.pk})
    assert again.status_code == 400 and "Idempotent-Replayed" not in again
    # Corrected and sent with the same key: it runs (the refusal changed nothing).
    corrected = _post(api, org_a, {"name": "Acme AI", "owner": owner.pk})
    assert corrected.status_code == 201 and "Idempotent-Replayed" not in corrected
    with in_tenant(org_a):
        assert Supplier.objects.count() == IdempotencyRecord.objects.count() == 1


def test_without_a_key_each_post_creates(org_a, officer_api, in_tenant):
    owner, api = officer_api
    for _ in range(2):
        assert _post(api, org_a, {"name": "Acme AI", "owner": owner.pk}, key=None).status_code in (
            201,
            409,
        )
    with in_tenant(org_a):
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(org_a, officer_api, key):
    owner, api = officer_api
    response = _post(api, org_a, {"name": "Acme AI", "owner": owner.pk}, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_an_expired_record_is_not_replayed(org_a, officer_api, in_tenant):
    owner, api = officer_api
    assert _post(api, org_a, {"name": "Acme AI", "owner": owner.pk}).status_code == 201
    with in_tenant(org_a):
        record = IdempotencyRecord.objects.get()
        assert record.expires_at > timezone.now() + timedelta(hours=23)
        IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    retry = _post(api, org_a, {"name": "Acme AI 2", "owner": owner.pk})
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    with in_tenant(org_a):
        assert Supplier.objects.count() == 2
        assert IdempotencyRecord.objects.get().expires_at > timezone.now()


def test_another_caller_with_the_same_key_never_gets_the_first_answer(
    org_a, officer_api, api_key_for, api_for, in_tenant
):
    """A stored answer is the caller's own: a read-only key sending a read/write key's
    Idempotency-Key with the same request is refused, never replayed the 201 it could not
    have obtained (the schemathesis run found this)."""
    owner, api = officer_api
    body = {"name": "Acme AI", "owner": owner.pk}
    assert _post(api, org_a, body, key="shared").status_code == 201
    reader = api_for(api_token=api_key_for(org_a, access="read"))
    refused = _post(reader, org_a, body, key="shared")
    assert refused.status_code == 422 and "Idempotent-Replayed" not in refused
    assert refused.json()["code"] == "idempotency_key_reused"
    with in_tenant(org_a):
        assert Supplier.objects.filter(name="Acme AI").count() == 1


def test_one_organisations_key_never_replays_anothers_answer(
    org_a, org_b, member, api_key_for, api_for, in_tenant
):
    owner_a, owner_b = member(org_a, Role.OFFICER), member(org_b, Role.OFFICER)
    api_a = api_for(api_token=api_key_for(org_a))
    api_b = api_for(api_token=api_key_for(org_b))
    first_a = _post(api_a, org_a, {"name": "Acme AI", "owner": owner_a.pk}, key="shared")
    # The same key, even the same body shape, in B: B's own request runs and B's answer is B's.
    first_b = _post(api_b, org_b, {"name": "Acme AI", "owner": owner_b.pk}, key="shared")
    assert first_a.status_code == first_b.status_code == 201
    assert "Idempotent-Replayed" not in first_b
    assert first_a.json()["id"] != first_b.json()["id"]
    # A's key used in B with another body is not "reused": B never saw it.
    other_b = _post(api_b, org_b, {"name": "Other", "owner": owner_b.pk}, key="a-only")
    assert _post(api_a, org_a, {"name": "A two", "owner": owner_a.pk}, key="a-only").status_code
    assert other_b.status_code == 201
    with in_tenant(org_a):
        assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {
            "shared",
            "a-only",
        }
    with in_tenant(org_b):
        assert IdempotencyRecord.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_the_same_moment_create_one_object(
    live_server, org_a, member, api_key_for, in_tenant
):
    """Real HTTP connections to the live server, released together by a barrier."""
    owner = member(org_a, Role.OFFICER)
    token = api_key_for(org_a)
    body = json.dumps({"name": "Raced AI", "owner": owner.pk}).encode()
    barrier = threading.Barrier(4)
    answers: list[tuple[int, bytes, str | None]] = []

    def send():
        request = urllib.request.Request(
            live_server.url + _suppliers_url(org_a),
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": "raced",
            },
        )
        barrier.wait(30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append(
                    (response.status, response.read(), response.headers["Idempotent-Replayed"])
                )
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read(), None))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert [a[0] for a in answers] == [201] * 4, answers
    assert len({a[1] for a in answers}) == 1, "every retry gets the first answer"
    assert sorted(a[2] or "" for a in answers) == ["", "true", "true", "true"]
    with in_tenant(org_a):
        assert Supplier.objects.filter(name="Raced AI").count() == 1
