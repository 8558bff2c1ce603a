"""`ETag` on every object and `If-Match` on writes (issue 20): a stale tag gets 412 and changes
nothing; of two writes sent with one tag at the same moment, one wins and the other gets 412.
(HTTP semantics: RFC 9110 section 8.8.3 ETag, 13.1.1 If-Match, 15.5.13 412.)"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from isms.models import Role
from suppliers.models import Supplier, SupplierContact
from tests.factories import load_all_factories, make_object
from tests.routes import api_routes, org_owned

load_all_factories()
DETAIL_ROUTES = [r for r in api_routes() if org_owned(r.model) and "retrieve" in r.actions]


@pytest.fixture
def admin_api(org_a, member, api_for):
    admin = member(org_a, Role.ADMIN)
    return admin, api_for(user=admin)


@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=str)
def test_every_object_has_an_etag_that_is_stable_while_unchanged(route, org_a, admin_api):
    _, api = admin_api
    obj = make_object(route.model, org_a)
    first = api.get(route.url(org_a.slug, obj.pk))
    assert first.status_code == 200, first.content[:300]
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    assert api.get(route.url(org_a.slug, obj.pk))["ETag"] == tag


def _supplier(org_a, owner, in_tenant, name="Acme AI"):
    with in_tenant(org_a):
        return Supplier.objects.create(name=name, owner=owner)


def test_a_write_answers_the_tag_a_read_then_gives(org_a, admin_api, in_tenant):
    admin, api = admin_api
    url = f"/api/v1/orgs/{org_a.slug}/suppliers/"
    created = api.post(url, {"name": "Acme AI", "owner": admin.pk}, format="json")
    assert created.status_code == 201
    detail = f"{url}{created.json()['id']}/"
    assert created["ETag"] == api.get(detail)["ETag"]
    patched = api.patch(
        detail, {"provides": "Reviewed"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] != created["ETag"]
    assert patched["ETag"] == api.get(detail)["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(org_a, admin_api, in_tenant):
    admin, api = admin_api
    supplier = _supplier(org_a, admin, in_tenant)
    detail = f"/api/v1/orgs/{org_a.slug}/suppliers/{supplier.pk}/"
    stale = api.get(detail)["ETag"]
    assert api.patch(detail, {"provides": "First"}, format="json").status_code == 200
    refused = api.patch(detail, {"provides": "Second"}, format="json", HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert refused.json()["code"] == "precondition_failed"
    assert api.get(detail).json()["provides"] == "First"
    # A weak tag never matches (strong comparison); "*" and a list holding the current tag do.
    current = api.get(detail)["ETag"]
    weak = api.patch(detail, {"provides": "W"}, format="json", HTTP_IF_MATCH=f"W/{current}")
    assert weak.status_code == 412
    listed = api.patch(
        detail, {"provides": "Listed"}, format="json", HTTP_IF_MATCH=f"{stale}, {current}"
    )
    assert listed.status_code == 200
    assert (
        api.patch(detail, {"provides": "Any"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )


def test_a_stale_if_match_on_delete_is_412_and_deletes_nothing(org_a, admin_api, in_tenant):
    _, api = admin_api
    contact = make_object(SupplierContact, org_a)
    detail = f"/api/v1/orgs/{org_a.slug}/supplier-contacts/{contact.pk}/"
    stale = api.get(detail)["ETag"]
    assert api.patch(detail, {"name": "Renamed"}, format="json").status_code == 200
    assert api.delete(detail, HTTP_IF_MATCH=stale).status_code == 412
    with in_tenant(org_a):
        assert SupplierContact.objects.filter(pk=contact.pk).exists()
    assert api.delete(detail, HTTP_IF_MATCH=api.get(detail)["ETag"]).status_code == 204


@pytest.mark.parametrize("header", ["abc", '"unclosed', "W/abc", ","])
def test_a_malformed_if_match_is_a_400_naming_it(org_a, admin_api, in_tenant, header):
    admin, api = admin_api
    supplier = _supplier(org_a, admin, in_tenant)
    detail = f"/api/v1/orgs/{org_a.slug}/suppliers/{supplier.pk}/"
    response = api.patch(detail, {"provides": "x"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]


def test_another_organisations_object_stays_a_404_with_if_match(
    org_a, org_b, admin_api, member, in_tenant
):
    _, api = admin_api
    supplier_b = _supplier(org_b, member(org_b, Role.ADMIN), in_tenant)
    response = api.patch(
        f"/api/v1/orgs/{org_a.slug}/suppliers/{supplier_b.pk}/",
        {"provides": "x"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_writes_with_one_tag_at_the_same_moment_one_wins(
    live_server, org_a, member, api_key_for, in_tenant
):
    """Real HTTP connections, released together: the row lock makes the second see the first."""
    owner = member(org_a, Role.OFFICER)
    supplier = _supplier(org_a, owner, in_tenant)
    token = api_key_for(org_a)
    url = f"{live_server.url}/api/v1/orgs/{org_a.slug}/suppliers/{supplier.pk}/"
    with urllib.request.urlopen(
        urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}), timeout=30
    ) as response:
        tag = response.headers["ETag"]
    barrier = threading.Barrier(3)
    statuses: dict[str, int] = {}

    def patch(note: str):
        request = urllib.request.Request(
            url,
            data=json.dumps({"provides": note}).encode(),
            method="PATCH",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "If-Match": tag,
            },
        )
        barrier.wait(30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses[note] = response.status
        except urllib.error.HTTPError as error:
            statuses[note] = error.code

    threads = [threading.Thread(target=patch, args=(n,)) for n in ("one", "two", "three")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert sorted(statuses.values()) == [200, 412, 412], statuses
    winner = next(note for note, status in statuses.items() if status == 200)
    with in_tenant(org_a):
        assert Supplier.objects.get(pk=supplier.pk).provides == winner
