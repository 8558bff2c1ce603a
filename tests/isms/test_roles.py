"""Generic role suite: auditors and read-only keys cannot write; lapsed access gives nothing.

Walks every API route and every /o/<slug>/ page, so new endpoints are covered as they land.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.access import ROLE_SCOPES, required_scopes
from isms.models import Role
from isms.services.api_keys import api_key_authenticate, api_key_revoke
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import api_routes, org_owned, ui_routes

load_all_factories()
API_ROUTES = api_routes()
UI_ROUTES = ui_routes()
WRITE_METHODS = {"create": "post", "partial_update": "patch", "update": "put", "destroy": "delete"}


def _target_pk(model, organization):
    if model is None or not org_owned(model):
        return None
    return make_object(model, organization).pk if model in OBJECT_FACTORIES else None


# POSTs that only read (a file or hash checked against the packs) and are open to readers.
READING_POSTS = {("evidencepack", "verify")}


def _unsafe_calls(route, organization):
    """(method, url) for every state-changing call the route accepts, on A's own objects."""
    calls = []
    if "create" in route.actions:
        calls.append(("post", route.url(organization.slug)))
    for action in route.list_actions():
        if (route.basename, action.url_path) in READING_POSTS:
            continue
        calls += [
            (m, route.url(organization.slug, suffix=action.url_path))
            for m in action.mapping
            if m not in ("get", "head", "options")
        ]
    detail_methods = [WRITE_METHODS[a] for a in ("partial_update", "destroy") if a in route.actions]
    unsafe_detail_actions = [
        (m, a.url_path)
        for a in route.detail_actions()
        for m in a.mapping
        if m not in ("get", "head", "options")
    ]
    if detail_methods or unsafe_detail_actions:
        pk = _target_pk(route.model, organization)
        assert pk is not None, f"no factory for {route.model}"
        calls += [(m, route.url(organization.slug, pk)) for m in detail_methods]
        calls += [(m, route.url(organization.slug, pk, path)) for m, path in unsafe_detail_actions]
    return calls


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
@pytest.mark.parametrize("caller", ["auditor", "read_only_key"])
def test_read_only_callers_cannot_write_through_the_api(
    route, caller, org_a, member, api_for, api_key_for
):
    if caller == "auditor":
        client = api_for(user=member(org_a, Role.AUDITOR))
    else:
        client = api_for(api_token=api_key_for(org_a, access="read"))
    for method, url in _unsafe_calls(route, org_a):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code in (403, 405), (method, url, response.status_code)
        if response.status_code == 403:
            assert response.json()["code"] in {"missing_scope", "permission_denied"}


def _read_scopes(route) -> frozenset[str]:
    return frozenset(required_scopes(getattr(route.viewset, "scope_map", {}), "GET") or ())


LISTS = [r for r in API_ROUTES if "list" in r.actions]
# Lists an auditor reads: every register. The others hold secrets or the whole organisation
# (webhook endpoints and their deliveries, organisation exports) and are an administrator's.
READER_LISTS = [r for r in LISTS if _read_scopes(r) <= ROLE_SCOPES[Role.AUDITOR]]
ADMIN_LISTS = [r for r in LISTS if r not in READER_LISTS]


@pytest.mark.parametrize("route", READER_LISTS, ids=str)
def test_auditors_and_read_only_keys_can_read_every_list(
    route, org_a, member, api_for, api_key_for
):
    for client in [
        api_for(user=member(org_a, Role.AUDITOR)),
        api_for(api_token=api_key_for(org_a, access="read")),
    ]:
        assert client.get(route.url(org_a.slug)).status_code == 200


def test_the_admin_only_lists_are_the_expected_ones():
    """A new list closed to auditors is a decision, made here on purpose."""
    assert {r.basename for r in ADMIN_LISTS} == {
        "webhook",
        "webhookdelivery",
        "organizationexport",
    }


@pytest.mark.parametrize("route", ADMIN_LISTS, ids=str)
def test_admin_only_lists_refuse_auditors_and_read_only_keys_by_name(
    route, org_a, member, api_for, api_key_for
):
    for client in [
        api_for(user=member(org_a, Role.AUDITOR)),
        api_for(api_token=api_key_for(org_a, access="read")),
    ]:
        response = client.get(route.url(org_a.slug))
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"
    assert api_for(user=member(org_a, Role.ADMIN)).get(route.url(org_a.slug)).status_code == 200


@pytest.mark.parametrize("route", [r for r in API_ROUTES if "list" in r.actions], ids=str)
def test_lapsed_access_gives_nothing_on_the_api(route, org_a, member, api_for, api_key_for):
    expired_member = member(org_a, Role.ADMIN, expires_at=timezone.now() - timedelta(minutes=1))
    response = api_for(user=expired_member).get(route.url(org_a.slug))
    assert response.status_code == 403
    assert "expired" in response.json()["detail"]

    revoked = api_key_for(org_a)
    api_key_revoke(api_key=api_key_authenticate(revoked))
    expired = api_key_for(org_a, expires_at=timezone.now() + timedelta(seconds=1))
    from isms.models import APIKey

    APIKey.objects.filter(prefix=expired[3:11]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    for token, reason in [(revoked, "revoked"), (expired, "expired"), ("gr_nope.nope", "Invalid")]:
        response = api_for(api_token=token).get(route.url(org_a.slug))
        assert response.status_code == 401
        assert reason in response.json()["detail"]
    assert api_for().get(route.url(org_a.slug)).status_code == 401


UI_WRITE_ROUTES = [r for r in UI_ROUTES if r.scopes_for("POST")]


@pytest.mark.parametrize("route", UI_WRITE_ROUTES, ids=str)
def test_auditors_cannot_post_to_any_page_that_writes(route, org_a, member, client_for):
    needed = route.scopes_for("POST")
    if all(s.endswith(":read") for s in needed):
        pytest.skip("this page's POST only reads")
    if "<slug:framework>" in route.route:
        pytest.skip("global reference data (a framework of the control library)")
    client = client_for(member(org_a, Role.AUDITOR))
    pk = _target_pk(route.model, org_a) if route.has_pk else None
    if route.has_pk and pk is None:
        pytest.skip("global reference data")
    response = client.post(route.url(org_a.slug, pk), {})
    assert response.status_code == 403


@pytest.mark.parametrize("route", [r for r in UI_ROUTES if not r.has_pk], ids=str)
def test_lapsed_membership_gives_nothing_in_the_ui(route, org_a, member, client_for):
    user = member(org_a, Role.ADMIN, expires_at=timezone.now() - timedelta(days=1))
    response = client_for(user).get(route.url(org_a.slug))
    assert response.status_code == 403
    assert b"expired" in response.content


def test_every_ui_view_and_api_viewset_declares_scopes():
    for route in UI_ROUTES:
        assert route.view_class.scope_map, route
    for route in API_ROUTES:
        assert route.viewset.scope_map, route
