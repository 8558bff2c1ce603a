from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from isms.models import Role
from suppliers.models import Question, Supplier, SupplierAnswer, SupplierCertification
from tests.factories import MembershipFactory
from tests.suppliers.factories import PDF_BYTES, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(org_a, member):
    return member(org_a, Role.OFFICER)


@pytest.fixture
def api(officer, api_for):
    return api_for(user=officer)


def base(org, path=""):
    return f"/api/v1/orgs/{org.slug}/{path}"


def test_create_supplier_and_read_it_back(api, org_a, officer):
    response = api.post(
        base(org_a, "suppliers/"),
        {
            "name": "Chatty AI",
            "website": "https://chatty.example",
            "ai_services": ["ai_api", "saas_ai_features"],
            "criticality": "critical",
            "owner": officer.pk,
            "data_categories": ["personal", "customer_content"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provides_ai"] is True and body["owner_detail"]["id"] == officer.pk
    assert body["rating"] is None and body["status"] == "prospective"
    detail = api.get(base(org_a, f"suppliers/{body['id']}/")).json()
    assert detail["ai_services"] == ["ai_api", "saas_ai_features"]
    clauses = api.get(base(org_a, "supplier-contract-clauses/"), {"supplier": body["id"]}).json()
    assert clauses["count"] == 18
    sets = api.get(base(org_a, "question-sets/")).json()
    assert sets["results"][0]["name"] == "AI service provider assessment"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"criticality": "extreme"}, "criticality"),
        ({"ai_services": ["telepathy"]}, "ai_services"),
        ({"website": "not a url"}, "website"),
    ],
)
def test_bad_supplier_input_is_a_400_naming_the_field(api, org_a, officer, payload, field):
    data = {"name": "Acme", "owner": officer.pk, **payload}
    response = api.post(base(org_a, "suppliers/"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Supplier.unscoped.exists()


def test_owner_must_be_a_member_and_name_unique(api, org_a, org_b, officer, in_tenant):
    outsider = MembershipFactory(organization=org_b).user
    response = api.post(
        base(org_a, "suppliers/"), {"name": "Acme", "owner": outsider.pk}, format="json"
    )
    assert response.status_code == 400
    assert "No active member" in response.json()["errors"]["owner"][0]
    api.post(base(org_a, "suppliers/"), {"name": "Acme", "owner": officer.pk}, format="json")
    response = api.post(
        base(org_a, "suppliers/"), {"name": "ACME", "owner": officer.pk}, format="json"
    )
    # Names differ only in case: 409 duplicate, naming the field.
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert "name" in response.json()["errors"]


def test_other_org_supplier_is_404_and_auditor_cannot_write(
    api, org_a, org_b, member, api_for, in_tenant
):
    with in_tenant(org_b):
        theirs = SupplierFactory(owner=MembershipFactory(organization=org_b).user)
    response = api.get(base(org_a, f"suppliers/{theirs.pk}/"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    auditor = api_for(user=member(org_a, Role.AUDITOR))
    response = auditor.post(base(org_a, "suppliers/"), {"name": "x"}, format="json")
    assert response.status_code == 403
    assert "suppliers:write" in response.json()["detail"]


def test_contributor_edits_only_own_supplier(org_a, member, api_for, in_tenant):
    contributor = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        mine = SupplierFactory(owner=contributor)
        theirs = SupplierFactory(owner=MembershipFactory(organization=org_a).user)
    client = api_for(user=contributor)
    ok = client.patch(base(org_a, f"suppliers/{mine.pk}/"), {"status": "active"}, format="json")
    assert ok.status_code == 200
    refused = client.patch(
        base(org_a, f"suppliers/{theirs.pk}/"), {"status": "active"}, format="json"
    )
    assert refused.status_code == 403


def test_list_filters_search_and_ordering(api, org_a, officer, in_tenant):
    today = timezone.localdate()
    with in_tenant(org_a):
        ai = SupplierFactory(owner=officer, name="Zeta Models", criticality="critical")
        plain = SupplierFactory(
            owner=officer,
            name="Alpha Cleaning",
            ai_services=[],
            criticality="low",
            next_reassessment_date=today - timedelta(days=1),
            rating="high",
        )
        SupplierCertification.objects.create(
            supplier=ai, type="iso27001", valid_until=today + timedelta(days=20)
        )

    def names(**params):
        response = api.get(base(org_a, "suppliers/"), params)
        assert response.status_code == 200, response.json()
        return [r["name"] for r in response.json()["results"]]

    assert names(ai="true") == ["Zeta Models"]
    assert names(ai="false") == ["Alpha Cleaning"]
    assert names(criticality="critical") == ["Zeta Models"]
    assert names(rating="high") == ["Alpha Cleaning"]
    assert names(cert_expiring_within=30) == ["Zeta Models"]
    assert names(cert_expiring_within=10) == []
    assert names(reassessment_overdue="true") == ["Alpha Cleaning"]
    assert names(q="clean") == ["Alpha Cleaning"]
    assert names(ordering="-criticality") == ["Zeta Models", "Alpha Cleaning"]
    assert names(ordering="name") == ["Alpha Cleaning", "Zeta Models"]
    expiring = api.get(base(org_a, f"suppliers/{ai.pk}/")).json()
    assert expiring["certifications_expiring"] == 1
    assert plain.pk
    bad = api.get(base(org_a, "suppliers/"), {"criticality": "nope"})
    assert bad.status_code == 400 and "criticality" in bad.json()["errors"]


def test_supplier_list_query_count_does_not_grow(
    api, org_a, officer, in_tenant, django_assert_max_num_queries
):
    def make(count, start):
        with in_tenant(org_a):
            suppliers = Supplier.objects.bulk_create(
                [
                    Supplier(organization=org_a, name=f"Bulk {start + i}", owner=officer)
                    for i in range(count)
                ]
            )
            SupplierCertification.objects.bulk_create(
                [
                    SupplierCertification(
                        organization=org_a,
                        supplier=s,
                        type="iso27001",
                        valid_until=timezone.localdate(),
                    )
                    for s in suppliers
                ]
            )

    make(10, 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert api.get(base(org_a, "suppliers/"), {"page_size": 500}).status_code == 200
    make(290, 10)
    with CaptureQueriesContext(connection) as large:
        response = api.get(base(org_a, "suppliers/"), {"page_size": 500})
    assert response.json()["count"] == 300
    assert len(large) == len(small)
    with django_assert_max_num_queries(12):
        api.get(base(org_a, "suppliers/"), {"page_size": 500})


def test_certification_upload_and_bad_file(api, org_a, officer, in_tenant):
    with in_tenant(org_a):
        supplier = SupplierFactory(owner=officer)
    data = {
        "supplier": supplier.pk,
        "type": "iso27001",
        "issuer": "Audit firm",
        "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "file": SimpleUploadedFile("soc2.pdf", PDF_BYTES, content_type="application/pdf"),
    }
    response = api.post(base(org_a, "supplier-certifications/"), data, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["expiry_status"] == "expiring" and body["file_url"].endswith("/file/")
    download = api.get(body["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    data["file"] = SimpleUploadedFile("soc2.html", b"<html>", content_type="text/html")
    response = api.post(base(org_a, "supplier-certifications/"), data, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_contract_clause_update(api, org_a, officer):
    supplier = api.post(
        base(org_a, "suppliers/"), {"name": "Acme", "owner": officer.pk}, format="json"
    ).json()
    clauses = api.get(base(org_a, "supplier-contract-clauses/"), {"supplier": supplier["id"]})
    breach = next(c for c in clauses.json()["results"] if c["clause"] == "breach_notification")
    url = base(org_a, f"supplier-contract-clauses/{breach['id']}/")
    response = api.patch(url, {"status": "present", "reference": "DPA §7"}, format="json")
    assert response.status_code == 400
    assert "notification_hours" in response.json()["errors"]
    response = api.patch(
        url,
        {"status": "present", "reference": "DPA §7", "notification_hours": 24},
        format="json",
    )
    assert response.status_code == 200 and response.json()["notification_hours"] == 24
    assert api.post(base(org_a, "supplier-contract-clauses/"), {}, format="json").status_code == 405


def _answer_everything_well(api, org, assessment_id):
    answers = api.get(
        base(org, "supplier-answers/"), {"assessment": assessment_id, "page_size": 500}
    ).json()["results"]
    for answer in answers:
        q = answer["question"]
        if q["answer_type"] == "choice":
            payload = {"choice": q["good_answer"]}
        elif q["answer_type"] == "date":
            payload = {"date": (timezone.localdate() - timedelta(days=5)).isoformat()}
        else:
            payload = {"text": "Stored in the EU only."}
        response = api.patch(base(org, f"supplier-answers/{answer['id']}/"), payload, format="json")
        assert response.status_code == 200, response.json()
    return answers


def test_assessment_workflow_through_the_api_and_the_link(api, org_a, officer, member, api_for):
    supplier = api.post(
        base(org_a, "suppliers/"),
        {"name": "Transcribe Co", "owner": officer.pk, "criticality": "high"},
        format="json",
    ).json()
    created = api.post(
        base(org_a, "supplier-assessments/"), {"supplier": supplier["id"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    assessment = created.json()
    a_url = base(org_a, f"supplier-assessments/{assessment['id']}/")
    assert assessment["status"] == "draft"
    # Cannot approve a draft: 409 with the reason.
    refused = api.post(a_url + "approve/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    # A link needs a sent assessment.
    link = api.post(base(org_a, "supplier-portal-links/"), {"assessment": assessment["id"]})
    assert link.status_code == 409
    assert api.post(a_url + "send/", {}, format="json").json()["status"] == "sent"
    link = api.post(
        base(org_a, "supplier-portal-links/"),
        {"assessment": assessment["id"], "valid_days": 14},
        format="json",
    )
    assert link.status_code == 201, link.json()
    token = link.json()["token"]
    assert link.json()["url"].endswith(f"/supplier-portal/{token}/")
    listed = api.get(base(org_a, "supplier-portal-links/"), {"assessment": assessment["id"]})
    assert "token" not in listed.json()["results"][0]
    # The supplier answers through the link (one knockout question answered badly).
    page = Client().get(f"/supplier-portal/{token}/")
    assert page.status_code == 200
    answers = api.get(
        base(org_a, "supplier-answers/"), {"assessment": assessment["id"], "page_size": 500}
    ).json()["results"]
    data = {"submit": "1"}
    for answer in answers:
        q = answer["question"]
        value = {
            "choice": "yes" if q["knockout"] else q["good_answer"],
            "date": "2026-01-01",
            "text": "Hosted in Ireland.",
        }[q["answer_type"]]
        if q["answer_type"] == "date":
            value = (timezone.localdate() - timedelta(days=3)).isoformat()
        data[f"a{answer['id']}_value"] = value
    assert Client().post(f"/supplier-portal/{token}/", data).status_code == 200
    assert api.get(a_url).json()["status"] == "submitted"
    # Review: comment on the gap, approve, see rating and gaps.
    reviewer = api_for(user=member(org_a, Role.OFFICER))
    assert reviewer.post(a_url + "start-review/", {}, format="json").status_code == 200
    gap_answer = next(a for a in answers if a["question"]["knockout"])
    comment = reviewer.post(
        base(org_a, f"supplier-answers/{gap_answer['id']}/comments/"),
        {"text": "Please confirm the opt-out."},
        format="json",
    )
    assert comment.status_code == 201 and comment.json()["text"] == "Please confirm the opt-out."
    bad_comment = reviewer.post(
        base(org_a, f"supplier-answers/{gap_answer['id']}/comments/"), {}, format="json"
    )
    assert bad_comment.status_code == 400 and "text" in bad_comment.json()["errors"]
    contributor = api_for(user=member(org_a, Role.CONTRIBUTOR))
    assert contributor.post(a_url + "approve/", {}, format="json").status_code == 403
    # The reviewer never approves what they reviewed (segregation of duties): a third person.
    own_review = reviewer.post(a_url + "approve/", {}, format="json")
    assert (own_review.status_code, own_review.json()["code"]) == (403, "segregation_of_duties")
    approver = api_for(user=member(org_a, Role.OFFICER))
    approved = approver.post(a_url + "approve/", {"note": "Accept with opt-out"}, format="json")
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["status"] == "approved" and body["rating"] == "high"
    assert [g["reason"] for g in body["gaps"]] == ["Answered 'yes'"]
    assert [t["to_status"] for t in body["transitions"]] == [
        "sent",
        "submitted",
        "under_review",
        "approved",
    ]
    supplier_after = api.get(base(org_a, f"suppliers/{supplier['id']}/")).json()
    assert supplier_after["rating"] == "high"
    assert supplier_after["next_reassessment_date"] is not None
    # Decided: the link no longer opens; answers are fixed.
    assert Client().get(f"/supplier-portal/{token}/").status_code == 404
    fixed = api.patch(
        base(org_a, f"supplier-answers/{gap_answer['id']}/"), {"choice": "no"}, format="json"
    )
    assert fixed.status_code == 409


def test_officer_fills_in_and_someone_else_approves(api, org_a, officer, member, api_for):
    supplier = api.post(
        base(org_a, "suppliers/"), {"name": "Code Helper", "owner": officer.pk}, format="json"
    ).json()
    assessment = api.post(
        base(org_a, "supplier-assessments/"), {"supplier": supplier["id"]}, format="json"
    ).json()
    a_url = base(org_a, f"supplier-assessments/{assessment['id']}/")
    api.post(a_url + "send/", {}, format="json")
    early = api.post(a_url + "submit/", {}, format="json")
    assert early.status_code == 400 and "answers" in early.json()["errors"]
    _answer_everything_well(api, org_a, assessment["id"])
    assert api.post(a_url + "submit/", {}, format="json").json()["status"] == "submitted"
    api.post(a_url + "start-review/", {}, format="json")
    own = api.post(a_url + "approve/", {}, format="json")
    assert own.status_code == 403 and "someone else" in own.json()["detail"]
    reviewer = api_for(user=member(org_a, Role.OFFICER))
    reject = reviewer.post(a_url + "reject/", {}, format="json")
    assert reject.status_code == 400 and "note" in reject.json()["errors"]
    ok = reviewer.post(a_url + "approve/", {}, format="json")
    assert ok.json()["rating"] == "low" and ok.json()["score"] == "100.0"


def test_question_set_versions_through_the_api(api, org_a, officer, member, api_for):
    api.post(base(org_a, "suppliers/"), {"name": "Acme", "owner": officer.pk}, format="json")
    starter = api.get(base(org_a, "question-sets/")).json()["results"][0]
    detail = api.get(base(org_a, f"question-sets/{starter['id']}/")).json()
    assert len(detail["questions"]) == starter["question_count"] >= 15
    first_q = detail["questions"][0]
    locked = api.patch(
        base(org_a, f"supplier-questions/{first_q['id']}/"), {"weight": 9}, format="json"
    )
    assert locked.status_code == 409
    draft = api.post(base(org_a, f"question-sets/{starter['id']}/new-version/"))
    assert draft.status_code == 201 and draft.json()["version"] == 2
    new_q = api.post(
        base(org_a, "supplier-questions/"),
        {
            "question_set": draft.json()["id"],
            "group": "security",
            "answer_type": "choice",
            "good_answer": "yes",
            "text": "Do you run a bug bounty programme?",
            "weight": 2,
            "bad_answer_meaning": "Fewer independent eyes on weaknesses.",
        },
        format="json",
    )
    assert new_q.status_code == 201, new_q.json()
    contributor = api_for(user=member(org_a, Role.CONTRIBUTOR))
    assert (
        contributor.post(base(org_a, f"question-sets/{draft.json()['id']}/publish/")).status_code
        == 403
    )
    published = api.post(base(org_a, f"question-sets/{draft.json()['id']}/publish/"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Question.objects is not None and SupplierAnswer is not None
