"""Reads never write: an auditor who opens every page and calls every GET endpoint of a
populated organisation leaves every table's row count unchanged (issue 10).

Rows that should exist (SoA rows, risk criteria) are created when an organisation is
created or the control library grows, never on first read; a GET that wrote would also
write for a read-only auditor.
"""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from isms.controls.loader import load_control_library
from isms.models import Framework, Role
from isms.tenancy import tenant_context
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import api_routes, org_owned, ui_routes

# The test client's log-in, not the walk; and the auditor access log (issue 21), the one row a
# read by an auditor writes on purpose: one per request, checked below.
ACCESS_LOG = "monitoring_engagements_auditoraccess"
IGNORED_TABLES = {"django_session", ACCESS_LOG}


def _row_counts(organization) -> dict[str, int]:
    counts = {}
    with tenant_context(organization.pk):
        for table in connection.introspection.table_names():
            if table in IGNORED_TABLES:
                continue
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    counts[table] = cursor.fetchone()[0]
            except DatabaseError:
                counts[table] = -1  # not readable by the application role
    return counts


def _get_urls(organization, objects) -> list[str]:
    slug = organization.slug
    urls = []
    frameworks = list(Framework.objects.values_list("code", flat=True))
    assert frameworks, "the control library is loaded in the test database"
    for route in ui_routes():
        if route.scopes_for("GET") is None:
            continue
        if "<slug:framework>" in route.route:
            for code in frameworks:
                urls.append(route.url(slug).replace("<slug:framework>", code))
            continue
        if route.has_pk:
            if route.model in objects:
                urls.append(route.url(slug, objects[route.model].pk))
        else:
            urls.append(route.url(slug))
    for route in api_routes():
        if "list" in route.actions:
            urls.append(route.url(slug))
        for action in route.list_actions():
            if "get" in action.mapping:
                urls.append(route.url(slug, suffix=action.url_path))
        obj = objects.get(route.model)
        if obj is None:
            continue
        if "retrieve" in route.actions:
            urls.append(route.url(slug, obj.pk))
        for action in route.detail_actions():
            if "get" in action.mapping:
                urls.append(route.url(slug, obj.pk, action.url_path))
    return urls


def test_an_auditor_walking_every_get_route_writes_nothing(org_a, member, client_for):
    load_all_factories()
    objects = {
        model: make_object(model, org_a) for model in list(OBJECT_FACTORIES) if org_owned(model)
    }
    auditor = client_for(member(org_a, Role.AUDITOR))
    urls = _get_urls(org_a, objects)
    assert len(urls) > 100
    before = _row_counts(org_a)
    logged_before = _access_log_size(org_a)
    statuses = {url: auditor.get(url).status_code for url in urls}
    after = _row_counts(org_a)
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    assert not changed, f"GET requests wrote rows: {changed}"
    assert not [u for u, s in statuses.items() if s >= 500], statuses
    # each read recorded once in the access log, and nothing else
    assert _access_log_size(org_a) - logged_before == len(urls)


def _access_log_size(organization) -> int:
    with tenant_context(organization.pk), connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{ACCESS_LOG}"')
        return cursor.fetchone()[0]


def test_an_auditor_reading_a_new_organisation_writes_nothing(org_b, member, client_for):
    """The sharpest case: nothing has been read yet, so a lazy 'create on first read' shows."""
    load_control_library()
    auditor = client_for(member(org_b, Role.AUDITOR))
    urls = _get_urls(org_b, {})
    before = _row_counts(org_b)
    for url in urls:
        auditor.get(url)
    after = _row_counts(org_b)
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    assert not changed, f"GET requests wrote rows: {changed}"
