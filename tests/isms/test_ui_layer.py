"""The UI layer fails closed, and API errors carry stable codes.

Every organisation page declares the scopes each HTTP method it answers needs; a page that
declares none is refused (it does not silently let every member in), and an API path that
matches no route answers the API's JSON error, not the HTML page.
"""

from __future__ import annotations

import pytest
from django.views.generic import View

from isms.errors import ErrorCode
from isms.models import Role
from isms.views.mixins import OrgViewMixin
from tests.routes import ui_routes

HANDLERS = ("get", "post", "patch", "delete")  # PUT: generic form views alias it to POST


@pytest.mark.parametrize("route", ui_routes(), ids=str)
def test_every_organisation_page_declares_its_scopes(route):
    view = route.view_class
    assert issubclass(view, OrgViewMixin), f"{view.__name__} must use OrgViewMixin"
    for method in HANDLERS:
        if hasattr(view, method):
            scopes = view.scope_map.get(method.upper())
            assert scopes, f"{view.__name__} answers {method.upper()} without declaring scopes"


def test_a_view_without_scopes_is_refused(rf, org_a, member):
    class Undeclared(OrgViewMixin, View):
        def get(self, request, *args, **kwargs):  # pragma: no cover - must not run
            raise AssertionError("reached")

    from isms.access import Actor
    from isms.models import Membership

    user = member(org_a, Role.ADMIN)
    request = rf.get("/o/alpha/x/")
    request.actor = Actor.for_membership(Membership.objects.get(user=user))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        Undeclared.as_view()(request)


def test_unknown_api_path_answers_json(client, org_a):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": ErrorCode.NOT_FOUND}


def test_missing_scope_has_its_code(api_for, api_key_for, org_a):
    token = api_key_for(org_a, access="read")
    response = api_for(api_token=token).post("/api/v1/orgs/alpha/assets/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == ErrorCode.MISSING_SCOPE


def test_not_found_and_not_authenticated_codes(api_for, api_key_for, org_a):
    token = api_key_for(org_a)
    response = api_for(api_token=token).get("/api/v1/orgs/alpha/assets/999999/")
    assert (response.status_code, response.json()["code"]) == (404, ErrorCode.NOT_FOUND)
    response = api_for().get("/api/v1/orgs/alpha/assets/")
    assert (response.status_code, response.json()["code"]) == (401, ErrorCode.NOT_AUTHENTICATED)


def test_validation_errors_have_the_invalid_code(api_for, api_key_for, org_a):
    token = api_key_for(org_a)
    response = api_for(api_token=token).post("/api/v1/orgs/alpha/assets/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID and "name" in body["errors"]


def test_the_schema_documents_errors_and_groups_by_register(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["components"]["schemas"]["ErrorCodeEnum"]["enum"] == [c.value for c in ErrorCode]
    org_paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/orgs/")}
    assert org_paths
    for path, operations in org_paths.items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            assert operation["tags"] == [path.split("/")[5]], path
            for status in ("401", "403"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, path
            if method != "get":
                assert {"400", "409"} <= set(operation["responses"]), (method, path)
