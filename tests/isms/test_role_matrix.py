"""Every role, every page and endpoint: what the scope table allows works, the rest is refused.

The expectations are derived from the declarations (isms.access.ROLE_SCOPES and each view's
`scope_map` / `action_scopes`), so the suite proves the enforcement matches the table in both
directions: positive controls (an officer can create on every register, a contributor can
read every page) as well as refusals (403 with the `missing_scope` code).
"""

from __future__ import annotations

import pytest

from isms.access import API_KEY_SCOPES, ROLE_SCOPES, required_scopes
from isms.errors import ErrorCode
from isms.models import APIKey, Role
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import api_routes, page_pk, ui_routes

load_all_factories()
ROLES = [Role.ADMIN, Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR]
DENIED = (403,)


FILE_ROUTES = ("_file", "_document", "_evidence")  # 404 while the object has no file


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "route", [r for r in ui_routes() if r.scopes_for("GET") is not None], ids=str
)
def test_every_page_answers_each_role_as_the_scope_table_says(
    route, role, org_a, member, client_for
):
    pk, reachable = page_pk(route, org_a)
    if not reachable:
        pytest.skip("needs global reference data")
    response = client_for(member(org_a, role)).get(route.url(org_a.slug, pk))
    allowed = set(route.scopes_for("GET")) <= ROLE_SCOPES[role]
    expected = {200, 302}
    if route.name.endswith(FILE_ROUTES):
        expected.add(404)
    if route.has_pk and role in (Role.CONTRIBUTOR, Role.AUDITOR):
        expected.add(403)  # an object's edit page also asks the object's policy
    if allowed:
        assert response.status_code in expected, (role, route.route, response.status_code)
    else:
        assert response.status_code == 403, (role, route.route, response.status_code)


def _create_scopes(route) -> list[str]:
    viewset = route.viewset
    return viewset.action_scopes.get("create") or required_scopes(viewset.scope_map, "POST")


CALLERS = [*ROLES, "key:read", "key:read_write", "key:ai_usage_decide"]


def _client(caller, organization, member, api_for, api_key_for):
    if caller.startswith("key:"):
        access = caller.removeprefix("key:")
        return api_for(api_token=api_key_for(organization, access=access)), API_KEY_SCOPES[access]
    return api_for(user=member(organization, caller)), ROLE_SCOPES[caller]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", [r for r in api_routes() if "list" in r.actions], ids=str)
def test_every_list_answers_each_caller_as_the_scope_table_says(
    route, caller, org_a, member, api_for, api_key_for
):
    client, scopes = _client(caller, org_a, member, api_for, api_key_for)
    response = client.get(route.url(org_a.slug))
    needed = route.viewset.action_scopes.get("list") or required_scopes(
        route.viewset.scope_map, "GET"
    )
    if set(needed) <= scopes:
        assert response.status_code == 200, (caller, response.status_code)
    else:
        assert response.status_code in DENIED
        assert response.json()["code"] == ErrorCode.MISSING_SCOPE


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", [r for r in api_routes() if "create" in r.actions], ids=str)
def test_create_answers_each_caller_as_the_scope_table_says(
    route, caller, org_a, member, api_for, api_key_for
):
    """An empty body: allowed callers get past authorization (a 400 naming fields), the
    others a 403 with its code. Nothing is created either way."""
    client, scopes = _client(caller, org_a, member, api_for, api_key_for)
    response = client.post(route.url(org_a.slug), {}, format="json")
    if caller.startswith("key:") and "create" in getattr(route.viewset, "person_only_actions", ()):
        # Needs a named person (the schema offers it to sessions only): refused to any key.
        assert response.status_code == 403, (caller, response.status_code)
        assert response.json()["code"] in (ErrorCode.PERMISSION_DENIED, ErrorCode.MISSING_SCOPE)
    elif set(_create_scopes(route)) <= scopes:
        assert response.status_code not in (401, 403, 404, 500), (caller, response.content)
    else:
        assert response.status_code == 403, (caller, response.status_code)
        assert response.json()["code"] == ErrorCode.MISSING_SCOPE


@pytest.mark.parametrize(
    "route",
    [r for r in api_routes() if "partial_update" in r.actions and r.model in OBJECT_FACTORIES],
    ids=str,
)
def test_officers_and_read_write_keys_may_edit_every_register(
    route, org_a, member, api_for, api_key_for
):
    """Positive control: the manage scope reaches every object, whoever owns it. A register
    whose PATCH needs a scope officers or keys lack (the organisation profile: `org:admin`) is
    edited by the callers that hold it; the role sweep above proves the others are refused."""
    obj = make_object(route.model, org_a)
    needed = set(required_scopes(route.viewset.scope_map, "PATCH") or [])
    callers = [
        (ROLE_SCOPES[Role.OFFICER], lambda: api_for(user=member(org_a, Role.OFFICER))),
        (
            API_KEY_SCOPES[APIKey.Access.READ_WRITE],
            lambda: api_for(api_token=api_key_for(org_a, access=APIKey.Access.READ_WRITE)),
        ),
    ]
    clients = [make() for scopes, make in callers if needed <= scopes]
    if not clients:
        clients = [api_for(user=member(org_a, Role.ADMIN))]
    for client in clients:
        response = client.patch(route.url(org_a.slug, obj.pk), {}, format="json")
        assert response.status_code not in (401, 403, 404, 500), response.content
