"""Hardening (issue 18): bad input answers 4xx with the API's JSON error shape, never 500.

Each test names the general defence it proves, with the probe's input as the concrete case.
"""

from __future__ import annotations

import importlib
import json
import pkgutil

import django_filters
import pytest
from django import forms
from django.db import models
from rest_framework import serializers

from isms.api.parsers import MAX_DEPTH, JSONParser
from isms.filters import BoundedFilterSet
from isms.models import Role
from tests.factories import load_all_factories, make_object
from tests.routes import api_routes, creator_for

pytestmark = pytest.mark.django_db
load_all_factories()

PROJECT_PACKAGES = ["isms", "assets", "risks", "suppliers", "policies", "monitoring"]


def _import_all():
    """Import every module of the product, so subclass walks see every class."""
    for package in PROJECT_PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name or info.name.endswith(("devstack", "wsgi", "celery")):
                continue
            importlib.import_module(info.name)


def _subclasses(base):
    _import_all()
    seen, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.split(".")[0] in PROJECT_PACKAGES]


def _assert_api_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert body["detail"] and body["code"]
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def officer_api(org_a, member, api_for):
    return api_for(user=member(org_a, Role.OFFICER))


# --- 1. JSON nesting -------------------------------------------------------------------------

CREATE_ROUTES = [r for r in api_routes() if "create" in r.actions]


@pytest.mark.parametrize("route", CREATE_ROUTES, ids=str)
def test_json_nested_5000_levels_is_a_400_on_every_create_endpoint(
    route, org_a, member, api_for, api_key_for
):
    client = creator_for(route, org_a, member, api_for, api_key_for)
    body = "[" * 5000 + "]" * 5000
    response = client.generic("POST", route.url(org_a.slug), body, content_type="application/json")
    _assert_api_error(response, 400, "json_too_deep")


def test_json_within_the_depth_limit_is_parsed(org_a, officer_api):
    body = '{"name": "Nested", "notes": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    response = officer_api.generic(
        "POST", f"/api/v1/orgs/{org_a.slug}/suppliers/", body, content_type="application/json"
    )
    # Parsed: the refusal (if any) is the serializer's, about fields, not the body's depth.
    assert response.status_code != 500
    assert response.json().get("code") != "json_too_deep"


def test_every_api_view_parses_json_with_the_bounded_parser():
    for route in api_routes():
        view = route.viewset()
        for parser in view.get_parsers():
            if parser.media_type == "application/json":
                assert isinstance(parser, JSONParser), (route, parser)


# --- 2. Bounded filters ----------------------------------------------------------------------


def test_every_filterset_derives_from_the_bounded_base():
    filtersets = _subclasses(django_filters.FilterSet)
    assert len(filtersets) > 20
    loose = [c for c in filtersets if not issubclass(c, BoundedFilterSet)]
    assert loose == []


def test_every_number_filter_has_bounds():
    filtersets = _subclasses(BoundedFilterSet)
    assert len(filtersets) > 20
    for filterset in filtersets:
        for name, filter_ in filterset.base_filters.items():
            if issubclass(filter_.field_class, forms.DecimalField | forms.IntegerField):
                field = filter_.field
                assert field.min_value is not None and field.max_value is not None, (
                    filterset,
                    name,
                )


@pytest.mark.parametrize("value", ["987654321", "1e400", "-1", "99999999999999999999999"])
def test_certification_expiry_filter_out_of_range_is_a_400_naming_it(org_a, officer_api, value):
    cert = make_object(_model("suppliers.SupplierCertification"), org_a)
    base = f"/api/v1/orgs/{org_a.slug}/supplier-certifications/"
    for url in (base, f"{base}{cert.pk}/history/"):
        body = _assert_api_error(officer_api.get(url, {"expiring_within": value}), 400)
        assert "expiring_within" in body["errors"]


def test_supplier_list_page_refuses_a_huge_day_count(org_a, member, client_for):
    client = client_for(member(org_a, Role.OFFICER))
    response = client.get(f"/o/{org_a.slug}/suppliers/", {"cert_expiring_within": "987654321"})
    assert response.status_code == 400


def test_huge_ids_in_filters_are_a_400(org_a, officer_api):
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/assets/", {"owner": "9" * 30})
    assert "owner" in _assert_api_error(response, 400)["errors"]


def test_certification_expiry_filter_in_range_works(org_a, officer_api):
    make_object(_model("suppliers.SupplierCertification"), org_a)
    response = officer_api.get(
        f"/api/v1/orgs/{org_a.slug}/supplier-certifications/", {"expiring_within": "36500"}
    )
    assert response.status_code == 200


# --- 3. NUL bytes and time-zone offsets ------------------------------------------------------


def test_nul_in_a_query_parameter_is_a_400_on_the_api(org_a, officer_api):
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/controls/?framework=%00")
    body = _assert_api_error(response, 400, "invalid")
    assert "framework" in body["errors"]


def test_nul_in_a_query_parameter_is_a_400_on_pages(org_a, member, client_for):
    client = client_for(member(org_a, Role.OFFICER))
    response = client.get(f"/o/{org_a.slug}/controls/?framework=%00")
    assert response.status_code == 400
    assert b"framework" in response.content


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+16:30", "2026-01-01T00:00:00-14:01"])
def test_an_offset_beyond_14_hours_is_a_400(org_a, member, officer_api, client_for, since):
    body = _assert_api_error(
        officer_api.get(f"/api/v1/orgs/{org_a.slug}/audit-events/", {"since": since}), 400
    )
    assert "since" in body["errors"]
    page = client_for(member(org_a, Role.ADMIN)).get(f"/o/{org_a.slug}/audit/", {"since": since})
    assert page.status_code == 400


@pytest.mark.parametrize(
    "since",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "10000-01-01T00:00:00", "x"],
)
def test_dates_at_the_edge_of_the_calendar_never_fail(org_a, officer_api, since):
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/audit-events/", {"since": since})
    assert response.status_code in (200, 400)


def test_an_offset_of_14_hours_is_accepted(org_a, officer_api):
    response = officer_api.get(
        f"/api/v1/orgs/{org_a.slug}/audit-events/", {"since": "2026-01-01T00:00:00+14:00"}
    )
    assert response.status_code == 200


# --- 4. Policy from a template with an API key -----------------------------------------------


def test_policy_from_template_with_a_key_and_no_owner_is_a_400_naming_owner(
    org_a, api_key_for, api_for
):
    from policies.starters import TEMPLATES

    client = api_for(api_token=api_key_for(org_a))
    response = client.post(
        f"/api/v1/orgs/{org_a.slug}/policies/from-template/",
        {"template": next(iter(TEMPLATES))},
        format="json",
    )
    assert "owner" in _assert_api_error(response, 400)["errors"]


# --- 5. Lengths ------------------------------------------------------------------------------


def _model_char_field(model, source: str):
    if "." in source or source == "*":
        return None
    try:
        field = model._meta.get_field(source)
    except Exception:
        return None
    if isinstance(field, models.CharField) and field.max_length:
        return field
    return None


def test_every_model_serializer_text_field_carries_the_model_length():
    missing = []
    for serializer_class in _subclasses(serializers.ModelSerializer):
        meta = getattr(serializer_class, "Meta", None)
        if meta is None or getattr(meta, "model", None) is None:
            continue
        for name, field in serializer_class._declared_fields.items():
            if not isinstance(field, serializers.CharField) or field.read_only:
                continue
            if isinstance(field, serializers.ChoiceField):
                continue
            column = _model_char_field(meta.model, field.source or name)
            if column is not None and (
                field.max_length is None or field.max_length > column.max_length
            ):
                missing.append(f"{serializer_class.__qualname__}.{name} ({column.max_length})")
    assert missing == []


def test_every_model_form_text_field_carries_the_model_length():
    missing = []
    for form_class in _subclasses(forms.ModelForm):
        meta = getattr(form_class, "_meta", None)
        if meta is None or meta.model is None:
            continue
        for name, field in form_class.declared_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            column = _model_char_field(meta.model, name)
            if column is not None and (
                field.max_length is None or field.max_length > column.max_length
            ):
                missing.append(f"{form_class.__qualname__}.{name} ({column.max_length})")
    assert missing == []


def test_a_shadow_ai_report_used_by_301_characters_is_a_400(org_a, officer_api):
    response = officer_api.post(
        f"/api/v1/orgs/{org_a.slug}/shadow-ai-reports/",
        {"name": "ChatBot", "purpose": "Drafting", "used_by": "x" * 301},
        format="json",
    )
    assert "used_by" in _assert_api_error(response, 400)["errors"]


# --- 7. JSON errors on every /api/ path ------------------------------------------------------


def test_a_bad_host_under_api_answers_json_400(client, settings):
    response = client.get("/api/v1/orgs/alpha/suppliers/", HTTP_HOST="evil.example")
    _assert_api_error(response, 400)


def test_an_unknown_api_path_answers_json_404(client):
    _assert_api_error(client.get("/api/v1/nothing-here/"), 404, "not_found")


def test_an_unhandled_error_under_api_answers_json_500(org_a, officer_api, monkeypatch):
    from isms.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.ControlViewSet, "list", explode)
    officer_api.raise_request_exception = False
    response = officer_api.get(f"/api/v1/orgs/{org_a.slug}/controls/")
    _assert_api_error(response, 500, "server_error")


def test_a_refused_permission_outside_drf_under_api_answers_json_403(rf):
    from django.core.exceptions import PermissionDenied

    from isms.views.errors import permission_denied

    response = permission_denied(rf.get("/api/v1/orgs/alpha/x/"), PermissionDenied())
    _assert_api_error(response, 403, "permission_denied")


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


# --- 8. A second devstack process attaches, never stops what it did not start -----------------


@pytest.mark.django_db(databases=[])
def test_a_second_devstack_attaches_to_the_running_redis_and_leaves_it_running(
    tmp_path, monkeypatch
):
    import redis

    from isms import devstack

    monkeypatch.setattr(devstack, "VAR", tmp_path)
    with devstack.embedded_redis() as first:
        with devstack.embedded_redis() as second:
            assert second == first
            assert redis.Redis.from_url(second).ping()
        # The second process has exited: the first's Redis (the worker's broker) still answers.
        assert redis.Redis.from_url(first).ping()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(first, socket_connect_timeout=1).ping()
    assert devstack.running_redis_url(tmp_path / "redis") is None


# --- 9. Probes ---------------------------------------------------------------------------------


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_when_database_redis_and_migrations_are_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == ["database", "redis", "migrations"]


def test_readyz_is_503_naming_redis_when_it_is_down(client, settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(response.json()["failed"]) == {"redis"}


def test_readyz_is_503_naming_unapplied_migrations(client, monkeypatch):
    from isms.views import health

    monkeypatch.setattr(health, "pending_migrations", lambda: ["assets.0099_future"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "assets.0099_future" in response.json()["failed"]["migrations"]


def test_probes_are_exempt_from_the_https_redirect(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/o/alpha/").status_code == 301
