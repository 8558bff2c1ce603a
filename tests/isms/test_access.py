"""Log-in, the organisation switcher, invitations and API keys."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.text import slugify

from isms.models import APIKey, AuditEvent, Invitation, Membership, Organization, Role
from isms.services.api_keys import LAST_USED_RESOLUTION, api_key_authenticate, api_keys_changed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_and_login_redirects_to_the_only_organisation(client, org_a, member):
    user = member(org_a, Role.OFFICER)
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "pw-test-123!"}
    )
    assert response.status_code == 302
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/o/{org_a.slug}/"
    assert b"Alpha Ltd" in response.content


def test_wrong_password_is_refused_with_a_message(client, org_a, member):
    user = member(org_a)
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_anonymous_org_pages_redirect_to_login(client, org_a):
    response = client.get(f"/o/{org_a.slug}/controls/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_switcher_lists_every_active_membership(client_for, org_a, org_b, member):
    user = member(org_a, Role.OFFICER)
    Membership.objects.create(user=user, organization=org_b, role=Role.AUDITOR)
    client = client_for(user)
    page = client.get("/").content.decode()
    assert "Alpha Ltd" in page and "Bravo plc" in page
    home_b = client.get(f"/o/{org_b.slug}/").content.decode()
    assert 'id="org-switcher"' in home_b and "Alpha Ltd" in home_b
    # The last organisation used is where "/" goes next time.
    assert client.get("/")["Location"] == f"/o/{org_b.slug}/"


def test_expired_membership_has_no_access(client_for, org_a, member):
    user = member(org_a, Role.AUDITOR, expires_at=timezone.now() - timedelta(hours=1))
    response = client_for(user).get(f"/o/{org_a.slug}/")
    assert response.status_code == 403
    assert b"expired" in response.content


def test_password_reset_sends_a_working_link(client, org_a, member):
    user = member(org_a)
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(w for w in mail.outbox[0].body.split() if "/accounts/password/reset/" in w)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-New-pass-4321", "new_password2": "a-New-pass-4321"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-New-pass-4321")


def test_password_change(client_for, org_a, member):
    user = member(org_a)
    client = client_for(user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-test-123!",
            "new_password1": "Zx-9-long-pass",
            "new_password2": "Zx-9-long-pass",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Zx-9-long-pass")


# --- Invitations -------------------------------------------------------------------------


def _invite(client, org, email="new.person@example.test", role=Role.CONTRIBUTOR):
    response = client.post(f"/o/{org.slug}/settings/members/", {"email": email, "role": role})
    assert response.status_code == 302, response.content[:500]
    link = next(w for w in mail.outbox[-1].body.split() if "/invitations/" in w)
    return "/invitations/" + link.split("/invitations/", 1)[1]


def test_admin_invites_and_new_user_registers_and_joins(client, client_for, org_a, member):
    path = _invite(client_for(member(org_a, Role.ADMIN)), org_a)
    page = client.get(path)
    assert page.status_code == 200 and b"Join Alpha Ltd" in page.content
    response = client.post(
        path,
        {"full_name": "New Person", "password1": "Str0ng-enough!", "password2": "Str0ng-enough!"},
    )
    assert response.status_code == 302 and response["Location"] == f"/o/{org_a.slug}/"
    membership = Membership.objects.get(user__email="new.person@example.test")
    assert (membership.organization, membership.role) == (org_a, Role.CONTRIBUTOR)


def test_existing_user_accepts_while_logged_in(client_for, org_a, member):
    existing = UserFactory(username="exists@example.test", email="exists@example.test")
    path = _invite(client_for(member(org_a, Role.ADMIN)), org_a, email=existing.email)
    response = client_for(existing).post(path)
    assert response.status_code == 302
    assert Membership.objects.filter(user=existing, organization=org_a).exists()


def test_reused_invitation_gives_a_clear_page_and_no_membership(client, client_for, org_a, member):
    path = _invite(client_for(member(org_a, Role.ADMIN)), org_a)
    client.post(path, {"password1": "Str0ng-enough!", "password2": "Str0ng-enough!"})
    other = client_for(UserFactory(email="someone@example.test"))
    response = other.get(path)
    assert response.status_code == 410
    assert b"already been used" in response.content
    assert (
        Membership.objects.filter(organization=org_a, user__email="someone@example.test").count()
        == 0
    )


def test_expired_invitation_gives_a_clear_page(client, client_for, org_a, member):
    path = _invite(client_for(member(org_a, Role.ADMIN)), org_a)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(path)
    assert response.status_code == 410 and b"expired" in response.content
    response = client.post(path, {"password1": "Str0ng-enough!", "password2": "Str0ng-enough!"})
    assert response.status_code == 410
    assert not Membership.objects.filter(user__email="new.person@example.test").exists()


def test_invitation_for_another_address_is_refused(client_for, org_a, member):
    path = _invite(client_for(member(org_a, Role.ADMIN)), org_a)
    stranger = UserFactory(email="stranger@example.test")
    response = client_for(stranger).post(path)
    assert (
        response.status_code == 409 and b"was sent to new.person@example.test" in response.content
    )
    assert not Membership.objects.filter(user=stranger).exists()


def test_bad_invitation_input_is_a_form_error(client_for, org_a, member):
    admin = member(org_a, Role.ADMIN)
    client = client_for(admin)
    response = client.post(
        f"/o/{org_a.slug}/settings/members/", {"email": "not-an-email", "role": "king"}
    )
    assert response.status_code == 400
    assert (
        b"Enter a valid email address" in response.content
        and b"king is not one of" in response.content
    )
    response = client.post(
        f"/o/{org_a.slug}/settings/members/", {"email": admin.email, "role": "auditor"}
    )
    assert response.status_code == 400 and b"already a member" in response.content
    assert Invitation.objects.count() == 0


def test_admin_changes_role_and_removes_member(client_for, org_a, member):
    client = client_for(member(org_a, Role.ADMIN))
    other = member(org_a, Role.CONTRIBUTOR)
    membership = Membership.objects.get(user=other)
    url = f"/o/{org_a.slug}/settings/members/{membership.pk}/"
    assert (
        client.post(url, {"role": "auditor", "expires_at": "2031-01-01T00:00"}).status_code == 302
    )
    membership.refresh_from_db()
    assert membership.role == "auditor" and membership.expires_at.year == 2031
    assert client.post(url, {"remove": "1"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_new_organisation_gets_an_address_nobody_can_probe_with(client_for, org_a, member):
    """Issue 18: the form asks for a name only; the address is the name plus a random suffix,
    so trying another organisation's address (or name) reveals nothing about it."""
    client = client_for(member(org_a))
    response = client.post("/orgs/new/", {"name": org_a.name, "slug": org_a.slug})
    assert response.status_code == 302
    created = Organization.objects.exclude(pk=org_a.pk).get(name=org_a.name)
    assert created.slug != org_a.slug and response["Location"] == f"/o/{created.slug}/"
    assert re.fullmatch(rf"{slugify(org_a.name)}-[0-9a-f]{{6}}", created.slug)
    assert b"exists" not in client.get("/orgs/new/").content
    assert client.post("/orgs/new/", {"name": ""}).status_code == 400


@pytest.mark.parametrize(
    ("name", "stem"), [("Ünïted_Tools  & Co", "united-tools-co"), ("***", "organisation")]
)
def test_a_generated_address_is_a_valid_slug(name, stem):
    from isms.models.access import slug_validator
    from isms.services.organizations import new_slug

    slug = new_slug(name)
    slug_validator(slug)
    assert slug.startswith(stem + "-")


# --- API keys ----------------------------------------------------------------------------


def test_admin_creates_a_key_shown_once_and_it_lists_controls(client_for, api_for, org_a, member):
    client = client_for(member(org_a, Role.ADMIN))
    response = client.post(
        f"/o/{org_a.slug}/settings/api-keys/", {"name": "SSO catalogue", "access": "read"}
    )
    assert response.status_code == 200
    token = response.context["issued"].token
    assert token.encode() in response.content
    key = APIKey.objects.get(name="SSO catalogue")
    assert token not in key.secret_hash and token.startswith(key.display_prefix)
    # Shown once: the list page no longer contains it.
    assert token.encode() not in client.get(f"/o/{org_a.slug}/settings/api-keys/").content
    api = api_for(api_token=token)
    assert api.get(f"/api/v1/orgs/{org_a.slug}/controls/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_key_stops_working(client_for, api_for, api_key_for, org_a, member):
    token = api_key_for(org_a)
    key = api_key_authenticate(token)
    client = client_for(member(org_a, Role.ADMIN))
    assert client.post(f"/o/{org_a.slug}/settings/api-keys/{key.pk}/revoke/").status_code == 302
    response = api_for(api_token=token).get(f"/api/v1/orgs/{org_a.slug}/controls/")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_key_record_read_before_a_revocation_is_never_trusted_after_it(org_a, api_key_for):
    """A request that read the key before its revocation and cached it after (a slow one)
    leaves a record nobody trusts: the revocation replaced the key's version."""
    from isms.services import api_keys

    token = api_key_for(org_a)
    key = api_key_authenticate(token)
    _, version_before = api_keys._cached(key.prefix)
    assert api_keys._cached(key.prefix)[0] is not None, "cached by the first use"
    api_keys.api_key_revoke(api_key=APIKey.objects.get(pk=key.pk))
    api_keys._remember(key, version_before)  # the slow request's record: not revoked
    assert api_keys._cached(key.prefix)[0] is None
    with pytest.raises(api_keys.APIKeyError, match="revoked"):
        api_key_authenticate(token)


def test_a_cached_key_authenticates_without_sql(
    api_for, api_key_for, org_a, org_b, django_assert_num_queries
):
    from isms.services import api_keys

    token = api_key_for(org_a)
    api_key_authenticate(token)
    with django_assert_num_queries(0):
        key = api_key_authenticate(token)
    assert key.organization == org_a and key.organization.slug == "alpha"
    # The organisation comes from the record too: another's slug is still another's.
    response = api_for(api_token=token).get(f"/api/v1/orgs/{org_b.slug}/controls/")
    assert response.status_code == 404
    org_a.slug = "alpha-renamed"
    org_a.save()
    assert api_keys._cached(key.prefix)[0] is None, "an organisation's change drops its keys"


def test_key_expiry_in_the_past_is_refused(client_for, org_a, member):
    client = client_for(member(org_a, Role.ADMIN))
    response = client.post(
        f"/o/{org_a.slug}/settings/api-keys/",
        {"name": "old", "access": "read", "expires_at": "2001-01-01T00:00"},
    )
    assert response.status_code == 400 and b"must be in the future" in response.content
    assert not APIKey.objects.exists()


def test_only_admins_manage_keys(client_for, org_a, member):
    for role in (Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR):
        response = client_for(member(org_a, role)).get(f"/o/{org_a.slug}/settings/api-keys/")
        assert response.status_code == 403


def test_last_used_is_written_at_most_once_a_minute(api_key_for, org_a):
    token = api_key_for(org_a)
    first = api_key_authenticate(token).last_used_at
    assert api_key_authenticate(token).last_used_at == first
    APIKey.objects.update(last_used_at=first - LAST_USED_RESOLUTION)
    # A queryset update sends no signal: drop the key's cached record as a save would.
    api_keys_changed([APIKey.objects.get().prefix])
    assert api_key_authenticate(token).last_used_at > first


def test_key_changes_are_in_the_audit_trail_but_last_use_is_not(api_key_for, org_a, in_tenant):
    token = api_key_for(org_a)
    api_key_authenticate(token)
    with in_tenant(org_a):
        actions = list(
            AuditEvent.objects.filter(table_name="isms_apikey").values_list("action", flat=True)
        )
    assert actions == ["insert"]
