"""The API reference works offline (issue 17, item 9; the README promises it): Redoc and
Swagger UI, opened in a real browser, ask for nothing but this server (no web fonts, no
scripts from a CDN)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser import log_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_redoc_and_swagger_load_only_from_this_server(browser_page, live_server):
    page = browser_page
    officer = MembershipFactory(organization=OrganizationFactory(slug="docs")).user
    log_in(page, officer.email)
    own = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def watch(request):
        url = urlsplit(request.url)
        if url.scheme in ("http", "https") and url.netloc != own:
            elsewhere.append(request.url)

    page.context.on("request", watch)
    # Each reference loads its page and scripts from here. Rendering the whole schema takes
    # the browser a long while on a busy machine and is not waited for: the grouping of the
    # operations by register is proven on the schema itself (tests/isms/test_ui_layer.py,
    # test_the_schema_documents_errors_and_groups_by_register).
    for url, bundle in (("/api/redoc/", "redoc"), ("/api/docs/", "swagger-ui")):
        tab = page.context.new_page()
        loaded: list[str] = []
        tab.on("requestfinished", lambda request, seen=loaded: seen.append(request.url))
        tab.goto(url, wait_until="load")
        tab.wait_for_timeout(3000)
        scripts = [u for u in loaded if bundle in u and u.endswith(".js")]
        assert scripts and all(urlsplit(u).netloc == own for u in scripts), loaded
        tab.close()
    assert elsewhere == [], elsewhere
