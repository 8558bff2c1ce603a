"""Property-based API testing (issue 18): schemathesis against the product's own OpenAPI schema.

Every operation of `/api/schema/` is called by a live server on the demo organisation with
examples generated from the schema, as an officer (session), with a read/write key and with a
read-only key. For every response: no 5xx, the status code is one the operation documents,
the content type and the body conform to the schema. A read-only key's unsafe calls are all
refused (4xx).

`make test` runs a bounded number of examples per operation (`GUARDRAIL_FUZZ_EXAMPLES`,
default 3, derandomised so a failure reproduces); `make fuzz` runs a long, randomised one.
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from isms.models import Role

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("GUARDRAIL_FUZZ_EXAMPLES", "3"))
RANDOMISED = os.environ.get("GUARDRAIL_FUZZ_RANDOM") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# POSTs that only read (a body too large for a query string) and are open to readers.
READING_POSTS = {"/api/v1/orgs/{org_slug}/evidence-packs/verify/"}


@dataclass
class Findings:
    operations: int = 0
    calls: int = 0
    failures: list[str] = field(default_factory=list)

    def report(self) -> str:
        shown = "\n".join(self.failures[:40])
        more = len(self.failures) - 40
        return f"{len(self.failures)} failing operations:\n{shown}" + (
            f"\n… and {more} more" if more > 0 else ""
        )


@pytest.fixture
def demo_server(live_server):
    from isms.demo import load_demo

    demo = load_demo()
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=60) as r:
        schema = schemathesis.openapi.from_dict(json.load(r))
    return live_server, demo, schema


@dataclass
class Caller:
    """What a caller sends on every call: passed to each call explicitly, so that neither a
    generated Authorization header nor a generated session cookie replaces it."""

    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)
    read_only: bool = False


def _officer(live_server, user) -> Caller:
    """A browser's log-in cookie and a CSRF token sent back as a header."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    token = "f" * 32
    return Caller(
        headers={"X-CSRFToken": token, "Referer": live_server.url + "/"},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
    )


def _key(organization, access: str) -> Caller:
    from isms.services.api_keys import api_key_create

    issued = api_key_create(
        organization=organization, actor=None, name=f"fuzz {access}", access=access
    )
    return Caller(headers={"Authorization": f"Bearer {issued.token}"}, read_only=access == "read")


def _examples(operation, strategy, base_url, caller: Caller, http, findings: Findings):
    """The hypothesis test of one operation: call it with each example and check the answer."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOMISED,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=strategy)
    def call(case):
        # Credentials are the caller's, never generated ones (the schema names both schemes).
        for name in [n for n in (case.headers or {}) if n.lower() in ("authorization", "cookie")]:
            del case.headers[name]
        response = case.call(
            base_url=base_url,
            session=http,
            headers=caller.headers,
            cookies=caller.cookies,
            timeout=30,
        )
        findings.calls += 1
        if response.status_code == 401:
            raise AssertionError("the caller's credentials were not accepted (401)")
        if (
            caller.read_only
            and operation.method.upper() in UNSAFE
            and operation.path not in READING_POSTS
        ):
            assert 400 <= response.status_code < 500, (
                f"a read-only key's {operation.method.upper()} answered {response.status_code}"
            )
        case.validate_response(response, checks=CHECKS)

    return call


def _fuzz(schema, base_url: str, slug: str, caller: Caller) -> Findings:
    findings = Findings()
    http = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        findings.operations += 1
        strategy = operation.as_strategy(path_parameters={"org_slug": slug})

        call = _examples(operation, strategy, base_url, caller, http, findings)
        try:
            call()
        except Unsatisfiable:
            continue
        except (AssertionError, FailureGroup) as failure:
            first = str(failure).strip().splitlines()
            findings.failures.append(f"{operation.label}: {' / '.join(first[:6])}")
    return findings


def test_every_operation_as_an_officer_and_with_each_kind_of_key(demo_server):
    """One demo load for the three callers (loading it is most of the set-up time)."""
    live_server, demo, schema = demo_server
    organization = demo.organization
    callers = {
        "officer (session)": _officer(live_server, demo.user(Role.OFFICER)),
        "read/write key": _key(organization, "read_write"),
        "read-only key": _key(organization, "read"),
    }
    summary, failures = [], []
    for label, caller in callers.items():
        findings = _fuzz(schema, live_server.url, organization.slug, caller)
        summary.append(
            f"{label}: {findings.operations} operations, {findings.calls} calls, "
            f"{len(findings.failures)} failing"
        )
        assert findings.operations > 100, "the schema lost its operations"
        assert findings.calls >= findings.operations
        if findings.failures:
            failures.append(f"{label}: {findings.report()}")
    print("\n".join(summary))
    assert not failures, "\n\n".join(failures)
