"""The organisation profile: EU AI Act legal type (Art. 27(1) asks who deploys) and the ISO/IEC
42001 clause 4.1 AI roles. Admins edit it, every member reads it, other organisations see
nothing of it."""

from __future__ import annotations

import pytest

from isms.models import OrganizationProfile, Role

pytestmark = pytest.mark.django_db


def _profile(org, in_tenant):
    with in_tenant(org):
        return OrganizationProfile.objects.get()


def test_every_organisation_has_its_profile_from_the_start(org_a, in_tenant):
    profile = _profile(org_a, in_tenant)
    assert profile.legal_type == "other" and profile.ai_roles == []


def test_an_admin_records_a_public_body_deploying_ai(client_for, member, org_a, in_tenant):
    client = client_for(member(org_a, Role.ADMIN))
    url = f"/o/{org_a.slug}/settings/profile/"
    page = client.get(url)
    assert page.status_code == 200 and b"ISO/IEC 42001 clause 4.1" in page.content
    response = client.post(url, {"legal_type": "public_body", "ai_roles": ["customer", "producer"]})
    assert response.status_code == 302
    profile = _profile(org_a, in_tenant)
    assert profile.legal_type == "public_body" and profile.deploys_for_the_public
    assert profile.ai_roles == ["producer", "customer"]  # one order, whatever was sent


def test_bad_input_is_refused_naming_the_field(client_for, member, org_a, in_tenant):
    client = client_for(member(org_a, Role.ADMIN))
    response = client.post(f"/o/{org_a.slug}/settings/profile/", {"legal_type": "ministry"})
    assert response.status_code == 400 and b"legal_type" in response.content
    assert _profile(org_a, in_tenant).legal_type == "other"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR])
def test_other_members_read_it_but_cannot_change_it(role, client_for, member, org_a, in_tenant):
    client = client_for(member(org_a, role))
    url = f"/o/{org_a.slug}/settings/profile/"
    page = client.get(url)
    assert page.status_code == 200 and b'id="profile-read"' in page.content
    assert b'type="submit">Save' not in page.content
    assert client.post(url, {"legal_type": "public_body"}).status_code == 403
    assert _profile(org_a, in_tenant).legal_type == "other"


def test_api_reads_for_members_and_writes_for_admins(api_for, member, org_a, org_b, in_tenant):
    pk = _profile(org_a, in_tenant).pk
    url = f"/api/v1/orgs/{org_a.slug}/profile/{pk}/"
    officer = api_for(member(org_a, Role.OFFICER))
    assert officer.get(url).json()["legal_type"] == "other"
    refused = officer.patch(url, {"legal_type": "public_body"}, format="json")
    assert refused.status_code == 403
    admin = api_for(member(org_a, Role.ADMIN))
    bad = admin.patch(url, {"ai_roles": ["oracle"]}, format="json")
    assert bad.status_code == 400 and "ai_roles" in bad.content.decode()
    ok = admin.patch(url, {"legal_type": "public_service", "ai_roles": ["provider"]}, format="json")
    assert ok.status_code == 200 and ok.json()["ai_roles"] == ["provider"]
    # Another organisation's admin neither reads nor changes it: the same 404 as a missing row.
    outsider = api_for(member(org_b, Role.ADMIN))
    assert outsider.get(f"/api/v1/orgs/{org_b.slug}/profile/{pk}/").status_code == 404
    patched = outsider.patch(
        f"/api/v1/orgs/{org_b.slug}/profile/{pk}/", {"legal_type": "other"}, format="json"
    )
    assert patched.status_code == 404
    assert _profile(org_a, in_tenant).legal_type == "public_service"
