"""What an evidence pack says beyond the first sections (issue 21's content list), read back
from the PDF and its CSV registers: each control's latest test result and trend (ISO/IEC
27001:2022 9.1), fundamental rights impact assessments (EU AI Act Art. 27), suppliers'
certifications (control 5.22) and contract clauses (5.20), incidents' reporting clocks
(GDPR Art. 33, NIS2 Art. 23), and the auditors' evidence requests with the answers given by
the as-of time (9.2)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from monitoring.checks.models import ControlTestResult
from monitoring.engagements.models import EvidenceAnswer
from monitoring.incidents.models import ReportingClock
from monitoring.packs import services
from monitoring.packs.bundle import pdf_attachments
from monitoring.packs.sections import SECTIONS
from suppliers.models import SupplierCertification, SupplierContractClause
from tests.engagements.factories import make_request
from tests.incidents.factories import actor_for, make_incident
from tests.packs.factories import iso_soa_row
from tests.risks.factories import make_fria
from tests.suppliers.factories import make_supplier

pytestmark = pytest.mark.django_db


def _register(files: dict, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[f"registers/{name}.csv"].decode())))


@pytest.fixture
def pack_text(org_a, in_tenant):
    now = timezone.now()
    with in_tenant(org_a):
        row = iso_soa_row(org_a, ref="8.15", title="Logging")
        for days, result in ((30, "ineffective"), (20, "partial"), (10, "effective")):
            ControlTestResult.objects.create(
                soa_row=row, result=result, tested_at=now - timedelta(days=days)
            )
        fria = make_fria(org_a)
        supplier = make_supplier(org_a)
        SupplierCertification.objects.create(
            supplier=supplier,
            type=SupplierCertification.Type.ISO42001,
            issuer="Cert Body Ltd",
            valid_until=timezone.localdate() - timedelta(days=3),
        )
        SupplierContractClause.objects.create(
            supplier=supplier,
            clause="audit_rights",
            status=SupplierContractClause.Status.PRESENT,
            reference="MSA 12.3",
        )
        running = make_incident(org_a, title="Prompt leak")
        ReportingClock.objects.create(
            incident=running,
            regime="gdpr_art33",
            article="GDPR Art. 33(1)",
            due_at=now + timedelta(hours=70),
        )
        late = make_incident(org_a, title="Model outage")
        ReportingClock.objects.create(
            incident=late,
            regime="nis2_early_warning",
            article="NIS2 Art. 23(4)(a)",
            due_at=now - timedelta(hours=1),
        )
        request = make_request(org_a)
        EvidenceAnswer.objects.create(request=request, note="Minutes of the access review")
        after = EvidenceAnswer.objects.create(request=request, note="Answered after the date")
        as_of = timezone.now()
        EvidenceAnswer.objects.filter(pk=after.pk).update(created=as_of + timedelta(minutes=5))
        pack = services.pack_request(
            actor=actor_for(org_a),
            frameworks=["iso27001-2022"],
            sections=["evidence", "ai", "suppliers", "improvement", "requests"],
            as_of=as_of,
        )
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=1) == "done"
    with in_tenant(org_a):
        pack.refresh_from_db()
        pdf = pack.pdf.open("rb").read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split()), pdf_attachments(pdf), fria, supplier


def test_evidence_index_gives_each_controls_latest_test_and_trend(pack_text):
    text, files, _, _ = pack_text
    assert "Latest test" in text and "Trend (last five)" in text
    rows = _register(files, "evidence_index")
    header, logging = rows[0], next(r for r in rows if r[0] == "8.15")
    assert logging[header.index("Latest test")].startswith("Effective (")
    assert logging[header.index("Trend (last five)")] == (
        "improving: ineffective → partially effective → effective"
    )
    assert "improving" in text


def test_frias_suppliers_assurance_and_incident_clocks_are_in_the_pack(pack_text):
    text, files, fria, supplier = pack_text
    for title in (
        "Fundamental rights impact assessments (EU AI Act Art. 27)",
        "Supplier certifications and attestations (control 5.22)",
        "Supplier contract clauses (control 5.20)",
        "Incident reporting clocks",
    ):
        assert title in text
    assert str(fria.asset) in " ".join(r[0] for r in _register(files, "frias"))
    certification = _register(files, "supplier_certifications")[1]
    assert certification[0] == supplier.name and certification[1] == "ISO/IEC 42001"
    assert "expired at the as-of date" in certification[3]
    clause = _register(files, "supplier_contract_clauses")[1]
    assert clause[2:4] == ["Present", "MSA 12.3"]
    clocks = {r[0]: r[-1] for r in _register(files, "incident_clocks")[1:]}
    assert clocks == {"Model outage": "overdue", "Prompt leak": "running"}
    assert "overdue" in text and "MSA 12.3" in text


def test_evidence_requests_and_answers_as_of_the_date(pack_text):
    text, files, _, _ = pack_text
    assert "Auditor evidence requests and answers" in text
    assert "Minutes of the access review" in text
    assert "Answered after the date" not in text
    (row,) = _register(files, "evidence_requests")[1:]
    assert "Show the access review" in row[1] and "Answered after" not in row[-1]


def test_the_new_section_is_offered_on_the_request_form():
    assert SECTIONS["requests"].title == "Auditor evidence requests and answers"
