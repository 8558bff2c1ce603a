"""Pack schedules through the API (issue 21: packs "can also be scheduled"): officers list,
create, change, pause and delete them through the same services and checks as the pages;
bad input is a 400 naming the field and changes nothing; another organisation's schedule is
a 404 like an unknown one; readers and auditors list but never write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import Role
from monitoring.packs.models import PackSchedule
from tests.packs.factories import make_schedule

pytestmark = pytest.mark.django_db


def _url(org, pk=None) -> str:
    base = f"/api/v1/orgs/{org.slug}/pack-schedules/"
    return f"{base}{pk}/" if pk else base


def _body(**fields) -> dict:
    body = {
        "frameworks": ["iso27001-2022"],
        "sections": ["risks", "improvement"],
        "every_months": 3,
        "next_due": (timezone.now() + timedelta(days=2)).isoformat(),
    }
    body.update(fields)
    return body


def test_an_officer_creates_changes_pauses_and_deletes_a_schedule(org_a, member, api_for):
    officer = member(org_a, Role.OFFICER)
    api = api_for(user=officer)
    created = api.post(_url(org_a), _body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["every_months"], data["sections"], data["active"]) == (
        3,
        ["risks", "improvement"],
        True,
    )
    assert data["created_by"] == officer.email
    changed = api.patch(_url(org_a, data["id"]), {"every_months": 1}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["every_months"] == 1
    assert changed.json()["sections"] == ["risks", "improvement"]  # left as it was
    paused = api.patch(_url(org_a, data["id"]), {"active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["active"] is False
    listed = api.get(_url(org_a)).json()
    assert [s["id"] for s in listed["results"]] == [data["id"]]
    assert api.delete(_url(org_a, data["id"])).status_code == 204
    assert api.get(_url(org_a, data["id"])).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frameworks": []}, "frameworks"),
        ({"frameworks": ["nist-800-53"]}, "frameworks"),
        ({"sections": ["everything"]}, "sections"),
        ({"every_months": 2}, "every_months"),
        ({"next_due": "2020-01-01T00:00:00Z"}, "next_due"),
        ({"next_due": "tomorrow"}, "next_due"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    fields, field, org_a, member, api_for, in_tenant
):
    api = api_for(user=member(org_a, Role.OFFICER))
    response = api.post(_url(org_a), _body(**fields), format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json()), response.json()
    with in_tenant(org_a):
        assert not PackSchedule.objects.exists()


def test_a_bad_change_is_a_400_and_leaves_the_schedule_as_it_was(org_a, member, api_for, in_tenant):
    with in_tenant(org_a):
        schedule = make_schedule(org_a)
    api = api_for(user=member(org_a, Role.OFFICER))
    response = api.patch(_url(org_a, schedule.pk), {"every_months": 12}, format="json")
    assert response.status_code == 400 and "every_months" in str(response.json())
    with in_tenant(org_a):
        assert PackSchedule.objects.get(pk=schedule.pk).every_months == 1


def test_another_organisations_schedule_is_a_404_like_an_unknown_one(
    org_a, org_b, member, api_for, in_tenant
):
    with in_tenant(org_b):
        theirs = make_schedule(org_b)
    api = api_for(user=member(org_a, Role.OFFICER))
    unknown = api.get(_url(org_a, theirs.pk + 1000))
    for method, args in (
        ("get", ()),
        ("patch", ({"every_months": 3},)),
        ("delete", ()),
    ):
        response = getattr(api, method)(_url(org_a, theirs.pk), *args, format="json")
        assert response.status_code == 404, (method, response.status_code)
        assert response.content == unknown.content
    assert api.get(_url(org_a)).json()["results"] == []
    with in_tenant(org_b):
        assert PackSchedule.objects.get(pk=theirs.pk).every_months == 1


def test_auditors_and_contributors_list_but_cannot_write(org_a, member, api_for, in_tenant):
    with in_tenant(org_a):
        schedule = make_schedule(org_a)
    for role in (Role.AUDITOR, Role.CONTRIBUTOR):
        api = api_for(user=member(org_a, role))
        listed = api.get(_url(org_a))
        assert listed.status_code == 200
        assert [s["id"] for s in listed.json()["results"]] == [schedule.pk]
        assert api.post(_url(org_a), _body(), format="json").status_code == 403
        assert api.delete(_url(org_a, schedule.pk)).status_code == 403
    with in_tenant(org_a):
        assert PackSchedule.objects.count() == 1


def test_the_list_reads_many_schedules_in_a_fixed_number_of_queries(
    org_a, member, api_for, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        for _ in range(30):
            PackSchedule.objects.create(
                frameworks=["iso27001-2022"],
                sections=["risks"],
                next_due=timezone.now(),
                created_by=officer,
            )
    api = api_for(user=officer)
    with django_assert_max_num_queries(12):
        response = api.get(_url(org_a))
    assert response.status_code == 200 and response.json()["count"] == 30
