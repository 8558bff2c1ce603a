"""Incremental sync (issue 20): every register list filters by `updated_after` and orders by
the change; the audit-trail feed pages by cursor, stable under inserts, and shows deletions."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from isms.models import Role
from suppliers.models import Supplier, SupplierContact
from tests.factories import load_all_factories, make_object
from tests.routes import api_routes, org_owned

load_all_factories()
SYNC_ROUTES = [
    r
    for r in api_routes()
    if org_owned(r.model) and "list" in r.actions and r.basename != "auditevent"
]


@pytest.fixture
def admin_api(org_a, member, api_for):
    admin = member(org_a, Role.ADMIN)
    return admin, api_for(user=admin)


def _ids(response) -> list:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return [row["id"] for row in (body["results"] if isinstance(body, dict) else body)]


def _moment() -> str:
    time.sleep(0.002)  # the clock moves on (microsecond timestamps)
    moment = timezone.now().isoformat()
    time.sleep(0.002)
    return moment


@pytest.mark.parametrize("route", SYNC_ROUTES, ids=str)
def test_every_register_list_filters_by_updated_after(route, org_a, org_b, admin_api):
    _, api = admin_api
    before = "2000-01-01T00:00:00Z"  # a factory may hand back what the organisation started with
    obj = make_object(route.model, org_a)
    make_object(route.model, org_b)
    after = _moment()
    url = route.url(org_a.slug)
    assert obj.pk in _ids(api.get(url, {"updated_after": before, "page_size": 500}))
    assert obj.pk not in _ids(api.get(url, {"updated_after": after, "page_size": 500}))


def test_updated_after_orders_by_the_change_and_refuses_bad_input(org_a, admin_api, in_tenant):
    admin, api = admin_api
    url = f"/api/v1/orgs/{org_a.slug}/suppliers/"
    start = _moment()
    first = api.post(url, {"name": "First", "owner": admin.pk}, format="json").json()["id"]
    second = api.post(url, {"name": "Second", "owner": admin.pk}, format="json").json()["id"]
    assert _ids(api.get(url, {"updated_after": start})) == [first, second]
    middle = _moment()
    assert api.patch(f"{url}{first}/", {"provides": "Models"}, format="json").status_code == 200
    assert _ids(api.get(url, {"updated_after": start})) == [second, first]
    assert _ids(api.get(url, {"updated_after": middle})) == [first]
    # An explicit ordering wins.
    ordered = api.get(url, {"updated_after": start, "ordering": "-name"})
    assert _ids(ordered) == [second, first]
    for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-12-01T00:00:00+15:00"):
        refused = api.get(url, {"updated_after": bad})
        assert refused.status_code == 400, bad
        assert "updated_after" in refused.json()["errors"]


def test_a_model_without_an_updated_column_syncs_by_its_audit_trail(org_a, admin_api):
    _, api = admin_api
    contact = make_object(SupplierContact, org_a)
    other = make_object(SupplierContact, org_a)
    url = f"/api/v1/orgs/{org_a.slug}/supplier-contacts/"
    middle = _moment()
    assert _ids(api.get(url, {"updated_after": middle})) == []
    api.patch(f"{url}{contact.pk}/", {"name": "Renamed"}, format="json")
    assert _ids(api.get(url, {"updated_after": middle})) == [contact.pk]
    assert other.pk not in _ids(api.get(url, {"updated_after": middle}))


def _feed(api, org, **params):
    return api.get(f"/api/v1/orgs/{org.slug}/audit-events/feed/", params)


def test_the_feed_pages_by_cursor_stable_under_inserts_and_shows_deletions(
    org_a, org_b, admin_api, in_tenant, member
):
    admin, api = admin_api
    table = Supplier._meta.db_table
    with in_tenant(org_a):
        suppliers = [Supplier.objects.create(name=f"S{i}", owner=admin) for i in range(5)]
    with in_tenant(org_b):
        Supplier.objects.create(name="B's", owner=member(org_b, Role.ADMIN))
    page = _feed(api, org_a, table=table, page_size=2).json()
    seen = [e["object_id"] for e in page["results"]]
    assert seen == [str(suppliers[0].pk), str(suppliers[1].pk)]
    # Rows added while paging land at the end; the next page neither repeats nor skips.
    pks = [s.pk for s in suppliers]
    with in_tenant(org_a):
        late = Supplier.objects.create(name="Late", owner=admin)
        suppliers[2].delete()
    cursor = page["next"]
    while cursor:
        page = api.get(cursor).json()
        seen += [f"{e['action']}:{e['object_id']}" for e in page["results"]]
        cursor = page["next"]
    assert seen[2:] == [
        f"insert:{pks[2]}",
        f"insert:{pks[3]}",
        f"insert:{pks[4]}",
        f"insert:{late.pk}",
        f"delete:{pks[2]}",
    ]
    # The tombstones alone; another organisation's events never appear.
    tombstones = _feed(api, org_a, table=table, action="delete").json()["results"]
    assert [e["object_id"] for e in tombstones] == [str(pks[2])]
    assert all(e["object_id"] != "B's" for e in tombstones)
    assert len(_feed(api, org_a, table=table, page_size=500).json()["results"]) == 7


def test_the_feed_is_another_organisations_nothing(org_a, org_b, member, api_for, in_tenant):
    admin_b = member(org_b, Role.ADMIN)
    with in_tenant(org_b):
        Supplier.objects.create(name="B only", owner=admin_b)
    api_a = api_for(user=member(org_a, Role.ADMIN))
    rows = _feed(api_a, org_a, table=Supplier._meta.db_table).json()["results"]
    assert rows == []
