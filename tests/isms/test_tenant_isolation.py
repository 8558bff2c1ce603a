"""Generic tenant isolation: organisation A can neither read, change nor detect B's objects.

Walks every API route on the org router and every /o/<slug>/ URL that names an object; a
new endpoint is covered automatically (its model needs a maker in tests/<app>/factories.py).
"""

from __future__ import annotations

import re

import pytest
from rest_framework import serializers

from isms.access import API_KEY_SCOPES
from isms.api.serializers import MemberField, TenantRelatedField
from isms.models import APIKey, Role
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import api_routes, org_owned, ui_routes

load_all_factories()
ORG_API_ROUTES = [r for r in api_routes() if org_owned(r.model)]
ORG_UI_ROUTES = [r for r in ui_routes() if r.has_pk and org_owned(r.model)]
MISSING_PK = 987_654_321


@pytest.fixture(params=["session", "api_key"])
def a_client(request, org_a, member, api_for, api_key_for):
    """A client acting for organisation A with every scope a caller of that kind can have."""
    if request.param == "session":
        return api_for(user=member(org_a, Role.ADMIN))
    return api_for(api_token=api_key_for(org_a, access="read_write"))


def test_every_api_and_ui_model_has_a_factory():
    models = {r.model for r in ORG_API_ROUTES} | {r.model for r in ORG_UI_ROUTES}
    assert not [m.__name__ for m in models if m not in OBJECT_FACTORIES]


def _same_refusal(client, method: str, url_b: str, url_missing: str, data=None):
    call = getattr(client, method)
    kwargs = {"format": "json"} if data is not None else {}
    b, missing = call(url_b, data, **kwargs), call(url_missing, data, **kwargs)
    # 403 only for a scope the caller lacks (a key never holds `org:admin`): refused before any
    # row is looked at, so it answers the same for B's object and a missing one (checked below).
    refused_by_scope = b.status_code == 403 and b.json().get("code") == "missing_scope"
    assert b.status_code in (404, 405) or refused_by_scope, (
        method,
        url_b,
        b.status_code,
        b.content[:300],
    )
    assert (b.status_code, b.content) == (missing.status_code, missing.content), (
        "another organisation's object must look exactly like a missing one"
    )
    return b


@pytest.mark.parametrize("route", ORG_API_ROUTES, ids=str)
def test_api_detail_of_another_org_is_not_found(route, org_a, org_b, a_client):
    obj_b = make_object(route.model, org_b)
    slug = org_a.slug
    for method in ["get", "patch", "put", "delete"]:
        _same_refusal(
            a_client, method, route.url(slug, obj_b.pk), route.url(slug, MISSING_PK), data={}
        )
    for action in route.detail_actions():
        for method in action.mapping:
            _same_refusal(
                a_client,
                method,
                route.url(slug, obj_b.pk, action.url_path),
                route.url(slug, MISSING_PK, action.url_path),
                data={},
            )


@pytest.mark.parametrize("route", [r for r in ORG_API_ROUTES if "list" in r.actions], ids=str)
def test_api_lists_never_include_another_orgs_objects(route, org_a, org_b, a_client, request):
    needed = set(route.viewset.scope_map.get("GET", []))
    if request.node.callspec.params.get("a_client") == "api_key" and not needed <= set(
        API_KEY_SCOPES[APIKey.Access.READ_WRITE]
    ):
        pytest.skip("no API key may read this list (an admin-only route: org:admin)")
    obj_a = make_object(route.model, org_a)
    obj_b = make_object(route.model, org_b)
    response = a_client.get(route.url(org_a.slug), {"page_size": 500})
    assert response.status_code == 200, response.content[:300]
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    ids = {row.get("id") for row in rows}
    assert obj_b.pk not in ids
    assert obj_a.pk in ids, "the list should show A's own object"


def _related_fields(route):
    if "partial_update" not in route.actions and "create" not in route.actions:
        return []
    serializer_class = route.viewset.serializer_class
    found = []
    for name, field in serializer_class().fields.items():
        if field.read_only:
            continue
        child = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
        many = isinstance(field, serializers.ManyRelatedField)
        if isinstance(child, MemberField):
            found.append((name, "member", many))
        elif isinstance(child, TenantRelatedField) and org_owned(child.queryset.model):
            found.append((name, child.queryset.model, many))
    return found


REFERENCE_CASES = [
    pytest.param(route, name, target, many, id=f"{route}.{name}")
    for route in ORG_API_ROUTES
    for name, target, many in _related_fields(route)
]


@pytest.mark.parametrize(("route", "field", "target", "many"), REFERENCE_CASES)
def test_api_refuses_references_to_another_orgs_objects(
    route, field, target, many, org_a, org_b, member, api_for
):
    client = api_for(user=member(org_a, Role.ADMIN))
    if target == "member":
        foreign_id = member(org_b, Role.ADMIN).pk
    else:
        foreign_id = make_object(target, org_b).pk
    payload = {field: [foreign_id] if many else foreign_id}
    if "partial_update" in route.actions:
        obj_a = make_object(route.model, org_a)
        response = client.patch(route.url(org_a.slug, obj_a.pk), payload, format="json")
    else:
        response = client.post(route.url(org_a.slug), payload, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["errors"], response.json()


def test_reference_cases_cover_the_related_fields_of_writable_endpoints():
    # Guard against the suite silently testing nothing once feature apps exist.
    writable = [r for r in ORG_API_ROUTES if {"create", "partial_update"} & r.actions]
    if writable:
        assert REFERENCE_CASES


@pytest.mark.parametrize("route", ORG_UI_ROUTES, ids=str)
def test_ui_object_pages_of_another_org_are_not_found(route, org_a, org_b, member, client_for):
    obj_b = make_object(route.model, org_b)
    client = client_for(member(org_a, Role.ADMIN))
    for method in ["get", "post"]:
        for pk in (obj_b.pk, MISSING_PK):
            response = getattr(client, method)(route.url(org_a.slug, pk))
            assert response.status_code in (404, 405), (method, route.route, response.status_code)
        b = getattr(client, method)(route.url(org_a.slug, obj_b.pk))
        missing = getattr(client, method)(route.url(org_a.slug, MISSING_PK))
        assert b.status_code == missing.status_code


def _without_csrf(content: bytes) -> bytes:
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_unknown_and_foreign_org_slugs_look_the_same(org_a, org_b, member, client_for, api_for):
    user = member(org_a, Role.ADMIN)
    for client, prefix in [(client_for(user), "/o/"), (api_for(user=user), "/api/v1/orgs/")]:
        foreign = client.get(f"{prefix}{org_b.slug}/controls/")
        unknown = client.get(f"{prefix}no-such-org/controls/")
        assert foreign.status_code == unknown.status_code == 404
        assert _without_csrf(foreign.content) == _without_csrf(unknown.content)


def test_api_key_of_one_org_is_404_on_another_orgs_slug(org_a, org_b, api_key_for, api_for):
    client = api_for(api_token=api_key_for(org_a))
    assert client.get(f"/api/v1/orgs/{org_a.slug}/controls/").status_code == 200
    assert client.get(f"/api/v1/orgs/{org_b.slug}/controls/").status_code == 404
