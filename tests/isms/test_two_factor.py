"""Two-factor authentication (issue 18, "Accounts and sessions"; ISO/IEC 27001:2022 A.8.5
secure authentication): an authenticator app per person (TOTP, RFC 6238), a two-step log-in,
and an organisation whose admin requires it of every member."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from isms import lockout, two_factor
from isms.models import Role, SecurityEvent, SecurityEventKind
from isms.tenancy import tenant_context

pytestmark = pytest.mark.django_db
PASSWORD = "a long and fine password"


def code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (RFC 6238)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def person(org_a, member):
    user = member(org_a, Role.OFFICER)
    user.set_password(PASSWORD)
    user.save()
    yield user
    cache.delete(lockout._key(lockout.ACCOUNT, user.email))
    cache.delete(lockout._key(lockout.ADDRESS, "127.0.0.1"))


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def events(organization, kind) -> int:
    with tenant_context(organization.pk):
        return SecurityEvent.objects.filter(kind=kind).count()


def test_enrolment_shows_a_qr_code_and_needs_a_matching_code(client, person, org_a):
    client.force_login(person)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"Turn on two-factor authentication" in page.content
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert two_factor.manual_secret(device).encode() in page.content

    refused = client.post("/accounts/two-factor/", {"action": "enrol", "code": "000000"})
    assert refused.status_code == 400 and b"not valid" in refused.content
    device.refresh_from_db()
    assert not device.confirmed

    accepted = client.post("/accounts/two-factor/", {"action": "enrol", "code": code(device)})
    assert accepted.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and client.session[two_factor.SESSION_KEY]
    assert events(org_a, SecurityEventKind.TWO_FACTOR_ENABLED) == 1


def test_log_in_asks_for_the_code_after_the_password(client, person):
    device = enrolled(person)
    first = client.post(
        "/accounts/login/", {"username": person.email, "password": PASSWORD, "next": "/orgs/new/"}
    )
    assert first.status_code == 302 and first["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # the password alone logs nobody in
    assert client.get("/orgs/new/").status_code == 302

    wrong = client.post("/accounts/login/code/", {"code": "123456"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session

    right = client.post("/accounts/login/code/", {"code": code(device)})
    assert right.status_code == 302 and right["Location"] == "/orgs/new/"
    assert int(client.session["_auth_user_id"]) == person.pk
    assert client.session[two_factor.SESSION_KEY] == device.persistent_id


def test_a_used_code_cannot_be_replayed(client, person):
    device = enrolled(person)
    client.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    used = code(device)
    assert client.post("/accounts/login/code/", {"code": used}).status_code == 302
    client.logout()
    client.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    assert client.post("/accounts/login/code/", {"code": used}).status_code == 400


def test_the_code_step_without_a_password_step_goes_back_to_log_in(client, person):
    enrolled(person)
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_guessing_codes_counts_towards_the_lock_out(client, person, org_a, settings):
    device = enrolled(person)
    client.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        assert client.post("/accounts/login/code/", {"code": "999999"}).status_code == 400
    # Locked: even the right code is refused now, as a right password would be.
    assert client.post("/accounts/login/code/", {"code": code(device)}).status_code == 400
    assert events(org_a, SecurityEventKind.TWO_FACTOR_FAILED) == 6


def test_turning_it_off_needs_a_current_code(client, person, org_a):
    device = enrolled(person)
    client.force_login(person)
    assert (
        client.post("/accounts/two-factor/", {"action": "remove", "code": "1"}).status_code == 400
    )
    assert TOTPDevice.objects.filter(user=person).exists()
    response = client.post("/accounts/two-factor/", {"action": "remove", "code": code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert events(org_a, SecurityEventKind.TWO_FACTOR_DISABLED) == 1


def test_an_admin_must_use_it_before_requiring_it(client_for, org_a, member):
    admin = member(org_a, Role.ADMIN)
    client = client_for(admin)
    response = client.post(f"/o/{org_a.slug}/settings/two-factor/", {"require": "1"}, follow=True)
    assert b"for yourself first" in response.content
    org_a.refresh_from_db()
    assert not org_a.require_two_factor


def test_only_an_admin_may_require_it(client_for, org_a, member):
    officer = client_for(member(org_a, Role.OFFICER))
    assert (
        officer.post(f"/o/{org_a.slug}/settings/two-factor/", {"require": "1"}).status_code == 403
    )
    org_a.refresh_from_db()
    assert not org_a.require_two_factor


def test_a_required_second_factor_holds_pages_and_session_api_calls(
    client, org_a, org_b, member, api_for, api_key_for
):
    admin = member(org_a, Role.ADMIN)
    device = enrolled(admin)
    client.force_login(admin)
    verified = client.post("/accounts/two-factor/", {"action": "verify", "code": code(device)})
    assert verified.status_code == 302
    assert client.post(f"/o/{org_a.slug}/settings/two-factor/", {"require": "1"}).status_code == 302
    org_a.refresh_from_db()
    assert org_a.require_two_factor
    assert events(org_a, SecurityEventKind.TWO_FACTOR_REQUIRED) == 1
    assert client.get(f"/o/{org_a.slug}/").status_code == 200  # the admin's session is verified

    colleague = member(org_a, Role.OFFICER)
    member_client = api_for(colleague)
    page = member_client.get(f"/o/{org_a.slug}/assets/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/two-factor/?next=")
    api = member_client.get(f"/api/v1/orgs/{org_a.slug}/assets/")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]

    # API keys are not people: the requirement does not apply to them.
    keyed = api_for(api_token=api_key_for(org_a))
    assert keyed.get(f"/api/v1/orgs/{org_a.slug}/assets/").status_code == 200

    # Another organisation of the same person is not affected by org_a's rule.
    member(org_b, Role.OFFICER, user=colleague)
    assert member_client.get(f"/o/{org_b.slug}/").status_code == 200


def test_a_member_who_enrols_reaches_the_organisation_that_requires_it(client, org_a, member):
    org_a.require_two_factor = True
    org_a.save()
    person = member(org_a, Role.OFFICER)
    client.force_login(person)
    assert client.get(f"/o/{org_a.slug}/").status_code == 302
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=person)
    response = client.post(
        "/accounts/two-factor/",
        {"action": "enrol", "code": code(device), "next": f"/o/{org_a.slug}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/o/{org_a.slug}/"
    assert client.get(f"/o/{org_a.slug}/").status_code == 200
