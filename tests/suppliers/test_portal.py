"""The supplier's account-free link: what it opens, and how it refuses everything else."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from suppliers.models import (
    AssessmentFile,
    PortalTokenIndex,
    Question,
    SupplierAnswer,
    SupplierAssessment,
    SupplierPortalLink,
)
from suppliers.services import assessments as svc
from suppliers.services.portal import portal_link_create, portal_link_revoke, token_hash
from tests.suppliers.factories import PDF_BYTES, SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db


def issue_link(org, in_tenant, supplier_name="Vendor", **link_kwargs):
    """A sent assessment of a new supplier and a fresh link to it: (token, assessment id)."""
    with in_tenant(org):
        actor = officer_actor(org)
        supplier = SupplierFactory(owner=actor.user, name=supplier_name)
        assessment = svc.assessment_create(actor=actor, supplier=supplier)
        svc.assessment_send(actor=actor, assessment=assessment)
        issued = portal_link_create(actor=actor, assessment=assessment, **link_kwargs)
        return issued.token, assessment.pk


def url(token):
    return f"/supplier-portal/{token}/"


def complete_post(org, in_tenant, assessment_id, **extra):
    data = {}
    with in_tenant(org):
        for answer in SupplierAnswer.objects.filter(assessment_id=assessment_id).select_related(
            "question"
        ):
            q = answer.question
            if q.answer_type == Question.AnswerType.CHOICE:
                value = q.good_answer
            elif q.answer_type == Question.AnswerType.DATE:
                value = (timezone.localdate() - timedelta(days=10)).isoformat()
            else:
                value = "Frankfurt and Dublin; support from Lisbon."
            data[f"a{answer.pk}_value"] = value
            data[f"a{answer.pk}_note"] = ""
    data.update(extra)
    return data


def test_link_shows_its_own_questions_only(org_a, in_tenant):
    token, _ = issue_link(org_a, in_tenant, supplier_name="Chatty AI")
    issue_link(org_a, in_tenant, supplier_name="Other Vendor Secret")
    response = Client().get(url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chatty AI" in body and "Alpha Ltd" in body
    assert "used to train or improve your models" in body
    assert "Other Vendor Secret" not in body
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_only_the_token_hash_is_stored(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    with in_tenant(org_a):
        link = SupplierPortalLink.objects.get(assessment_id=assessment_id)
        assert link.token_hash == token_hash(token) and token not in link.token_hash
        assert len(token) >= 40
    entry = PortalTokenIndex.objects.get(link_id=link.pk)
    assert entry.token_hash == token_hash(token)


def test_every_refusal_looks_the_same(org_a, org_b, in_tenant):
    expired_token, _ = issue_link(org_a, in_tenant, supplier_name="Expired")
    with in_tenant(org_a):
        SupplierPortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked_token, revoked_id = issue_link(org_a, in_tenant, supplier_name="Revoked")
    with in_tenant(org_a):
        link = SupplierPortalLink.objects.get(assessment_id=revoked_id)
        portal_link_revoke(actor=officer_actor(org_a), link=link)
    decided_token, decided_id = issue_link(org_b, in_tenant, supplier_name="Decided")
    with in_tenant(org_b):
        SupplierAssessment.objects.filter(pk=decided_id).update(status="approved")
    valid_token, _ = issue_link(org_b, in_tenant, supplier_name="Valid")

    client = Client()
    refusals = [
        client.get(url(t))
        for t in [
            "not-a-token",
            valid_token[:-1] + ("A" if valid_token[-1] != "A" else "B"),
            expired_token,
            revoked_token,
            decided_token,
            "x" * 300,
        ]
    ]
    assert {r.status_code for r in refusals} == {404}
    assert len({r.content for r in refusals}) == 1
    body = refusals[0].content.decode()
    for secret in ("Expired", "Revoked", "Decided", "Alpha", "Bravo"):
        assert secret not in body
    # POSTs to refused links are refused the same way and change nothing.
    response = client.post(url(revoked_token), {"save": "1"})
    assert response.status_code == 404 and response.content == refusals[0].content


def test_supplier_answers_and_submits_through_the_link(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    client = Client()
    data = complete_post(org_a, in_tenant, assessment_id, submit="1")
    data["file"] = SimpleUploadedFile("soc2.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(url(token), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "submitted" in response.content.decode()
    with in_tenant(org_a):
        assessment = SupplierAssessment.objects.get(pk=assessment_id)
        assert assessment.status == "submitted"
        assert assessment.submitted_by is None
        assert assessment.submitted_by_label.startswith("supplier via link")
        assert assessment.score is not None and assessment.rating == "low"
        step = assessment.transitions.get(to_status="submitted")
        assert (step.from_status, step.to_status, step.by) == ("sent", "submitted", None)
        stored = AssessmentFile.objects.get(assessment=assessment)
        assert stored.file.name.startswith(f"org-{org_a.pk}/suppliers/evidence/")
        assert stored.original_name == "soc2.pdf"
    # Submitted: the link shows the answers read-only and refuses further changes.
    assert "can no longer be changed" in client.get(url(token)).content.decode()
    assert client.post(url(token), data).status_code == 404


def test_incomplete_submit_is_refused_and_saves_nothing(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    data = complete_post(org_a, in_tenant, assessment_id, submit="1")
    first_key = next(k for k in data if k.endswith("_value"))
    data[first_key] = ""
    response = Client().post(url(token), data)
    assert response.status_code == 400
    assert "not answered yet" in response.content.decode()
    with in_tenant(org_a):
        assert SupplierAssessment.objects.get(pk=assessment_id).status == "sent"
        assert not SupplierAnswer.objects.filter(
            assessment_id=assessment_id, answered_at__isnull=False
        ).exists()


def test_save_without_submit_keeps_answers(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    data = complete_post(org_a, in_tenant, assessment_id, save="1")
    response = Client().post(url(token), data)
    assert response.status_code == 200
    with in_tenant(org_a):
        assert SupplierAssessment.objects.get(pk=assessment_id).status == "sent"
        assert (
            not SupplierAnswer.objects.filter(assessment_id=assessment_id, choice="")
            .filter(question__answer_type="choice")
            .exists()
        )


def test_link_cannot_touch_another_assessment_or_organisation(org_a, org_b, in_tenant):
    token_a, assessment_a = issue_link(org_a, in_tenant)
    _, other_a = issue_link(org_a, in_tenant, supplier_name="Another")
    _, other_b = issue_link(org_b, in_tenant, supplier_name="Bravo vendor")
    data = complete_post(org_a, in_tenant, assessment_a, save="1")
    # Smuggle in answers of another assessment (same organisation and another one).
    data.update(complete_post(org_a, in_tenant, other_a))
    data.update(complete_post(org_b, in_tenant, other_b))
    data["assessment"] = str(other_a)
    response = Client().post(url(token_a), data)
    assert response.status_code == 200
    with in_tenant(org_a):
        assert not SupplierAnswer.objects.filter(
            assessment_id=other_a, answered_at__isnull=False
        ).exists()
        assert SupplierAnswer.objects.filter(
            assessment_id=assessment_a, answered_at__isnull=False
        ).exists()
    with in_tenant(org_b):
        assert not SupplierAnswer.objects.filter(
            assessment_id=other_b, answered_at__isnull=False
        ).exists()
    # There is no URL that takes an assessment or answer id next to the token.
    assert Client().get(f"{url(token_a)}{other_a}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("malware.exe", b"MZ\x90\x00", "Only these file types are accepted"),
        ("fake.pdf", b"<script>alert(1)</script>", "not a PDF file"),
        ("huge.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_uploads_are_limited_by_type_and_size(org_a, in_tenant, name, content, message):
    token, assessment_id = issue_link(org_a, in_tenant)
    data = complete_post(org_a, in_tenant, assessment_id, save="1")
    data["file"] = SimpleUploadedFile(name, content)
    response = Client().post(url(token), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with in_tenant(org_a):
        assert not AssessmentFile.objects.exists()
        assert not SupplierAnswer.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.parametrize("content", [PDF_BYTES, b"\x89PNG\r\n\x1a\n....", b"\xff\xd8\xff\xe0..."])
def test_accepted_file_types(org_a, in_tenant, content):
    token, assessment_id = issue_link(org_a, in_tenant)
    name = {b"%": "a.pdf", b"\x89": "a.png", b"\xff": "a.jpg"}[content[:1]]
    data = {"save": "1", "file": SimpleUploadedFile(name, content)}
    assert Client().post(url(token), data).status_code == 200
    with in_tenant(org_a):
        assert AssessmentFile.objects.filter(assessment_id=assessment_id).count() == 1


def test_rate_limit_answers_429(org_a, in_tenant, settings):
    settings.SUPPLIER_PORTAL_RATE_LIMIT = {"per_token": 3, "per_ip": 1000, "window": 60}
    token, _ = issue_link(org_a, in_tenant)
    client = Client(REMOTE_ADDR=f"10.9.{timezone.now().microsecond % 250}.7")
    statuses = [client.get(url(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(url(token))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many requests" in response.content.decode()


def test_guessing_from_one_address_is_rate_limited(settings, db):
    settings.SUPPLIER_PORTAL_RATE_LIMIT = {"per_token": 1000, "per_ip": 5, "window": 60}
    client = Client(REMOTE_ADDR=f"10.8.{timezone.now().microsecond % 250}.9")
    statuses = [client.get(url(f"guess-{i}")).status_code for i in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
