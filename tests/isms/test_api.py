"""The API's contract: schema, pagination, errors, history, the control library."""

import subprocess
import sys

import pytest
import yaml
from django.db import connection

from isms.models import Control, Role
from tests.factories import load_all_factories
from tests.routes import api_routes

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
def test_malformed_json_is_a_400_that_names_the_problem(route, org_a, member, api_for):
    client = api_for(user=member(org_a, Role.ADMIN))
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
