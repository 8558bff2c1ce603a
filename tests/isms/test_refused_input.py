"""A refused POST loses nothing typed (issue 17, item 6): the redirect back carries the input
and each reason by field, once, to the page's form (static/guardrail/refill.js fills it in;
tests/risks/test_browser_acceptance.py watches that in a browser). Secrets are never kept."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import Role
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db


def _kept(html: str) -> dict | None:
    found = re.search(r'<script id="refused-input" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


@pytest.fixture
def refused(org_a, member, client_for, in_tenant):
    owner = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        risk = RiskFactory(organization=org_a, owner=owner)
    client = client_for(owner)
    page = f"/o/{org_a.slug}/risks/{risk.pk}/"
    action = f"/o/{org_a.slug}/risks/{risk.pk}/acceptance/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        action,
        {"rationale": "Ten users, <b>briefs</b> only", "expires_on": yesterday, "password": "x"},
        HTTP_REFERER=f"http://testserver{page}",
    )
    return client, page, action, response, yesterday


def test_the_page_a_refusal_returns_to_carries_the_input_and_the_reason(refused):
    client, page, action, response, yesterday = refused
    assert response.status_code == 302 and response.url.endswith(page)
    kept = _kept(client.get(page).content.decode())
    assert kept["action"] == action
    assert kept["data"]["rationale"] == ["Ten users, <b>briefs</b> only"]
    assert kept["data"]["expires_on"] == [yesterday]
    assert kept["errors"] == {"expires_on": ["The acceptance must expire on a future date."]}


def test_secrets_and_the_csrf_token_are_never_kept(refused):
    client, page, *_ = refused
    kept = _kept(client.get(page).content.decode())
    assert "password" not in kept["data"] and "csrfmiddlewaretoken" not in kept["data"]


def test_the_input_is_given_back_once_and_not_to_an_htmx_fragment(refused):
    client, page, *_ = refused
    assert client.get(page, HTTP_HX_REQUEST="true") is not None
    first = client.get(page).content.decode()
    assert _kept(first) is not None
    assert _kept(client.get(page).content.decode()) is None


def test_typed_markup_stays_text_in_the_page(refused):
    client, page, *_ = refused
    html = client.get(page).content.decode()
    assert "<b>briefs</b>" not in html and "\\u003Cb\\u003Ebriefs" in html
