"""The auditor's engagement (issue 21): time-boxed, read-only auditors invited by e-mail,
evidence requests and answers, the auditor access log, signed short-lived download links.

ISO/IEC 27001:2022 clause 9.2 and the certification audit it prepares for ask that the
auditor's access be controlled (control 5.15 access control, 5.18 access rights: granted for
a time and removed after it, 8.15 logging of what they did).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connections, transaction
from django.urls import reverse
from django.utils import timezone

from isms.access import ROLE_SCOPES, Actor, required_scopes
from isms.models import Invitation, Membership, Role
from isms.services import organizations
from isms.tenancy import tenant_context
from monitoring.engagements import downloads, services
from monitoring.engagements.models import (
    AccessKind,
    AuditorAccess,
    Engagement,
    EvidenceAnswer,
    EvidenceRequest,
    RequestStatus,
)
from monitoring.engagements.registry import (
    PackLink,
    register_pack_provider,
    unregister_pack_provider,
)
from tests.engagements.factories import (
    AUDITOR_EMAIL,
    a_framework,
    auditor_user,
    make_engagement,
    make_request,
)
from tests.routes import page_pk, ui_routes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _answered(org, officer, engagement=None):
    """A request of the engagement answered with a PDF file."""
    with tenant_context(org.pk):
        request = make_request(org, engagement)
        actor = Actor.for_membership(Membership.objects.get(organization=org, user=officer))
        from isms.uploads import check_upload

        upload = check_upload(SimpleUploadedFile("access-review.pdf", PDF))
        answer = services.request_answer(actor=actor, request=request, upload=upload)
    return request, answer


def _log(org):
    with tenant_context(org.pk):
        return list(AuditorAccess.objects.order_by("id"))


# --- opening and inviting ------------------------------------------------------------------


def test_officer_opens_an_engagement_and_the_auditor_joins_until_it_ends(client_for, org_a, member):
    a_framework()
    officer = member(org_a, Role.OFFICER)
    ends = timezone.localdate() + timedelta(days=20)
    response = client_for(officer).post(
        reverse("engagement_create", args=[org_a.slug]),
        {
            "title": "Stage 2 audit",
            "audit_body": "Cert Body Ltd",
            "framework_codes": ["test-framework"],
            "expires_on": ends.isoformat(),
            "auditor_emails": "Lead.Auditor@Cert.example\nsecond@cert.example",
        },
    )
    assert response.status_code == 302
    invitations = Invitation.objects.filter(organization=org_a).order_by("email")
    assert [i.email for i in invitations] == ["lead.auditor@cert.example", "second@cert.example"]
    assert {i.role for i in invitations} == {Role.AUDITOR}
    assert len(mail.outbox) == 2 and "/invitations/" in mail.outbox[0].body
    with tenant_context(org_a.pk):
        engagement = Engagement.objects.get()
    assert engagement.expires_at.date() == ends
    assert invitations[0].membership_expires_at == engagement.expires_at
    assert invitations[0].expires_at <= engagement.expires_at  # the link never outlives it

    token = mail.outbox[0].body.split("/invitations/")[1].split("/")[0]
    user = organizations.invitation_register(
        token=token, email="lead.auditor@cert.example", password="a-long-pass-123!"
    )
    membership = Membership.objects.get(user=user, organization=org_a)
    assert membership.role == Role.AUDITOR
    assert membership.expires_at == engagement.expires_at


def test_an_engagement_needs_a_framework_a_future_end_and_real_addresses(client_for, org_a, member):
    a_framework()
    officer = member(org_a, Role.OFFICER)
    url = reverse("engagement_create", args=[org_a.slug])
    response = client_for(officer).post(
        url,
        {
            "title": "Audit",
            "framework_codes": ["test-framework"],
            "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "auditor_emails": "not-an-address",
        },
    )
    assert response.status_code == 400
    assert b"is not an e-mail address" in response.content
    response = client_for(officer).post(
        url,
        {
            "title": "Audit",
            "framework_codes": ["test-framework"],
            "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "auditor_emails": "a@cert.example",
        },
    )
    assert response.status_code == 400 and b"must be in the future" in response.content
    with tenant_context(org_a.pk):
        assert not Engagement.objects.exists()
    assert not Invitation.objects.exists()


def test_a_member_with_another_role_cannot_be_an_engagements_auditor(org_a, member, in_tenant):
    officer = member(org_a, Role.OFFICER)
    contributor = member(org_a, Role.CONTRIBUTOR)
    actor = Actor.for_membership(Membership.objects.get(user=officer))
    with in_tenant(org_a):
        engagement = make_engagement(org_a, emails=())
        with pytest.raises(Exception, match="needs an account of their own"):
            services.auditor_invite(actor=actor, engagement=engagement, email=contributor.email)


def test_an_existing_auditor_is_extended_to_the_new_engagements_end(org_a, member, in_tenant):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a, days=5)
    actor = Actor.for_membership(Membership.objects.get(user=officer))
    with in_tenant(org_a):
        engagement = make_engagement(org_a, emails=(), days=60)
        services.auditor_invite(actor=actor, engagement=engagement, email=auditor.email)
    assert Membership.objects.get(user=auditor).expires_at == engagement.expires_at
    assert not Invitation.objects.exists()


# --- the auditor's home ----------------------------------------------------------------------


def test_the_auditors_home_lists_their_engagement_packs_soa_registers_and_index(
    client_for, org_a, member, in_tenant
):
    auditor = auditor_user(org_a)
    with in_tenant(org_a):
        mine = make_engagement(org_a, title="Mine")
        other = make_engagement(org_a, title="Someone else's", emails=("x@firm.example",))
        ended = make_engagement(org_a, title="Ended", days=-1)

    def provider(engagement, actor):
        return [PackLink("Pack of 2026-12-01", f"/packs/{engagement.pk}/"), ("Old pack", "/p/0/")]

    register_pack_provider(provider)
    try:
        client = client_for(auditor)
        listing = client.get(reverse("engagement_list", args=[org_a.slug])).content.decode()
        page = client.get(reverse("engagement_detail", args=[org_a.slug, mine.pk]))
    finally:
        unregister_pack_provider(provider)
    assert "Mine" in listing and "Someone else" not in listing and "Ended" not in listing
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/packs/{mine.pk}/" in html and "Old pack" in html
    assert reverse("soa_table", args=[org_a.slug, "test-framework"]) in html
    assert reverse("control_coverage", args=[org_a.slug]) in html
    for name in ("asset_list", "risk_list", "supplier_list", "policies:policy_list"):
        assert reverse(name, args=[org_a.slug]) in html
    assert "Raise an evidence request" in html
    assert "Auditor access log" not in html  # the officers'
    for engagement in (other, ended):
        url = reverse("engagement_detail", args=[org_a.slug, engagement.pk])
        assert client.get(url).status_code == 403
    home = client.get(reverse("org_home", args=[org_a.slug])).content.decode()
    assert "Your audit engagements" in home


def test_engagement_page_queries_do_not_grow_with_requests(
    client_for, org_a, member, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    for _ in range(15):
        _answered(org_a, officer, engagement)
    client = client_for(officer)
    url = reverse("engagement_detail", args=[org_a.slug, engagement.pk])
    with django_assert_max_num_queries(22):
        response = client.get(url)
    assert response.content.decode().count("access-review.pdf") == 15


# --- requests and answers ---------------------------------------------------------------------


def test_auditor_raises_officer_answers_auditor_downloads_and_closes(
    client_for, org_a, member, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    from tests.risks.factories import library_control

    control = library_control("T.9")
    a_client, o_client = client_for(auditor), client_for(officer)
    due = timezone.localdate() + timedelta(days=7)
    response = a_client.post(
        reverse("engagement_request_raise", args=[org_a.slug, engagement.pk]),
        {"control": control.pk, "sample": "AS-1\nAS-7", "question": "Owners?", "due_on": due},
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        request = EvidenceRequest.objects.get()
    assert (request.control, request.status, request.raised_by) == (
        control,
        RequestStatus.OPEN,
        auditor,
    )

    response = o_client.post(
        reverse("engagement_request_answer", args=[org_a.slug, request.pk]),
        {"note": "See the review.", "file": SimpleUploadedFile("review.pdf", PDF)},
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        answer = EvidenceAnswer.objects.get()
        request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED and answer.file_name == "review.pdf"
    assert answer.file.name.startswith(f"org-{org_a.pk}/engagements/answers/")

    page = a_client.get(reverse("engagement_detail", args=[org_a.slug, engagement.pk]))
    link = page.context["requests"][0].answers.all()[0].download_url
    download = a_client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    last = _log(org_a)[-1]
    assert (last.kind, last.subject, last.engagement_id) == (
        AccessKind.DOWNLOAD,
        "review.pdf",
        engagement.pk,
    )

    a_client.post(reverse("engagement_request_close", args=[org_a.slug, request.pk]))
    with in_tenant(org_a):
        request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED


def test_a_request_names_a_control_in_scope_and_a_due_date_not_past(org_a, member, in_tenant):
    auditor = auditor_user(org_a)
    actor = Actor.for_membership(Membership.objects.get(user=auditor))
    from isms.models import Control, Framework

    other = Framework.objects.create(code="other", name="Other")
    outside = Control.objects.create(framework=other, ref="O.1", group="g", title="t")
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
        with pytest.raises(Exception, match="not in the engagement's frameworks"):
            services.request_raise(
                actor=actor,
                engagement=engagement,
                question="q",
                due_on=timezone.localdate(),
                control=outside,
            )
        with pytest.raises(Exception, match="cannot be in the past"):
            services.request_raise(
                actor=actor,
                engagement=engagement,
                question="q",
                due_on=timezone.localdate() - timedelta(days=1),
            )
        assert not EvidenceRequest.objects.exists()


def test_open_requests_are_due_items_for_the_officers(org_a, member, in_tenant):
    from monitoring.inbox.sources import gather

    officer = member(org_a, Role.OFFICER)
    auditor_user(org_a)
    with in_tenant(org_a):
        request = make_request(org_a)
        items = [i for i in gather(org_a.pk, timezone.localdate()) if i.kind == "evidence_request"]
    assert len(items) == 1
    assert items[0].recipient_ids == [officer.pk]
    assert items[0].due_on == request.due_on
    assert items[0].url == reverse("engagement_detail", args=[org_a.slug, request.engagement_id])


# --- read-only, logged, time-boxed --------------------------------------------------------------

AUDITOR_SCOPES = ROLE_SCOPES[Role.AUDITOR]


def _post_routes():
    return [r for r in ui_routes() if r.scopes_for("POST")]


@pytest.mark.parametrize("route", _post_routes(), ids=str)
def test_an_auditor_gets_403_on_every_write(route, org_a, client_for, in_tenant):
    """Every POST of the UI that needs a scope the auditor lacks answers 403 and writes nothing;
    the only writes the auditor's scopes allow are the evidence requests of their engagements."""
    auditor = auditor_user(org_a)
    needed = set(route.scopes_for("POST"))
    pk, reachable = page_pk(route, org_a)
    if not reachable:
        pk = 1
    url = route.url(org_a.slug, pk).replace("<slug:framework>", a_framework().code)
    url = re.sub(r"<\w+:\w+>", "1", url)
    response = client_for(auditor).post(url, {})
    if needed <= AUDITOR_SCOPES:
        # Evidence requests, POSTs that only read (checking a file against the packs), and
        # the registers' column choice (it changes the auditor's own view, nothing of the
        # organisation: isms.list_columns).
        assert needed == {"audit:request"} or route.name in {
            "pack_verify",
            "asset_columns",
            "risk_columns",
            "supplier_columns",
        }, route.route
        return
    assert response.status_code == 403, (route.route, response.status_code)


def test_an_auditor_gets_403_on_every_api_write(org_a, api_for):
    from tests.routes import api_routes

    auditor = auditor_user(org_a)
    client = api_for(auditor)
    for route in api_routes():
        for method, pk in (("post", None), ("patch", 1), ("delete", 1)):
            action = {"post": "create", "patch": "partial_update", "delete": "destroy"}[method]
            if action not in route.actions:
                continue
            response = getattr(client, method)(route.url(org_a.slug, pk), {}, format="json")
            # 405: the endpoint takes no such write at all
            assert response.status_code in (403, 405), (route.prefix, method, response.status_code)


def _get_routes(org):
    for route in ui_routes():
        needed = required_scopes(getattr(route.view_class, "scope_map", {}), "GET")
        if needed and set(needed) <= AUDITOR_SCOPES:
            yield route


def test_every_page_an_auditor_reads_is_logged_and_nobody_elses(
    org_a, member, client_for, in_tenant
):
    auditor = auditor_user(org_a)
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        make_engagement(org_a)
    a_client = client_for(auditor)
    read = 0
    for route in _get_routes(org_a):
        pk, reachable = page_pk(route, org_a)
        if not reachable:
            continue
        url = route.url(org_a.slug, pk)
        before = len(_log(org_a))
        response = a_client.get(url)
        entries = _log(org_a)[before:]
        assert len(entries) == 1, (route.route, response.status_code)
        assert entries[0].path == url and entries[0].status == response.status_code
        assert entries[0].email == AUDITOR_EMAIL
        read += 1
    assert read > 40
    api = a_client.get(f"/api/v1/orgs/{org_a.slug}/assets/")
    assert api.status_code == 200 and _log(org_a)[-1].kind == AccessKind.API
    before = len(_log(org_a))
    client_for(officer).get(reverse("asset_list", args=[org_a.slug]))
    assert len(_log(org_a)) == before


def test_the_access_log_is_the_officers_and_cannot_be_changed(org_a, member, client_for, in_tenant):
    auditor = auditor_user(org_a)
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    client_for(auditor).get(reverse("asset_list", args=[org_a.slug]))
    url = reverse("engagement_access_log", args=[org_a.slug, engagement.pk])
    assert client_for(auditor).get(url).status_code == 403
    page = client_for(officer).get(url)
    assert page.status_code == 200
    assert reverse("asset_list", args=[org_a.slug]) in page.content.decode()
    entry = _log(org_a)[0]
    for statement in (
        "UPDATE monitoring_engagements_auditoraccess SET path = 'x' WHERE id = %s",
        "DELETE FROM monitoring_engagements_auditoraccess WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(), tenant_context(org_a.pk):
                with connections["default"].cursor() as cursor:
                    cursor.execute(statement, [entry.pk])


def test_an_expired_auditor_is_refused_everywhere(
    org_a, member, client_for, api_for, in_tenant, settings
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a)
    with in_tenant(org_a):
        engagement = make_engagement(org_a)
    _, answer = _answered(org_a, officer, engagement)
    client = client_for(auditor)
    actor = Actor.for_membership(Membership.objects.get(user=auditor))
    link = downloads.signed_url(actor, answer)
    assert client.get(link).status_code == 200

    # The engagement ends (its auditors' memberships end with it).
    past = timezone.now() - timedelta(seconds=1)
    with in_tenant(org_a):
        Engagement.objects.filter(pk=engagement.pk).update(expires_at=past)
    Membership.objects.filter(user=auditor).update(expires_at=past)
    before = len(_log(org_a))
    for url in (
        reverse("org_home", args=[org_a.slug]),
        reverse("engagement_list", args=[org_a.slug]),
        reverse("engagement_detail", args=[org_a.slug, engagement.pk]),
        reverse("asset_list", args=[org_a.slug]),
        link,
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"expired" in response.content
    api = api_for(auditor).get(f"/api/v1/orgs/{org_a.slug}/assets/")
    assert api.status_code == 403 and "expired" in api.json()["detail"]
    assert len(_log(org_a)) == before  # no access, nothing read

    # Even with a membership still running (another engagement), an ended engagement and
    # its files are closed.
    Membership.objects.filter(user=auditor).update(expires_at=timezone.now() + timedelta(days=9))
    ended = client.get(reverse("engagement_detail", args=[org_a.slug, engagement.pk]))
    assert ended.status_code == 403
    assert client.get(downloads.signed_url(actor, answer)).status_code == 404


def test_download_links_are_signed_short_lived_and_personal(
    org_a, member, client_for, in_tenant, monkeypatch
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a)
    colleague = auditor_user(org_a, email="colleague@audit-firm.example")
    with in_tenant(org_a):
        engagement = make_engagement(org_a, emails=(AUDITOR_EMAIL, "colleague@audit-firm.example"))
    _, answer = _answered(org_a, officer, engagement)
    actor = Actor.for_membership(Membership.objects.get(user=auditor))
    link = downloads.signed_url(actor, answer)
    assert client_for(colleague).get(link).status_code == 403  # made for someone else
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = link.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert client_for(auditor).get(forged).status_code == 403
    monkeypatch.setattr(downloads, "LINK_SECONDS", -1)
    refused = client_for(auditor).get(link)
    assert refused.status_code == 403 and b"expired" in refused.content


def test_another_organisations_answer_cannot_be_downloaded_or_detected(
    org_a, org_b, member, client_for, in_tenant
):
    officer_b = member(org_b, Role.OFFICER)
    _, answer_b = _answered(org_b, officer_b)
    auditor = auditor_user(org_a)
    auditor_user(org_b)  # the same person audits B too
    actor_b = Actor.for_membership(
        Membership.objects.get(user__email=AUDITOR_EMAIL, organization=org_b)
    )
    link_b = downloads.signed_url(actor_b, answer_b)
    client = client_for(auditor)
    assert client.get(link_b.replace(f"/o/{org_b.slug}/", f"/o/{org_a.slug}/")).status_code == 403
    actor_a = Actor.for_membership(Membership.objects.get(user=auditor, organization=org_a))
    forged = downloads.signed_url(actor_a, answer_b)  # right signature, B's answer id
    missing = downloads.signed_url(actor_a, EvidenceAnswer(pk=987_654_321))
    assert client.get(forged).status_code == client.get(missing).status_code == 404
    with in_tenant(org_a):
        assert not EvidenceRequest.objects.exists()


def test_the_api_gives_an_auditor_their_engagements_and_requests_read_only(
    org_a, member, api_for, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a)
    with in_tenant(org_a):
        mine = make_engagement(org_a)
        make_request(org_a, make_engagement(org_a, emails=("x@firm.example",)))
    for _ in range(5):
        _answered(org_a, officer, mine)
    client = api_for(auditor)
    engagements = client.get(f"/api/v1/orgs/{org_a.slug}/engagements/").json()["results"]
    assert [e["id"] for e in engagements] == [mine.pk]
    assert engagements[0]["auditors"] == [AUDITOR_EMAIL]
    with django_assert_max_num_queries(14):
        requests = client.get(f"/api/v1/orgs/{org_a.slug}/evidence-requests/").json()["results"]
    assert len(requests) == 5 and {r["engagement"] for r in requests} == {mine.pk}
    assert requests[0]["answers"][0]["file_name"] == "access-review.pdf"
    assert _log(org_a)[-1].kind == AccessKind.API
    everything = api_for(officer).get(f"/api/v1/orgs/{org_a.slug}/evidence-requests/").json()
    assert everything["count"] == 6
    write = client.post(f"/api/v1/orgs/{org_a.slug}/evidence-requests/", {}, format="json")
    assert write.status_code == 405
