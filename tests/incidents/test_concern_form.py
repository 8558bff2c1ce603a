"""The public AI concern form (ISO 42001 A.3.3, A.8.3): account-free, rate limited, one
404 for every refusal, uploads checked, HTML inert, and nothing readable back."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from isms.models import Role
from monitoring.incidents import services
from monitoring.incidents.models import Incident, IncidentEvidence
from tests.incidents.factories import PDF_BYTES, actor_for

pytestmark = pytest.mark.django_db

GENEROUS = {"per_token": 100, "per_ip": 100, "window": 60}


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # this worktree's own Redis database
    yield
    cache.clear()


@pytest.fixture
def link(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        issued = services.concern_channel_create(actor=officer)
    return issued, officer


def _url(token: str) -> str:
    return f"/concern/{token}/"


def _count(org, in_tenant) -> int:
    with in_tenant(org):
        return Incident.objects.count()


@override_settings(CONCERN_FORM_RATE_LIMIT=GENEROUS)
def test_a_report_enters_triage_and_nothing_is_shown_back(org_a, link, in_tenant):
    issued, _ = link
    client = Client()
    page = client.get(_url(issued.token))
    assert page.status_code == 200 and org_a.name in page.content.decode()
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    secret = "My loan was refused by your chatbot because of my postcode"
    response = client.post(
        _url(issued.token),
        {"description": secret, "system_name": "Loan assistant", "contact": "a@b.example"},
    )
    assert response.status_code == 302 and response["Location"] == "/concern/thanks/"
    with in_tenant(org_a):
        incident = Incident.objects.get()
        assert incident.source == "concern" and incident.status == "reported"
        assert incident.reported_by is None and incident.reporter_contact == "a@b.example"
    # Neither the thank-you page nor the form shows what anyone sent.
    for url in ["/concern/thanks/", _url(issued.token)]:
        assert secret not in client.get(url).content.decode()


@override_settings(CONCERN_FORM_RATE_LIMIT=GENEROUS)
def test_unknown_revoked_and_malformed_links_get_one_identical_404(org_a, link, in_tenant):
    issued, officer = link
    client = Client()
    unknown = client.get(_url("x" * 43))
    with in_tenant(org_a):
        services.concern_channel_revoke(actor=officer, channel=issued.channel)
    revoked = client.get(_url(issued.token))
    posted = client.post(_url(issued.token), {"description": "hello"})
    too_long = client.get(_url("y" * 150))
    put = client.put(_url(issued.token))
    for response in [revoked, posted, too_long, put]:
        assert response.status_code == 404
        assert response.content == unknown.content
    assert unknown.status_code == 404
    assert _count(org_a, in_tenant) == 0


@override_settings(CONCERN_FORM_RATE_LIMIT={"per_token": 3, "per_ip": 100, "window": 60})
def test_rate_limit_answers_429_with_retry_after(link):
    issued, _ = link
    client = Client()
    codes = [client.get(_url(issued.token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = client.get(_url(issued.token))
    assert last.status_code == 429 and last["Retry-After"] == "60"


@override_settings(CONCERN_FORM_RATE_LIMIT={"per_token": 100, "per_ip": 2, "window": 60})
def test_rate_limit_also_counts_per_address_across_guessed_tokens():
    client = Client()
    codes = [client.get(_url(f"guess{n}" * 6)).status_code for n in range(3)]
    assert codes == [404, 404, 429]


@override_settings(CONCERN_FORM_RATE_LIMIT=GENEROUS)
def test_bad_uploads_are_refused_and_nothing_is_saved(org_a, link, in_tenant):
    issued, _ = link
    client = Client()
    bad = [
        SimpleUploadedFile(
            "shot.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
        ),
        SimpleUploadedFile("run.exe", b"MZ\x90\x00", "application/octet-stream"),
        SimpleUploadedFile("page.html", b"<h1>hi</h1>", "text/html"),
    ]
    for upload in bad:
        response = client.post(_url(issued.token), {"description": "See file", "file": upload})
        assert response.status_code == 400
        assert "file" in response.content.decode().lower()
    assert _count(org_a, in_tenant) == 0
    good = SimpleUploadedFile("shot.pdf", PDF_BYTES, "application/pdf")
    assert client.post(_url(issued.token), {"description": "See", "file": good}).status_code == 302
    with in_tenant(org_a):
        evidence = IncidentEvidence.objects.get()
        assert len(evidence.sha256) == 64 and evidence.uploaded_by_label.startswith("public")


@override_settings(CONCERN_FORM_RATE_LIMIT=GENEROUS)
def test_html_payloads_stay_inert_on_the_officers_pages(org_a, link, in_tenant, client_for):
    issued, officer = link
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    Client().post(_url(issued.token), {"description": payload, "system_name": payload})
    with in_tenant(org_a):
        incident = Incident.objects.get()
    client = client_for(officer.user)
    for url in [f"/o/{org_a.slug}/monitoring/incidents/", incident.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_only_officers_create_or_revoke_links(org_a, in_tenant):
    with in_tenant(org_a):
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        from isms.errors import NotPermitted

        with pytest.raises(NotPermitted):
            services.concern_channel_create(actor=contributor)


@override_settings(CONCERN_FORM_RATE_LIMIT=GENEROUS)
def test_the_token_is_stored_only_as_its_hash(org_a, link, in_tenant):
    issued, _ = link
    with in_tenant(org_a):
        channel = issued.channel
        channel.refresh_from_db()
        assert channel.token_hash == services.token_hash(issued.token)
        assert issued.token not in str(channel.__dict__)
