"""Log-in lock-out and password-reset throttling (issue 18, "Accounts and sessions"; ISO/IEC
27001:2022 A.8.5 secure authentication: limit unsuccessful log-in attempts). Before this,
twelve wrong passwords and then the right one logged in at once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from isms import lockout
from isms.models import Role

pytestmark = pytest.mark.django_db
PASSWORD = "a long and fine password"


@pytest.fixture
def person(org_a, member):
    user = member(org_a, Role.OFFICER)
    user.set_password(PASSWORD)
    user.save()
    yield user
    for limit, subject in [
        (lockout.ACCOUNT, user.email),
        (lockout.RESET_ACCOUNT, user.email),
        (lockout.ACCOUNT, "nobody@example.test"),
    ]:
        cache.delete(lockout._key(limit, subject))


@pytest.fixture
def address(request):
    """A client address of this test's own, cleared after it (counts are per address)."""
    ip = f"203.0.113.{abs(hash(request.node.name)) % 250 + 1}"
    yield ip
    for limit in (lockout.ADDRESS, lockout.RESET_ADDRESS):
        cache.delete(lockout._key(limit, ip))


def _log_in(client, email, password, ip):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_twelve_wrong_passwords_then_the_right_one_is_refused(client, person, address):
    for _ in range(12):
        assert _log_in(client, person.email, "wrong", address).status_code == 200
    refused = _log_in(client, person.email, PASSWORD, address)
    assert refused.status_code == 200 and "log-in is paused" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_comes_at_the_limit_and_a_success_before_it_resets_the_count(
    client, person, address
):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        _log_in(client, person.email, "wrong", address)
    assert _log_in(client, person.email, PASSWORD, address).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        _log_in(client, person.email, "wrong", address)
    assert _log_in(client, person.email, PASSWORD, address).status_code == 302


def test_the_lock_ends_with_its_window(client, person, address):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _log_in(client, person.email, "wrong", address)
    assert _log_in(client, person.email, PASSWORD, address).status_code == 200
    cache.delete(lockout._key(lockout.ACCOUNT, person.email))  # the window has passed
    assert _log_in(client, person.email, PASSWORD, address).status_code == 302


def test_an_unknown_account_gets_the_same_answer_as_a_known_one(client, person, address):
    answers = []
    for email in (person.email, "nobody@example.test"):
        for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
            last = _log_in(client, email, "wrong", address)
        answers.append("log-in is paused" in last.content.decode())
    assert answers == [True, True]


def test_one_address_trying_many_accounts_is_paused(client, org_a, member, address):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        _log_in(client, f"guess{n}@example.test", "wrong", address)
    user = member(org_a, Role.OFFICER)
    user.set_password(PASSWORD)
    user.save()
    assert _log_in(client, user.email, PASSWORD, address).status_code == 200
    assert _log_in(client, user.email, PASSWORD, "198.51.100.7").status_code == 302
    cache.delete(lockout._key(lockout.ACCOUNT, user.email))
    cache.delete(lockout._key(lockout.ADDRESS, "198.51.100.7"))
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        cache.delete(lockout._key(lockout.ACCOUNT, f"guess{n}@example.test"))


def test_password_reset_mails_are_throttled_per_address(client, person, address):
    for _ in range(settings.PASSWORD_RESETS_PER_HOUR):
        sent = client.post(
            "/accounts/password/reset/", {"email": person.email}, REMOTE_ADDR=address
        )
        assert sent.status_code == 302
    refused = client.post("/accounts/password/reset/", {"email": person.email}, REMOTE_ADDR=address)
    assert refused.status_code == 200 and "wait an hour" in refused.content.decode()
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_HOUR


def test_sessions_end_after_a_working_day_without_use():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
