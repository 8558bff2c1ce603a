"""Editing and ending an audit engagement (issue 21). ISO/IEC 27001:2022 control 5.18 (access
rights are changed and removed when no longer needed) and 5.15: extending or bringing
forward an engagement moves its auditors' access with it; ending it early, or taking an
auditor off it, ends their access at once in the UI, the API and every signed link, unless
another live engagement still has them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from isms.access import Actor
from isms.models import Invitation, Membership, Role
from isms.tenancy import tenant_context
from monitoring.engagements import downloads, services
from monitoring.engagements.models import Engagement, EngagementAuditor
from monitoring.packs.selectors import signed_download_url
from tests.engagements.factories import AUDITOR_EMAIL, a_framework, auditor_user
from tests.packs.factories import make_pack

pytestmark = pytest.mark.django_db
COLLEAGUE = "colleague@audit-firm.example"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _officer_actor(org, officer) -> Actor:
    return Actor.for_membership(Membership.objects.get(organization=org, user=officer))


def _open(org, officer, emails=(AUDITOR_EMAIL,), days=30, title="Stage 2 audit"):
    with tenant_context(org.pk):
        return services.engagement_open(
            actor=_officer_actor(org, officer),
            title=title,
            framework_codes=[a_framework().code],
            expires_at=timezone.now() + timedelta(days=days),
            auditor_emails=emails,
        )


def _expiry(org, user):
    return Membership.objects.get(organization=org, user=user).expires_at


def _edit_url(org, engagement) -> str:
    return reverse("engagement_edit", args=[org.slug, engagement.pk])


def test_officer_edits_title_frameworks_and_end_and_access_follows(
    org_a, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a, days=5)
    engagement = _open(org_a, officer)
    assert _expiry(org_a, auditor) == engagement.expires_at  # extended to the engagement
    client = client_for(officer)
    page = client.get(_edit_url(org_a, engagement))
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "Stage 2 audit"
    assert "auditor_emails" not in page.context["form"].fields

    later = timezone.localdate() + timedelta(days=60)
    response = client.post(
        _edit_url(org_a, engagement),
        {
            "title": "Stage 2 audit (extended)",
            "audit_body": "Cert Body Ltd",
            "framework_codes": [a_framework().code],
            "expires_on": later.isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    with in_tenant(org_a):
        engagement.refresh_from_db()
    assert (engagement.title, engagement.audit_body) == (
        "Stage 2 audit (extended)",
        "Cert Body Ltd",
    )
    assert timezone.localtime(engagement.expires_at).date() == later
    assert _expiry(org_a, auditor) == engagement.expires_at  # extended with it

    sooner = timezone.localdate() + timedelta(days=3)
    client.post(
        _edit_url(org_a, engagement),
        {
            "title": engagement.title,
            "framework_codes": [a_framework().code],
            "expires_on": sooner.isoformat(),
        },
    )
    with in_tenant(org_a):
        engagement.refresh_from_db()
    assert timezone.localtime(engagement.expires_at).date() == sooner
    assert _expiry(org_a, auditor) == engagement.expires_at  # brought forward with it


def test_bad_edits_name_the_field_and_change_nothing(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    engagement = _open(org_a, officer, emails=())
    client = client_for(officer)
    past = client.post(
        _edit_url(org_a, engagement),
        {
            "title": "x",
            "framework_codes": [a_framework().code],
            "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert past.status_code == 400 and "expires_on" in past.context["form"].errors
    none = client.post(
        _edit_url(org_a, engagement),
        {"title": "x", "expires_on": (timezone.localdate() + timedelta(days=9)).isoformat()},
    )
    assert none.status_code == 400 and "framework_codes" in none.context["form"].errors
    with in_tenant(org_a):
        assert Engagement.objects.get().title == "Stage 2 audit"


def test_ending_early_revokes_the_auditor_everywhere_at_once(
    org_a, member, client_for, api_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a, days=5)
    engagement = _open(org_a, officer, emails=(AUDITOR_EMAIL, "invited@audit-firm.example"))
    invitation = Invitation.objects.get(email="invited@audit-firm.example")
    with tenant_context(org_a.pk):
        request = services.request_raise(
            actor=Actor.for_membership(Membership.objects.get(user=auditor)),
            engagement=engagement,
            question="Access reviews?",
            due_on=timezone.localdate() + timedelta(days=7),
        )
        from isms.uploads import check_upload

        answer = services.request_answer(
            actor=_officer_actor(org_a, officer),
            request=request,
            upload=check_upload(SimpleUploadedFile("review.pdf", PDF)),
        )
        pack = make_pack(org_a)
        pack_link = signed_download_url(pack, "pdf")
    auditor_actor = Actor.for_membership(Membership.objects.get(user=auditor))
    answer_link = downloads.signed_url(auditor_actor, answer)
    client, api = client_for(auditor), api_for(auditor)
    pages = [
        reverse("org_home", args=[org_a.slug]),
        reverse("engagement_detail", args=[org_a.slug, engagement.pk]),
        reverse("asset_list", args=[org_a.slug]),
    ]
    for url in [*pages, answer_link, pack_link]:
        assert client.get(url).status_code == 200, url
    assert api.get(f"/api/v1/orgs/{org_a.slug}/assets/").status_code == 200

    response = client_for(officer).post(reverse("engagement_end", args=[org_a.slug, engagement.pk]))
    assert response.status_code == 302
    with in_tenant(org_a):
        engagement.refresh_from_db()
    assert not engagement.is_live
    assert _expiry(org_a, auditor) <= timezone.now()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None  # the invited auditor can no longer join

    # The same session, the same links, the same API credentials: refused at once.
    for url in [*pages, answer_link, pack_link]:
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert b"expired" in refused.content
    assert api.get(f"/api/v1/orgs/{org_a.slug}/assets/").status_code == 403

    # Ending twice is refused; an ended engagement cannot be edited back to life.
    ended_at = engagement.expires_at
    again = client_for(officer).post(reverse("engagement_end", args=[org_a.slug, engagement.pk]))
    assert again.status_code in {302, 409}  # back to the page with the reason
    with in_tenant(org_a):
        engagement.refresh_from_db()
    assert engagement.expires_at == ended_at
    edit = client_for(officer).post(
        _edit_url(org_a, engagement),
        {
            "title": "Revived",
            "framework_codes": [a_framework().code],
            "expires_on": (timezone.localdate() + timedelta(days=9)).isoformat(),
        },
    )
    assert edit.status_code == 400
    assert _expiry(org_a, auditor) <= timezone.now()


def test_removing_an_auditor_ends_only_their_access(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    auditor, colleague = auditor_user(org_a, days=5), auditor_user(org_a, email=COLLEAGUE, days=5)
    engagement = _open(org_a, officer, emails=(AUDITOR_EMAIL, COLLEAGUE))
    other = _open(org_a, officer, emails=(COLLEAGUE,), days=10, title="Surveillance audit")
    with in_tenant(org_a):
        mine = EngagementAuditor.objects.get(engagement=engagement, email=AUDITOR_EMAIL)
        theirs = EngagementAuditor.objects.get(engagement=engagement, email=COLLEAGUE)
    officer_client = client_for(officer)
    page = officer_client.get(reverse("engagement_detail", args=[org_a.slug, engagement.pk]))
    assert reverse("engagement_auditor_remove", args=[org_a.slug, mine.pk]).encode() in page.content

    remove = reverse("engagement_auditor_remove", args=[org_a.slug, mine.pk])
    assert officer_client.post(remove).status_code == 302
    assert _expiry(org_a, auditor) <= timezone.now()
    assert client_for(auditor).get(reverse("org_home", args=[org_a.slug])).status_code == 403
    # the colleague still audits
    assert _expiry(org_a, colleague) == engagement.expires_at
    detail = reverse("engagement_detail", args=[org_a.slug, engagement.pk])
    assert client_for(colleague).get(detail).status_code == 200

    # Taken off the long engagement, the colleague keeps the shorter one, until its end.
    officer_client.post(reverse("engagement_auditor_remove", args=[org_a.slug, theirs.pk]))
    assert _expiry(org_a, colleague) == other.expires_at
    assert client_for(colleague).get(detail).status_code == 403
    other_detail = reverse("engagement_detail", args=[org_a.slug, other.pk])
    assert client_for(colleague).get(other_detail).status_code == 200

    # Added back, the auditor's access returns until the engagement's end.
    officer_client.post(
        reverse("engagement_invite", args=[org_a.slug, engagement.pk]), {"email": AUDITOR_EMAIL}
    )
    assert _expiry(org_a, auditor) == engagement.expires_at
    assert client_for(auditor).get(detail).status_code == 200


def test_auditors_and_other_organisations_cannot_edit_end_or_remove(
    org_a, org_b, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    auditor = auditor_user(org_a, days=5)
    engagement = _open(org_a, officer)
    with in_tenant(org_a):
        seat = EngagementAuditor.objects.get()
    urls = [
        _edit_url(org_a, engagement),
        reverse("engagement_end", args=[org_a.slug, engagement.pk]),
        reverse("engagement_auditor_remove", args=[org_a.slug, seat.pk]),
    ]
    client = client_for(auditor)
    assert client.get(urls[0]).status_code == 403
    for url in urls[1:]:
        assert client.post(url).status_code == 403
    b = client_for(member(org_b, Role.OFFICER))
    for url in urls:
        url_b = url.replace(f"/o/{org_a.slug}/", f"/o/{org_b.slug}/")
        missing = url_b.replace(f"/{engagement.pk}/", "/987654/").replace(
            f"/{seat.pk}/", "/987654/"
        )
        method = b.get if url.endswith("/edit/") else b.post
        assert method(url_b).status_code == method(missing).status_code == 404
    with in_tenant(org_a):
        engagement.refresh_from_db()
        assert engagement.is_live and EngagementAuditor.objects.count() == 1
    assert _expiry(org_a, auditor) == engagement.expires_at
