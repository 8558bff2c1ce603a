"""The admin's data page, the deletion banner and the export API (issue 18)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from isms.lifecycle.export import export_build
from isms.models import Organization, OrganizationDeletion, OrganizationExport, Role
from isms.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def test_only_admins_reach_the_page_and_another_org_gets_404(org_a, org_b, member, client_for):
    url = "/o/alpha/settings/data/"
    assert client_for(member(org_a, Role.ADMIN)).get(url).status_code == 200
    for role in (Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR):
        assert client_for(member(org_a, role)).get(url).status_code == 403
    outsider = client_for(member(org_b, Role.ADMIN))
    assert outsider.get(url).status_code == 404
    assert (
        outsider.post("/o/alpha/settings/data/delete/", {"confirm_slug": "alpha"}).status_code
        == 404
    )
    assert Organization.objects.get(pk=org_a.pk).deletion_due_at is None


def test_request_with_the_typed_slug_shows_every_member_a_banner_then_cancel(
    org_a, member, client_for
):
    admin = client_for(member(org_a, Role.ADMIN))
    contributor = client_for(member(org_a, Role.CONTRIBUTOR))
    wrong = admin.post("/o/alpha/settings/data/delete/", {"confirm_slug": "alph"}, follow=True)
    assert "Type the organisation&#x27;s address, alpha" in wrong.content.decode()
    assert Organization.objects.get(pk=org_a.pk).deletion_due_at is None
    # A non-admin cannot request it.
    assert (
        contributor.post("/o/alpha/settings/data/delete/", {"confirm_slug": "alpha"}).status_code
        == 403
    )
    response = admin.post("/o/alpha/settings/data/delete/", {"confirm_slug": "alpha"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org_a.pk).deletion_due_at is not None
    page = contributor.get("/o/alpha/").content.decode()
    assert 'id="deletion-banner"' in page and "An admin of the organisation can cancel it" in page
    assert admin.post("/o/alpha/settings/data/delete/cancel/").status_code == 302
    assert Organization.objects.get(pk=org_a.pk).deletion_due_at is None
    assert 'id="deletion-banner"' not in contributor.get("/o/alpha/").content.decode()
    with tenant_context(org_a.pk):
        assert OrganizationDeletion.objects.get().cancelled_at is not None


def test_export_request_build_and_download_page_and_api(
    org_a, org_b, member, client_for, api_for, api_key_for
):
    admin_user = member(org_a, Role.ADMIN)
    admin = client_for(admin_user)
    assert admin.post("/o/alpha/settings/data/export/").status_code == 302
    with tenant_context(org_a.pk):
        export = OrganizationExport.objects.get()
        assert export.status == OrganizationExport.Status.QUEUED
        export_build(export_id=export.pk)
    download = f"/o/alpha/settings/data/exports/{export.pk}/download/"
    response = admin.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "manifest.json" in archive.namelist()
    assert client_for(member(org_b, Role.ADMIN)).get(download).status_code == 404
    assert client_for(member(org_a, Role.OFFICER)).get(download).status_code == 403
    # The API: admins only (no key carries org:admin), another organisation's export is 404.
    api = api_for(user=admin_user)
    listed = api.get("/api/v1/orgs/alpha/organization-exports/").json()
    assert listed["results"][0]["status"] == "ready"
    created = api.post("/api/v1/orgs/alpha/organization-exports/")
    assert created.status_code == 201 and created.json()["status"] == "queued"
    got = api.get(f"/api/v1/orgs/alpha/organization-exports/{export.pk}/download/")
    assert got.status_code == 200
    assert (
        api_for(user=member(org_a, Role.OFFICER))
        .post("/api/v1/orgs/alpha/organization-exports/")
        .status_code
        == 403
    )
    key = api_for(api_token=api_key_for(org_a, access="read_write"))
    assert key.get("/api/v1/orgs/alpha/organization-exports/").status_code == 403
    other = api_for(user=member(org_b, Role.ADMIN))
    assert other.get(f"/api/v1/orgs/bravo/organization-exports/{export.pk}/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_data_page_in_a_browser(browser_page, live_server, org_a, member):
    from tests.browser import log_in

    admin = member(org_a, Role.ADMIN)
    log_in(browser_page, admin.email)
    browser_page.goto(live_server.url + "/o/alpha/settings/data/")
    browser_page.get_by_label("Type the organisation's address").fill("alpha")
    browser_page.get_by_role("button", name="Request deletion in 30 days").click()
    browser_page.get_by_role("button", name="Cancel the deletion").wait_for()
    assert browser_page.locator("#deletion-banner").is_visible()
    shots = Path("/tmp/orgdata-shots")
    shots.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(shots / "data-page-pending.png"), full_page=True)
