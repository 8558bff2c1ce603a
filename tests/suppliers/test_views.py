from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Role
from suppliers.models import Supplier, SupplierCertification, SupplierContractClause
from suppliers.services import assessments as svc
from tests.factories import MembershipFactory
from tests.suppliers.factories import PDF_BYTES, SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(org_a, member):
    return member(org_a, Role.OFFICER)


@pytest.fixture
def web(officer, client_for):
    return client_for(officer)


def page(org, path=""):
    return f"/o/{org.slug}/suppliers/{path}"


def test_create_supplier_form_errors_then_success(web, org_a, org_b, officer, in_tenant):
    outsider = MembershipFactory(organization=org_b).user
    response = web.post(page(org_a, "new/"), {"name": "", "owner": outsider.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "Select a valid choice" in body
    with in_tenant(org_a):
        assert not Supplier.objects.exists()
    response = web.post(
        page(org_a, "new/"),
        {
            "name": "Chatty",
            "owner": officer.pk,
            "criticality": "high",
            "status": "active",
            "ai_services": ["ai_api"],
        },
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        supplier = Supplier.objects.get()
    detail = web.get(response["Location"])
    assert detail.status_code == 200 and "Chatty" in detail.content.decode()
    for tab in ("assessments", "certifications", "contract", "history"):
        assert web.get(page(org_a, f"{supplier.pk}/?tab={tab}")).status_code == 200
    history = web.get(page(org_a, f"{supplier.pk}/?tab=history")).content.decode()
    assert "Created" in history


def test_list_filters_and_other_org_404(web, org_a, org_b, officer, in_tenant):
    today = timezone.localdate()
    with in_tenant(org_a):
        ai = SupplierFactory(owner=officer, name="Vision AI")
        SupplierFactory(owner=officer, name="Plain Office Supplies", ai_services=[])
        SupplierCertification.objects.create(
            supplier=ai, type="iso27001", valid_until=today + timedelta(days=5)
        )
    with in_tenant(org_b):
        theirs = SupplierFactory(owner=MembershipFactory(organization=org_b).user, name="Bravo AI")
    body = web.get(page(org_a), {"ai": "true"}).content.decode()
    assert "Vision AI" in body and "Plain Office" not in body and "Bravo AI" not in body
    assert "1 expiring" in body
    body = web.get(page(org_a), {"cert_expiring_within": "3"}).content.decode()
    assert "Vision AI" not in body
    rows = web.get(page(org_a), {"q": "plain"}, HTTP_HX_REQUEST="true")
    assert "<html" not in rows.content.decode() and "Plain Office" in rows.content.decode()
    assert web.get(page(org_a), {"criticality": "bogus"}).status_code == 400
    assert web.get(page(org_a, f"{theirs.pk}/")).status_code == 404


def test_list_query_count_is_the_same_at_10_and_300(web, org_a, officer, in_tenant):
    def make(count, start):
        with in_tenant(org_a):
            Supplier.objects.bulk_create(
                [
                    Supplier(organization=org_a, name=f"S{start + i:04}", owner=officer)
                    for i in range(count)
                ]
            )

    make(10, 0)
    with CaptureQueriesContext(connection) as small:
        assert web.get(page(org_a)).status_code == 200
    make(290, 10)
    with CaptureQueriesContext(connection) as large:
        response = web.get(page(org_a))
    assert "300 suppliers" in response.content.decode()
    assert len(large) == len(small)


def test_csv_import_all_or_nothing_reports_every_bad_row(web, org_a, officer, in_tenant):
    csv_text = (
        "name,owner_email,criticality,ai_services,next_reassessment_date\n"
        f"Good One,{officer.email},high,ai_api,2027-01-01\n"
        f"Bad Crit,{officer.email},extreme,,\n"
        "No Owner,nobody@example.test,low,,\n"
        f"Good One,{officer.email},low,telepathy,31/12/2026\n"
    )
    upload = SimpleUploadedFile("s.csv", csv_text.encode(), content_type="text/csv")
    response = web.post(page(org_a, "import/"), {"file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported" in body
    for line, field in [
        (3, "criticality"),
        (4, "owner_email"),
        (5, "name"),
        (5, "ai_services"),
        (5, "next_reassessment_date"),
    ]:
        assert f"<tr><td>{line}</td><td>{field}</td>" in body, (line, field)
    with in_tenant(org_a):
        assert not Supplier.objects.exists()
    good = f"name,owner_email\nAlpha,{officer.email}\nBeta,{officer.email}\n"
    response = web.post(
        page(org_a, "import/"), {"file": SimpleUploadedFile("s.csv", good.encode())}
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        assert set(Supplier.objects.values_list("name", flat=True)) == {"Alpha", "Beta"}


def test_export_csv_and_xlsx(web, org_a, officer, in_tenant):
    with in_tenant(org_a):
        SupplierFactory(owner=officer, name="=cmd|calc", ai_services=["models"])
        SupplierFactory(owner=officer, name="Plain", ai_services=[])
    response = web.get(page(org_a, "export/"), {"ai": "true", "as": "csv"})
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "suppliers-alpha.csv" in response["Content-Disposition"]
    lines = text.strip().splitlines()
    assert lines[0].startswith("name,website") and len(lines) == 2
    assert lines[1].startswith("'=cmd|calc")
    xlsx = web.get(page(org_a, "export/"), {"as": "xlsx"})
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:2] == ["name", "website"]
    assert sheet.max_row == 3


def test_certification_upload_and_contract_clauses_form(web, org_a, officer, in_tenant):
    with in_tenant(org_a):
        from suppliers.services.register import supplier_create

        supplier = supplier_create(actor=officer_actor(org_a, officer), name="Acme", owner=officer)
    bad = web.post(
        page(org_a, f"{supplier.pk}/certifications/"),
        {
            "type": "iso27001",
            "valid_until": "2030-01-01",
            "file": SimpleUploadedFile("x.exe", b"MZ"),
        },
    )
    # A POST-only form of the page: refused, it redirects back to its tab with the reason.
    assert bad.status_code == 302 and bad["Location"].endswith("?tab=certifications")
    assert "Only these file types" in web.get(bad["Location"]).content.decode()
    ok = web.post(
        page(org_a, f"{supplier.pk}/certifications/"),
        {
            "type": "iso27001",
            "valid_until": "2030-01-01",
            "file": SimpleUploadedFile("c.pdf", PDF_BYTES),
        },
    )
    assert ok.status_code == 302
    with in_tenant(org_a):
        cert = SupplierCertification.objects.get()
    assert cert.file.name.startswith(f"org-{org_a.pk}/")
    download = web.get(page(org_a, f"certifications/{cert.pk}/file/"))
    assert b"".join(download.streaming_content) == PDF_BYTES
    with in_tenant(org_a):
        clauses = list(SupplierContractClause.objects.filter(supplier=supplier))
    data = {f"{c.clause}-status": "missing" for c in clauses}
    data["audit_rights-status"] = "present"  # no reference: refused, nothing saved
    data["no_training-status"] = "present"
    data["no_training-reference"] = "MSA §9"
    response = web.post(page(org_a, f"{supplier.pk}/contract/"), data, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[0][0].endswith("?tab=contract")
    assert "Nothing was changed" in body and "Audit rights" in body
    with in_tenant(org_a):
        assert not SupplierContractClause.objects.filter(status="present").exists()
    data["audit_rights-reference"] = "MSA §14"
    assert web.post(page(org_a, f"{supplier.pk}/contract/"), data).status_code == 302
    with in_tenant(org_a):
        assert SupplierContractClause.objects.filter(status="present").count() == 2


def test_review_page_comments_and_approval(org_a, member, client_for, in_tenant):
    officer, reviewer = member(org_a, Role.OFFICER), member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        actor = officer_actor(org_a, officer)
        supplier = SupplierFactory(owner=officer, criticality="critical")
        assessment = svc.assessment_create(actor=actor, supplier=supplier)
        svc.assessment_send(actor=actor, assessment=assessment)
        for answer in assessment.answers.select_related("question"):
            q = answer.question
            values = (
                {"choice": q.good_answer}  # every answer good, knock-outs included
                if q.answer_type == "choice"
                else {"date": timezone.localdate()}
                if q.answer_type == "date"
                else {"text": "EU"}
            )
            svc.answer_set(actor=actor, answer=answer, **values)
        svc.assessment_submit(actor=actor, assessment=assessment)
        answer = assessment.answers.first()
    web = client_for(reviewer)
    url = page(org_a, f"assessments/{assessment.pk}/")
    assert "Start reviewing" in web.get(url).content.decode()
    transition = page(org_a, f"assessments/{assessment.pk}/transition/")
    refused = web.post(transition, {"action": "approve"}, follow=True)
    assert refused.redirect_chain == [(url, 302)]  # invalid_transition: not under review yet
    assert "Nothing was changed" in refused.content.decode()
    assert web.post(transition, {"action": "start_review"}).status_code == 302
    comment = web.post(
        page(org_a, f"answers/{answer.pk}/comments/"),
        {"text": "Evidence please"},
        HTTP_HX_REQUEST="true",
    )
    assert comment.status_code == 200 and "Evidence please" in comment.content.decode()
    no_note = web.post(transition, {"action": "reject"}, follow=True)
    assert no_note.redirect_chain == [(url, 302)]
    assert "Nothing was changed" in no_note.content.decode()
    # The reviewer is not offered, and may not take, the decision (segregation of duties).
    reviewer_page = web.get(url).content.decode()
    assert 'value="approve"' not in reviewer_page and 'id="decision-refused"' in reviewer_page
    refused = web.post(transition, {"action": "approve", "note": "ok"}, follow=True)
    assert "segregation of duties" in refused.content.decode()
    approver = client_for(member(org_a, Role.OFFICER))
    assert 'value="approve"' in approver.get(url).content.decode()
    approved = approver.post(transition, {"action": "approve", "note": "ok"}, follow=True)
    assert "Assessment approved." in approved.content.decode()
    body = web.get(url).content.decode()
    assert "Approved" in body and 'id="assessment-rating">Low<' in body
    with in_tenant(org_a):
        supplier.refresh_from_db()
    assert supplier.rating == "low"
    assert supplier.next_reassessment_date == svc.reassessment_date(
        "critical", timezone.localdate()
    )
    auditor = client_for(member(org_a, Role.AUDITOR))
    assert auditor.get(url).status_code == 200
    assert auditor.post(transition, {"action": "approve"}).status_code == 403


def test_officer_issues_and_revokes_a_link_shown_once(web, org_a, officer, in_tenant):
    with in_tenant(org_a):
        actor = officer_actor(org_a, officer)
        assessment = svc.assessment_create(actor=actor, supplier=SupplierFactory(owner=officer))
    created = web.post(page(org_a, f"assessments/{assessment.pk}/links/"), {"valid_days": 5})
    assert created.status_code == 302  # not sent yet: refused, back to the page with why
    web.post(page(org_a, f"assessments/{assessment.pk}/transition/"), {"action": "send"})
    created = web.post(page(org_a, f"assessments/{assessment.pk}/links/"), {"valid_days": 5})
    assert created.status_code == 200
    import re

    link = re.search(r'id="portal-link">([^<]+)<', created.content.decode()).group(1)
    path = link.split("testserver", 1)[1]
    from django.test import Client

    assert Client().get(path).status_code == 200
    assert path not in web.get(page(org_a, f"assessments/{assessment.pk}/")).content.decode()
    with in_tenant(org_a):
        link_pk = assessment.portal_links.get().pk
    web.post(page(org_a, f"links/{link_pk}/revoke/"))
    assert Client().get(path).status_code == 404


def test_home_figures(web, org_a, officer, in_tenant):
    with in_tenant(org_a):
        SupplierFactory(owner=officer, name="AI one")
        s = SupplierFactory(owner=officer, name="Not AI", ai_services=[])
        SupplierCertification.objects.create(
            supplier=s, type="iso27001", valid_until=timezone.localdate() + timedelta(days=10)
        )
    body = web.get(f"/o/{org_a.slug}/").content.decode()
    assert "AI suppliers" in body and "Supplier assessments awaiting review" in body
    assert "Supplier certificates expiring" in body


def test_demo_data_is_idempotent(db):
    from isms.demo import load_demo
    from isms.tenancy import tenant_context

    context = load_demo()
    with tenant_context(context.organization.pk):
        first = (Supplier.objects.count(), SupplierCertification.objects.count())
        statuses = set(Supplier.objects.values_list("assessments__status", flat=True))
        assert {"approved", "submitted"} <= statuses
        assert Supplier.objects.filter(assessments__gap_count__gt=0).exists()
    load_demo()
    with tenant_context(context.organization.pk):
        assert (Supplier.objects.count(), SupplierCertification.objects.count()) == first == (4, 3)


def test_edit_form_keeps_the_stored_dates(web, org_a, officer, in_tenant):
    """The date picker reads ISO dates only: the edit form shows the stored reassessment date
    (it used to render 02/12/2027, which the picker shows empty and saving then blanked)."""
    from datetime import date

    with in_tenant(org_a):
        supplier = SupplierFactory(owner=officer, next_reassessment_date=date(2027, 12, 2))
    form = web.get(page(org_a, f"{supplier.pk}/edit/")).content.decode()
    assert 'value="2027-12-02"' in form
    data = {
        "name": supplier.name,
        "owner": officer.pk,
        "criticality": supplier.criticality,
        "status": supplier.status,
        "next_reassessment_date": "2027-12-02",
    }
    saved = web.post(page(org_a, f"{supplier.pk}/edit/"), data, follow=True)
    assert saved.redirect_chain[0][0].endswith(f"/suppliers/{supplier.pk}/")
    assert f"Supplier {supplier.name} updated." in saved.content.decode()
    with in_tenant(org_a):
        supplier.refresh_from_db()
    assert supplier.next_reassessment_date == date(2027, 12, 2)
