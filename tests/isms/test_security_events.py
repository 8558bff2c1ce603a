"""Security events in the audit trail (issue 18, "Accounts and sessions"; ISO/IEC 27001:2022
A.8.15 logging, A.8.5 secure authentication): log-ins, failures, lock-outs, log-outs, password
resets and changes are recorded once per organisation the person belongs to, never changed,
and seen by no other organisation. Membership, invitation and API-key changes are table rows
the audit trigger already records (checked at the end, for the list the issue asks for)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction

from isms import lockout
from isms.models import AuditEvent, Role, SecurityEvent, SecurityEventKind
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and fine password"
ADDRESS = "198.51.100.7"


@pytest.fixture
def person(org_a, org_b, member):
    """An officer of Alpha who is also an auditor of Bravo."""
    user = member(org_a, Role.OFFICER)
    MembershipFactory(organization=org_b, user=user, role=Role.AUDITOR)
    # Set without save(): a changed password is itself an event, not the one under test.
    type(user).objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    yield user
    for limit, subject in [
        (lockout.ACCOUNT, user.email),
        (lockout.ADDRESS, ADDRESS),
        (lockout.RESET_ACCOUNT, user.email),
        (lockout.RESET_ADDRESS, ADDRESS),
        (lockout.ACCOUNT, "nobody@example.test"),
    ]:
        cache.delete(lockout._key(limit, subject))


def _log_in(client, email, password):
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT="Firefox/140",
    )


def events(org, in_tenant, kind=None):
    with in_tenant(org):
        rows = SecurityEvent.objects.all()
        if kind:
            rows = rows.filter(kind=kind)
        return list(rows.values_list("kind", "email", "address", "user_agent"))


def test_a_log_in_is_recorded_in_each_organisation_of_the_person_and_its_trail(
    client, person, org_a, org_b, in_tenant
):
    from tests.factories import OrganizationFactory

    org_c = OrganizationFactory(name="Charlie", slug="charlie")
    assert _log_in(client, person.email, PASSWORD).status_code == 302
    expected = [(SecurityEventKind.LOGIN, person.email, ADDRESS, "Firefox/140")]
    assert events(org_a, in_tenant, SecurityEventKind.LOGIN) == expected
    assert events(org_b, in_tenant, SecurityEventKind.LOGIN) == expected
    assert events(org_c, in_tenant) == []
    with in_tenant(org_a):
        trail = AuditEvent.objects.filter(table_name="isms_securityevent", action="insert")
        assert trail.count() == 1 and trail.get().actor == person.email


def test_a_wrong_password_is_recorded_and_a_guessed_address_is_not(
    client, person, org_a, in_tenant
):
    _log_in(client, person.email, "wrong")
    _log_in(client, "nobody@example.test", "wrong")
    assert events(org_a, in_tenant) == [
        (SecurityEventKind.LOGIN_FAILED, person.email, ADDRESS, "Firefox/140")
    ]


def test_the_lock_out_and_each_refusal_while_locked_are_recorded(
    client, person, org_a, in_tenant, settings
):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _log_in(client, person.email, "wrong")
    _log_in(client, person.email, PASSWORD)
    kinds = [kind for kind, *_ in reversed(events(org_a, in_tenant))]
    assert kinds.count(SecurityEventKind.LOGIN_FAILED) == settings.LOGIN_FAILURES_PER_ACCOUNT
    assert kinds.count(SecurityEventKind.LOCKED_OUT) == 1
    assert kinds[-1] == SecurityEventKind.LOGIN_REFUSED_LOCKED
    assert SecurityEventKind.LOGIN not in kinds


def test_log_out_password_change_and_reset_request_are_recorded(client, person, org_a, in_tenant):
    _log_in(client, person.email, PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another long and fine password",
            "new_password2": "another long and fine password",
        },
    )
    assert response.status_code == 302
    client.post("/accounts/logout/")
    client.post("/accounts/password/reset/", {"email": person.email}, REMOTE_ADDR=ADDRESS)
    kinds = {kind for kind, *_ in events(org_a, in_tenant)}
    assert {
        SecurityEventKind.LOGIN,
        SecurityEventKind.PASSWORD_CHANGED,
        SecurityEventKind.LOGOUT,
        SecurityEventKind.PASSWORD_RESET_REQUESTED,
    } <= kinds


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_an_event_cannot_be_changed_or_deleted_even_by_the_table_owner(
    client, person, org_a, in_tenant
):
    _log_in(client, person.email, PASSWORD)
    with in_tenant(org_a):
        pk = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN).pk
    for statement in (
        "UPDATE isms_securityevent SET email = 'someone@else' WHERE id = %s",
        "DELETE FROM isms_securityevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
                cursor.execute(statement, [pk])


def test_another_organisation_sees_nothing_of_them_in_its_trail_or_api(
    client, person, org_a, org_b, member, client_for, api_for, api_key_for
):
    from tests.factories import OrganizationFactory

    org_c = OrganizationFactory(name="Charlie", slug="charlie")
    _log_in(client, person.email, PASSWORD)
    outsider = member(org_c, Role.OFFICER)
    page = client_for(outsider).get("/o/charlie/audit/?type=isms_securityevent")
    assert page.status_code == 200 and person.email not in page.content.decode()
    listed = api_for(api_token=api_key_for(org_c, access="read")).get(
        "/api/v1/orgs/charlie/audit-events/?table=isms_securityevent"
    )
    assert listed.status_code == 200
    assert person.email not in listed.content.decode()
    assert listed.json()["count"] == 1  # the outsider's own log-in, nothing of Alpha's
    shown = client_for(member(org_a, Role.OFFICER)).get("/o/alpha/audit/?type=isms_securityevent")
    assert person.email in shown.content.decode()


def test_access_changes_are_in_the_trail_already(org_a, member, api_key_for, in_tenant):
    api_key_for(org_a)
    member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        recorded = set(AuditEvent.objects.values_list("table_name", "action"))
    assert {("isms_apikey", "insert"), ("isms_membership", "insert")} <= recorded
