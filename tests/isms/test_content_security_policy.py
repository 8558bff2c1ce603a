"""A Content Security Policy with no inline script (issue 18, "Production settings"; ISO/IEC
27001:2022 A.8.26 application security requirements, A.8.28 secure coding). The header is
checked here on every page of the demo; tests/conftest.py's browser page fails any journey
during which Chromium refused something under the policy."""

from __future__ import annotations

import re

import pytest

from isms.models import Role
from tests.demo_pages import demo_pages

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_every_demo_page_forbids_inline_script_and_has_none(client_for, in_tenant):
    from isms.controls.loader import load_control_library
    from isms.demo import load_demo

    load_control_library()
    demo = load_demo()
    client = client_for(demo.user(Role.OFFICER))
    pages, inline = 0, {}
    for url, page in demo_pages(client, demo, in_tenant):
        pages += 1
        found = (
            INLINE_SCRIPT.findall(page) + EVENT_HANDLER.findall(page) + JAVASCRIPT_URL.findall(page)
        )
        if found:
            inline[url] = found[:3]
    assert pages >= 30
    assert not inline, inline
    policy = directives(client.get(f"/o/{demo.organization.slug}/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_log_in_page_and_error_pages_carry_the_policy(client):
    for response in (client.get("/accounts/login/"), client.get("/no-such-page/")):
        assert directives(response)["script-src"] == ["'self'"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_reference_relaxes_styles_only_and_inlines_no_script(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert not INLINE_SCRIPT.findall(response.content.decode())


def test_swagger_set_up_is_served_as_a_script_file(client):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "SwaggerUIBundle" in response.content.decode()
