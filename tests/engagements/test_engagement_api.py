"""Engagements through the API (issue 21, the auditor's engagement): an officer opens one and
changes it through the same services as the pages, so the auditors' time-boxed access
follows its end (ISO/IEC 27001:2022 control 5.18: access rights changed and removed when no
longer needed). Auditors read their engagements and write nothing; bad input is a 400 naming
the field and changes nothing; another organisation's engagement is a 404 like an unknown one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import Invitation, Membership, Role
from monitoring.engagements.models import Engagement, EngagementAuditor
from tests.engagements.factories import AUDITOR_EMAIL, a_framework, auditor_user, make_engagement

pytestmark = pytest.mark.django_db
COLLEAGUE = "colleague@audit-firm.example"


def _url(org, pk=None) -> str:
    base = f"/api/v1/orgs/{org.slug}/engagements/"
    return f"{base}{pk}/" if pk else base


def _body(**fields) -> dict:
    body = {
        "title": "Stage 2 audit",
        "audit_body": "Cert Body Ltd",
        "framework_codes": [a_framework().code],
        "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
        "auditor_emails": [AUDITOR_EMAIL],
    }
    body.update(fields)
    return body


def test_an_officer_opens_an_engagement_and_its_auditor_gets_access_until_its_end(
    org_a, member, api_for, in_tenant
):
    auditor = auditor_user(org_a, days=5)
    api = api_for(user=member(org_a, Role.OFFICER))
    response = api.post(_url(org_a), _body(auditor_emails=[AUDITOR_EMAIL, COLLEAGUE]))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["auditors"] == [AUDITOR_EMAIL, COLLEAGUE] and "auditor_emails" not in data
    with in_tenant(org_a):
        engagement = Engagement.objects.get(pk=data["id"])
        assert Membership.objects.get(user=auditor).expires_at == engagement.expires_at
        invitation = Invitation.objects.get(email=COLLEAGUE)  # no account yet: invited
        assert invitation.membership_expires_at == engagement.expires_at
    mine = api_for(user=auditor).get(_url(org_a)).json()["results"]
    assert [e["id"] for e in mine] == [data["id"]]


def test_a_patch_changes_what_it_names_and_the_auditors_follow(org_a, member, api_for, in_tenant):
    auditor = auditor_user(org_a, days=5)
    api = api_for(user=member(org_a, Role.OFFICER))
    created = api.post(_url(org_a), _body(auditor_emails=[AUDITOR_EMAIL, COLLEAGUE])).json()
    sooner = timezone.now() + timedelta(days=3)
    response = api.patch(
        _url(org_a, created["id"]),
        {"title": "Stage 2 audit (short)", "expires_at": sooner.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Stage 2 audit (short)"
    assert response.json()["audit_body"] == "Cert Body Ltd"  # not named: kept
    with in_tenant(org_a):
        assert (
            Membership.objects.get(user=auditor).expires_at
            == Engagement.objects.get(pk=created["id"]).expires_at
        )  # brought forward with the engagement
    response = api.patch(_url(org_a, created["id"]), {"auditor_emails": [COLLEAGUE]}, format="json")
    assert response.status_code == 200 and response.json()["auditors"] == [COLLEAGUE]
    with in_tenant(org_a):
        assert Membership.objects.get(user=auditor).expires_at <= timezone.now()  # access gone
    assert api_for(user=auditor).get(_url(org_a)).status_code in (401, 403, 404)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"framework_codes": []}, "framework_codes"),
        ({"framework_codes": ["no-such-framework"]}, "framework_codes"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "soon"}, "expires_at"),
        ({"auditor_emails": ["not-an-address"]}, "auditor_emails"),
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
        assert not Engagement.objects.exists() and not EngagementAuditor.objects.exists()
        assert not Invitation.objects.filter(email=AUDITOR_EMAIL).exists()


def test_auditors_read_but_cannot_open_or_change_an_engagement(org_a, member, api_for, in_tenant):
    auditor = auditor_user(org_a, days=5)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    api = api_for(user=auditor)
    assert api.get(_url(org_a, engagement.pk)).status_code == 200
    assert api.post(_url(org_a), _body(), format="json").status_code == 403
    patched = api.patch(_url(org_a, engagement.pk), {"title": "Mine now"}, format="json")
    assert patched.status_code == 403
    assert api.delete(_url(org_a, engagement.pk)).status_code in (403, 405)
    with in_tenant(org_a):
        assert Engagement.objects.get().title == "Certification audit"


def test_another_organisations_engagement_is_a_404_like_an_unknown_one(
    org_a, org_b, member, api_for, in_tenant
):
    with in_tenant(org_b):
        theirs = make_engagement(org_b)
    api = api_for(user=member(org_a, Role.OFFICER))
    unknown = api.patch(_url(org_a, theirs.pk + 1000), {"title": "x"}, format="json")
    for method, args in (("get", ()), ("patch", ({"title": "Taken over"},))):
        response = getattr(api, method)(_url(org_a, theirs.pk), *args, format="json")
        assert response.status_code == 404, (method, response.status_code)
        assert response.content == unknown.content
    with in_tenant(org_b):
        assert Engagement.objects.get(pk=theirs.pk).title == "Certification audit"


def test_an_officer_ends_an_engagement_and_its_auditor_loses_access_at_once(
    org_a, org_b, member, api_for, in_tenant
):
    """ISO/IEC 27001:2022 control 5.18: access removed when no longer needed, through the same
    service as the page's "End now"; ending twice is a 409; auditors and another organisation
    cannot end it."""
    auditor = auditor_user(org_a, days=5)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    with in_tenant(org_b):
        theirs = make_engagement(org_b)
    officer = api_for(user=member(org_a, Role.OFFICER))
    auditor_api = api_for(user=auditor)
    assert auditor_api.post(_url(org_a, engagement.pk) + "end/").status_code == 403
    foreign = officer.post(_url(org_a, theirs.pk) + "end/")
    unknown = officer.post(_url(org_a, theirs.pk + 1000) + "end/")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    response = officer.post(_url(org_a, engagement.pk) + "end/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == engagement.pk
    with in_tenant(org_a):
        ended = Engagement.objects.get(pk=engagement.pk)
        assert ended.expires_at <= timezone.now()
        assert Membership.objects.get(user=auditor).expires_at <= timezone.now()
    assert auditor_api.get(_url(org_a)).status_code in (401, 403, 404)
    again = officer.post(_url(org_a, engagement.pk) + "end/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    with in_tenant(org_b):
        assert Engagement.objects.get(pk=theirs.pk).expires_at > timezone.now()
