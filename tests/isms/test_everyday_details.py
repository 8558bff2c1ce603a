"""Small things an officer meets every day (issue 17, item 9): the log-in field names what it
takes, rates round to the nearest percent, the API reference works offline, a refusal is one
log line, e-mailed links use the address `make run` serves, and a version number is never
shown as a count."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from isms.log_filters import RefusalsOnOneLine
from isms.models import Role
from isms.rates import percent
from tests.policies.factories import actor_for, make_published

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (2, 3, 67),  # nearest, not down (was 66)
        (1, 8, 13),  # a half rounds up, not to even
        (1, 3, 33),
        (3, 3, 100),
        (199, 200, 99),  # 100 only when nothing is missing
        (1, 1000, 1),  # 0 only when nothing is there
        (0, 5, 0),
        (0, 0, 0),
    ],
)
def test_rates_round_to_the_nearest_percent(part, whole, shown):
    assert percent(part, whole) == shown


def test_login_asks_for_the_email_address(client):
    page = client.get("/accounts/login/").content.decode()
    assert "E-mail address" in page and 'type="email"' in page
    assert "Username" not in page


def test_login_with_the_email_address_works(client, org_a, member):
    user = member(org_a, Role.OFFICER)
    user.set_password("a long and fine password")
    user.save()
    response = client.post(
        "/accounts/login/", {"username": user.email, "password": "a long and fine password"}
    )
    assert response.status_code == 302


def test_api_reference_loads_nothing_from_the_internet(client):
    page = client.get("/api/redoc/").content.decode()
    assert "Redoc.init" in page or "<redoc" in page
    assert "googleapis" not in page and "gstatic" not in page and "https://" not in page


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        info = sys.exc_info()
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden: %s", ("/x/",), info
        )
    record.status_code = status
    return record


def test_a_refusal_is_logged_on_one_line_and_a_server_error_keeps_its_traceback():
    refused, failed = _record(403), _record(500)
    RefusalsOnOneLine().filter(refused)
    RefusalsOnOneLine().filter(failed)
    formatter = logging.Formatter()
    assert formatter.format(refused) == "Forbidden: /x/"
    assert "Traceback" in formatter.format(failed)


def test_the_console_handler_carries_the_refusal_filter():
    from django.conf import settings

    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["request_id", "refusals_on_one_line"]
    assert settings.LOGGING["filters"]["refusals_on_one_line"]["()"].endswith("RefusalsOnOneLine")


def test_emailed_links_use_the_port_make_run_serves():
    env = {k: v for k, v in os.environ.items() if k != "GUARDRAIL_BASE_URL"} | {"PORT": "8123"}
    out = subprocess.run(
        [sys.executable, "-c", "import isms.settings as s; print(s.BASE_URL)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "http://127.0.0.1:8123"


def test_a_contributor_home_shows_no_version_number_as_a_count(
    org_a, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        make_published(org_a, officer=actor_for(officer, org_a), kind="ai_acceptable_use")
    contributor = client_for(member(org_a, Role.CONTRIBUTOR)).get(f"/o/{org_a.slug}/")
    assert b"published version" not in contributor.content
    assert b"Policies for me to acknowledge" in contributor.content
    officer_home = client_for(officer).get(f"/o/{org_a.slug}/").content
    assert b"% have read the AI acceptable use policy" in officer_home
