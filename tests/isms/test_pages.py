"""The UI shell: home, control library, audit trail, accessibility basics."""

import re

import pytest

from isms.models import Control, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def controls(db):
    from isms.controls.loader import load_control_library

    load_control_library()


def test_home_shows_counts_and_navigation(client_for, org_a, member):
    user = member(org_a, Role.OFFICER)
    member(org_a, Role.AUDITOR)
    page = client_for(user).get(f"/o/{org_a.slug}/").content.decode()
    assert re.search(r'class="display-6">2</div>\s*<div><a [^>]*>Active members', page)
    assert 'href="/o/alpha/controls/"' in page
    assert '<a class="visually-hidden-focusable" href="#main">' in page
    assert '<main id="main"' in page


def test_control_library_lists_filters_and_shows_mappings(client_for, org_a, member, controls):
    client = client_for(member(org_a, Role.AUDITOR))
    page = client.get(f"/o/{org_a.slug}/controls/")
    assert page.status_code == 200 and b"131 controls" in page.content
    filtered = client.get(f"/o/{org_a.slug}/controls/", {"framework": "iso42001-2023"})
    assert b"38 controls" in filtered.content
    partial = client.get(f"/o/{org_a.slug}/controls/", {"q": "5.7"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"Threat intelligence" in partial.content
    control = Control.objects.get(framework__code="iso42001-2023", ref="A.2.2")
    detail = client.get(f"/o/{org_a.slug}/controls/{control.pk}/").content.decode()
    assert "Mapped controls" in detail and "5.1 Policies for information security" in detail


def test_control_descriptions_are_short_and_our_own(controls):
    for control in Control.objects.all():
        assert 0 < len(control.description) <= 200
        assert control.title and control.ref


def test_loading_the_library_twice_changes_nothing(controls):
    from isms.controls.loader import load_control_library

    report = load_control_library()
    assert (report.created, report.updated) == (0, 0)
    assert Control.objects.count() == 131


def test_audit_trail_page_for_auditors_not_contributors(client_for, org_a, member, api_key_for):
    api_key_for(org_a)
    page = client_for(member(org_a, Role.AUDITOR)).get(f"/o/{org_a.slug}/audit/")
    assert page.status_code == 200 and b"Api key" in page.content
    assert (
        client_for(member(org_a, Role.CONTRIBUTOR)).get(f"/o/{org_a.slug}/audit/").status_code
        == 200
    )


def test_forms_label_every_input(client_for, org_a, member):
    page = (
        client_for(member(org_a, Role.ADMIN))
        .get(f"/o/{org_a.slug}/settings/api-keys/")
        .content.decode()
    )
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id


def test_every_page_labels_its_inputs_and_has_one_h1(client_for):
    """On the demo organisation, every list/form page: each field has a label, one <h1>."""
    from isms.controls.loader import load_control_library
    from isms.demo import load_demo
    from tests.routes import ui_routes

    load_control_library()
    demo = load_demo()
    client = client_for(demo.user(Role.ADMIN))
    checked = 0
    for route in ui_routes():
        if route.has_pk or "<" in route.route.replace("<slug:org_slug>", ""):
            continue
        response = client.get(route.url(demo.organization.slug))
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        page = response.content.decode()
        checked += 1
        assert len(re.findall(r"<h1[ >]", page)) == 1, route
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if re.search(r'type="(hidden|submit|button)"', tag):
                continue
            field_id = re.search(r'id="([^"]+)"', tag)
            labelled = 'aria-label="' in tag or (field_id and f'for="{field_id.group(1)}"' in page)
            assert labelled, f"{route}: unlabelled {tag[:120]}"
    assert checked >= 10
