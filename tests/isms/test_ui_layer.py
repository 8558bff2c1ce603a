"""The UI layer fails closed, and API errors carry stable codes.

Every organisation page declares the scopes each HTTP method it answers needs; a page that
declares none is refused (it does not silently let every member in), and an API path that
matches no route answers the API's JSON error, not the HTML page.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.views.generic import View

from isms.access import ROLE_SCOPES, required_scopes
from isms.errors import ErrorCode
from isms.models import Role
from isms.views.mixins import OrgViewMixin
from tests.factories import load_all_factories
from tests.routes import page_pk, ui_routes

load_all_factories()

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


# --- Controls a member cannot use are not rendered ------------------------------------------


class _Controls(HTMLParser):
    """The controls of a page: links (GET) and the forms and HTMX attributes that POST."""

    def __init__(self):
        super().__init__()
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.found.add(("GET", attrs["href"]))
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.found.add(("POST", attrs.get("action") or ""))
        if attrs.get("hx-post"):
            self.found.add(("POST", attrs["hx-post"]))


def _controls(html: str, page_url: str):
    """(method, path, view class) for each control of the page that leads to an org page."""
    parser = _Controls()
    parser.feed(html)
    for method, target in parser.found:
        path = urlsplit(urljoin(page_url, target)).path
        if not path.startswith("/o/"):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        view_class = getattr(match.func, "view_class", None)
        if view_class is not None:
            yield method, path, view_class


def _write_page(scopes) -> bool:
    return scopes is not None and any(not s.endswith(":read") for s in scopes)


READ_ONLY_ROLES = [Role.AUDITOR, Role.CONTRIBUTOR]


def _page_cases():
    routes = [r for r in ui_routes() if r.scopes_for("GET") is not None]
    names = [str(r) for r in routes]
    for route, name in zip(routes, names, strict=True):
        # "settings" is the name of two routes: pytest's ids number them settings0, settings1.
        case_id = (
            f"{name}{names[: routes.index(route)].count(name)}" if names.count(name) > 1 else name
        )
        for role in READ_ONLY_ROLES:
            yield pytest.param(route, role, id=f"{case_id}-{role}")


@pytest.mark.parametrize(("route", "role"), list(_page_cases()))
def test_pages_render_only_the_controls_their_reader_can_use(
    route, role, org_a, member, client_for
):
    """Every page, read by an auditor (read-only everywhere) and by a contributor who owns
    none of its objects: each link and each form it shows leads to something this member
    may do. A POST control needs the scopes its view declares for POST; a link to a page
    that writes (an edit form) must open for them, not answer 403 after the click."""
    pk, reachable = page_pk(route, org_a)
    if not reachable:
        pytest.skip("needs global reference data")
    client = client_for(member(org_a, role))
    url = route.url(org_a.slug, pk)
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        pytest.skip(f"not a page for this role ({response.status_code})")
    scopes = ROLE_SCOPES[role]
    unusable = []
    for method, path, view_class in _controls(response.content.decode(), url):
        needed = required_scopes(getattr(view_class, "scope_map", {}), method)
        if needed is None or not set(needed) <= scopes:
            unusable.append((method, path, needed))
        elif method == "GET" and _write_page(needed) and path != url:
            followed = client.get(path)
            if followed.status_code == 403:
                unusable.append((method, path, "403 for this object"))
    assert unusable == [], unusable


# --- A POST always ends on a redirect, with a message in words ------------------------------

BUTTON_ROUTES = [
    pytest.param(r, id=str(r))
    for r in ui_routes()
    if r.scopes_for("GET") is None and r.scopes_for("POST") is not None
]


@pytest.mark.parametrize("route", BUTTON_ROUTES)
def test_a_refused_button_post_redirects_with_a_message(route, org_a, member, client_for):
    """The URLs only forms POST to (buttons on a page): an admin, who holds every scope,
    sends an empty form. Whatever the answer (done, or refused for missing input or the
    object's state), it is a redirect to a page with a flash message, never a page rendered
    at the form's submission address, which a reload would re-post."""
    pk, reachable = page_pk(route, org_a)
    if not reachable:
        pytest.skip("needs global reference data")
    client = client_for(member(org_a, Role.ADMIN))
    response = client.post(route.url(org_a.slug, pk), {})
    assert response.status_code == 302, (route.route, response.status_code)
    assert list(response.wsgi_request._messages), "the redirect carries a message in words"
