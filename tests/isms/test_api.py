"""The API's contract: schema, pagination, errors, history, the control library."""

import subprocess
import sys

import pytest
import yaml
from django.db import connection

from isms.models import Control, Role
from tests.factories import load_all_factories
from tests.routes import api_routes, creator_for

pytestmark = pytest.mark.django_db
load_all_factories()


@pytest.fixture
def controls(db):
    from isms.controls.loader import load_control_library

    load_control_library()


@pytest.fixture
def officer_api(org_a, member, api_for):
    return api_for(user=member(org_a, Role.OFFICER))


def test_schema_is_valid_with_no_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for route in api_routes():
        assert f"/api/v1/orgs/{{org_slug}}/{route.prefix}/" in paths, route.prefix


def test_schema_and_docs_are_served_offline(client):
    assert client.get("/api/schema/").status_code == 200
    for path in ["/api/docs/", "/api/redoc/"]:
        page = client.get(path)
        assert page.status_code == 200
        assert b"cdn" not in page.content.lower(), "the docs must load their assets from us"
    assert (
        client.get(
            "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
        ).status_code
        == 200
    )


def test_controls_list_detail_and_filters(officer_api, org_a, controls):
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/controls/")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 131 and len(body["results"]) == 50
    iso42001 = officer_api.get(
        f"/api/v1/orgs/{org_a.slug}/controls/", {"framework": "iso42001-2023"}
    )
    assert iso42001.json()["count"] == 38
    search = officer_api.get(f"/api/v1/orgs/{org_a.slug}/controls/", {"q": "Threat intelligence"})
    assert [c["ref"] for c in search.json()["results"]] == ["5.7"]
    control = Control.objects.get(framework__code="iso42001-2023", ref="A.2.2")
    detail = officer_api.get(f"/api/v1/orgs/{org_a.slug}/controls/{control.pk}/").json()
    assert (
        detail["title"]
        and {"target": "5.1", "target_framework": "iso27001-2022"}.items()
        <= detail["mappings"][0].items()
    )
    frameworks = officer_api.get(f"/api/v1/orgs/{org_a.slug}/frameworks/").json()
    assert {f["code"]: f["control_count"] for f in frameworks} == {
        "iso27001-2022": 93,
        "iso42001-2023": 38,
    }


def test_page_size_is_bounded(officer_api, org_a, controls):
    url = f"/api/v1/orgs/{org_a.slug}/controls/"
    assert len(officer_api.get(url, {"page_size": 10}).json()["results"]) == 10
    assert (
        len(officer_api.get(url, {"page_size": 100000}).json()["results"]) == 131
    )  # capped at 500
    assert officer_api.get(url, {"page": 99}).status_code == 404


def test_control_list_queries_do_not_grow_with_rows(
    officer_api, org_a, controls, django_assert_num_queries
):
    # session, user, membership, savepoint, set tenant, count, page, restore, release
    url = f"/api/v1/orgs/{org_a.slug}/controls/"
    for page_size in (10, 500):
        with django_assert_num_queries(9):
            officer_api.get(url, {"page_size": page_size})


def test_no_router_prefix_starts_another():
    """The org router groups its URLs by prefix (isms.api.routers): with no prefix the start
    of another, every path reaches the route it reached in the flat list."""
    from django.urls import get_resolver

    from isms.api.routers import org_router

    _ = get_resolver().url_patterns  # registers every app's viewsets
    prefixes = [prefix for prefix, _viewset, _basename in org_router.registry]
    assert len(prefixes) > 50
    clashes = [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
    assert clashes == []


def test_unknown_filter_value_is_a_400_naming_the_field(officer_api, org_a):
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/members/", {"role": "emperor"})
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_members_and_audit_events(officer_api, org_a, member, api_key_for):
    member(org_a, Role.AUDITOR)
    api_key_for(org_a)
    members = officer_api.get(f"/api/v1/orgs/{org_a.slug}/members/").json()
    assert {m["role"] for m in members["results"]} == {"officer", "auditor"}
    events = officer_api.get(
        f"/api/v1/orgs/{org_a.slug}/audit-events/", {"table": "isms_apikey"}
    ).json()
    assert events["count"] == 1 and events["results"][0]["action"] == "insert"


CREATE_ROUTES = [r for r in api_routes() if "create" in r.actions]


@pytest.mark.parametrize("route", CREATE_ROUTES, ids=str)
def test_malformed_json_is_a_400_that_names_the_problem(route, org_a, member, api_for, api_key_for):
    client = creator_for(route, org_a, member, api_for, api_key_for)
    response = client.generic(
        "POST", route.url(org_a.slug), '{"name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_request_id_is_returned_and_recorded(officer_api, org_a):
    response = officer_api.get(
        f"/api/v1/orgs/{org_a.slug}/members/", HTTP_X_REQUEST_ID="trace-12345678"
    )
    assert response["X-Request-ID"] == "trace-12345678"


def test_requests_run_as_the_application_role(officer_api, org_a):
    officer_api.get(f"/api/v1/orgs/{org_a.slug}/members/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "guardrail_app"


def test_member_and_audit_lists_keep_their_query_count_with_many_rows(
    officer_api, org_a, api_key_for, django_assert_num_queries
):
    from isms.models import Membership
    from tests.factories import UserFactory

    users = UserFactory.create_batch(200)
    Membership.objects.bulk_create(
        Membership(organization=org_a, user=u, role="contributor") for u in users
    )
    for _ in range(30):
        api_key_for(org_a)
    for url in ["members", "audit-events"]:
        counts = []
        for page_size in (10, 200):
            with django_assert_num_queries(9) as captured:
                officer_api.get(f"/api/v1/orgs/{org_a.slug}/{url}/", {"page_size": page_size})
            counts.append(len(captured))
        assert counts[0] == counts[1]


# --- A schema a generator consumes (issue 20) -----------------------------------------------


def _generated_schema():
    """The schema and the generator that built it (its registry knows each component's
    serializer)."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    return generator.get_schema(request=None, public=True), generator


def _request_bodies(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                yield f"{method.upper()} {path}", operation["requestBody"]["content"]


def test_every_request_body_has_one_content_type_json_unless_it_carries_a_file():
    """A body declared under several content types breaks generated clients; multipart only
    where a file is uploaded (asset evaluations, policy versions, supplier certifications)."""
    schema, _ = _generated_schema()
    multipart = set()
    for operation, content in _request_bodies(schema):
        assert len(content) == 1, (operation, list(content))
        if "multipart/form-data" in content:
            multipart.add(operation)
        else:
            assert list(content) == ["application/json"], operation
    assert multipart == {
        "POST /api/v1/orgs/{org_slug}/asset-evaluations/",
        "POST /api/v1/orgs/{org_slug}/policy-versions/",
        "PATCH /api/v1/orgs/{org_slug}/policy-versions/{id}/",
        "POST /api/v1/orgs/{org_slug}/supplier-certifications/",
        "PATCH /api/v1/orgs/{org_slug}/supplier-certifications/{id}/",
    }


def test_form_bodies_are_refused_with_415_and_json_is_accepted(officer_api, org_a, member):
    url = f"/api/v1/orgs/{org_a.slug}/suppliers/"
    body = {"name": "Acme", "owner": member(org_a, Role.OFFICER).pk}
    form = officer_api.post(url, body, format="multipart")
    assert form.status_code == 415, form.content
    assert form.json()["code"] == "unsupported_media_type"
    created = officer_api.post(url, body, format="json")
    assert created.status_code == 201, created.content


def _nullable(prop: dict) -> bool:
    if prop.get("nullable"):
        return True
    options = prop.get("oneOf", []) + prop.get("anyOf", [])
    return any(
        o.get("$ref", "").endswith("/NullEnum") or None in o.get("enum", []) for o in options
    )


def _enum_values(schema, prop: dict) -> set:
    values = set(prop.get("enum", []))
    for option in [prop, *prop.get("oneOf", []), *prop.get("allOf", [])]:
        ref = option.get("$ref")
        if ref:
            values |= set(schema["components"]["schemas"][ref.split("/")[-1]].get("enum", []))
    return values


def _model_field(serializer, field):
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except Exception:
        return None


def test_every_response_enum_holds_every_value_its_model_field_can_hold():
    """A choice field that can be empty is nullable in the response (null, not "") or lists
    "" in its enum: a generated client parses every value the API returns."""
    from rest_framework import serializers

    schema, generator = _generated_schema()
    components = schema["components"]["schemas"]
    checked, wrong = 0, []
    for component in generator.registry._components.values():
        serializer = component.object
        if component.type != "schemas" or not isinstance(serializer, serializers.BaseSerializer):
            continue
        if component.name.endswith("Request") or not hasattr(serializer, "fields"):
            continue
        properties = components.get(component.name, {}).get("properties", {})
        for name, field in serializer.fields.items():
            if not isinstance(field, serializers.ChoiceField) or field.write_only:
                continue
            if isinstance(field, serializers.MultipleChoiceField):
                continue
            model_field = _model_field(serializer, field)
            if model_field is None or name not in properties:
                continue
            checked += 1
            prop = properties[name]
            holdable = {str(v) for v, _ in model_field.flatchoices}
            if model_field.blank:
                holdable.add("")
            documented = {str(v) for v in _enum_values(schema, prop)}
            missing = holdable - documented
            if missing == {""} and _nullable(prop):
                missing = set()
            if model_field.null and not _nullable(prop):
                missing.add(None)
            if missing:
                wrong.append(f"{component.name}.{name}: {sorted(map(str, missing))}")
    assert checked > 50
    assert wrong == []


def test_an_unrated_supplier_and_a_version_without_document_answer_null(officer_api, org_a, member):
    base = f"/api/v1/orgs/{org_a.slug}/"
    owner = member(org_a, Role.OFFICER).pk
    supplier = officer_api.post(base + "suppliers/", {"name": "Acme", "owner": owner})
    assert supplier.status_code == 201, supplier.content
    assert supplier.json()["rating"] is None
    rows = officer_api.get(base + "suppliers/").json()["results"]
    assert [r["rating"] for r in rows] == [None]
    made = officer_api.post(base + "policies/from-template/", {"template": "ai-acceptable-use"})
    assert made.status_code == 201, made.json()
    versions = officer_api.get(base + "policy-versions/").json()["results"]
    assert versions and {v["document_type"] for v in versions} == {None}


def _security(schema, method: str, path: str) -> list:
    return schema["paths"][f"/api/v1/orgs/{{org_slug}}/{path}"][method]["security"]


def test_operations_that_need_a_person_are_not_offered_to_api_keys():
    """A change request has an accountable requester (segregation of duties: they never
    approve it, ISO/IEC 42001 A.6.2.2 change control); approvals need a named person
    (isms.policy). The schema offers those to sessions only; everything else to either."""
    schema, _ = _generated_schema()
    either = [{"ApiKey": []}, {"Session": []}]
    person = [{"Session": []}]
    assert _security(schema, "get", "ai-change-requests/") == either
    assert _security(schema, "post", "ai-change-requests/") == person
    assert _security(schema, "post", "ai-change-requests/{id}/approve/") == person
    assert _security(schema, "post", "ai-change-requests/{id}/withdraw/") == either
    assert _security(schema, "post", "risks/{id}/approve-plan/") == person
    assert _security(schema, "post", "suppliers/") == either
    description = schema["paths"]["/api/v1/orgs/{org_slug}/ai-change-requests/"]["post"]
    assert "API keys are refused" in description["description"]


def test_an_api_key_raising_a_change_request_is_refused_before_validation(
    org_a, api_for, api_key_for, member, in_tenant
):
    from risks.models import AIChangeRequest

    key = api_for(api_token=api_key_for(org_a))
    refused = key.post(f"/api/v1/orgs/{org_a.slug}/ai-change-requests/", {"title": "x"})
    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "permission_denied"
    assert "API key" in refused.json()["detail"]
    # a person with the same scope gets as far as validating the body
    person = api_for(user=member(org_a, Role.CONTRIBUTOR))
    invalid = person.post(f"/api/v1/orgs/{org_a.slug}/ai-change-requests/", {"title": "x"})
    assert invalid.status_code == 400, invalid.content
    with in_tenant(org_a):
        assert AIChangeRequest.objects.count() == 0
