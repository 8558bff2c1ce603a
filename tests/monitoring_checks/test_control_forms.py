"""The browser forms of a control's monitoring page (ISO/IEC 27001:2022 9.1; evidence as a
record; independent testing as in 5.35): add evidence (a checked file or a link), plan a
control test, record it. Prefilled from what the product knows; the tester who owns the
control is refused in words; an auditor sees no form; another organisation gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from isms.models import Role
from monitoring.checks.control_services import plan_create
from monitoring.checks.models import ControlEvidence, ControlTestResult, MonitoringPlan
from risks.models import SoARow
from tests.risks.factories import actor_for, make_soa_row
from tests.suppliers.factories import PDF_BYTES

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def control(org_a, in_tenant, member):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        row = make_soa_row(org_a)
        SoARow.objects.filter(pk=row.pk).update(owner=owner)
        row.refresh_from_db()
    return row, owner


def base(org, row) -> str:
    return f"/o/{org.slug}/monitoring/checks/controls/{row.pk}/"


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_evidence_form_is_prefilled_and_adds_a_link(org_a, in_tenant, control, member, client_for):
    row, owner = control
    client = client_for(member(org_a, Role.OFFICER))
    form = client.get(base(org_a, row) + "evidence/add/")
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["owner"] == owner.pk and initial["collected_on"] == TODAY
    response = client.post(
        base(org_a, row) + "evidence/add/",
        {
            "kind": "link",
            "title": "MFA report",
            "url": "https://reports.example/mfa",
            "collected_on": TODAY.isoformat(),
            "valid_until": "",
            "owner": owner.pk,
            "source": "IdP",
        },
    )
    assert response.status_code == 302 and response["Location"] == base(org_a, row)
    assert flash(response) == ["Evidence “MFA report” added."]
    with in_tenant(org_a):
        stored = ControlEvidence.objects.get()
    assert (stored.owner, stored.source, stored.soa_row_id) == (owner, "IdP", row.pk)


def test_evidence_files_go_through_the_upload_checks(org_a, in_tenant, control, member, client_for):
    row, owner = control
    client = client_for(member(org_a, Role.OFFICER))
    data = {
        "kind": "file",
        "title": "Policy scan",
        "collected_on": TODAY.isoformat(),
        "owner": owner.pk,
    }
    bad = client.post(
        base(org_a, row) + "evidence/add/",
        {**data, "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00binary", "application/pdf")},
    )
    assert bad.status_code == 400 and bad.context["form"].errors.get("file")
    good = client.post(
        base(org_a, row) + "evidence/add/",
        {**data, "file": SimpleUploadedFile("scan.pdf", PDF_BYTES, "application/pdf")},
    )
    assert good.status_code == 302
    with in_tenant(org_a):
        (stored,) = ControlEvidence.objects.all()
    assert stored.file_name == "scan.pdf" and stored.file.name.startswith(f"org-{org_a.pk}/")


def test_a_plan_whose_tester_owns_the_control_is_refused_in_words(
    org_a, in_tenant, control, member, client_for
):
    row, owner = control
    client = client_for(member(org_a, Role.OFFICER))
    data = {
        "measured": "MFA on admin accounts",
        "method": "Sample 25 admin sign-ins",
        "test_type": "operating",
        "interval_days": 90,
        "next_due": TODAY.isoformat(),
        "tester": owner.pk,
        "analyst": owner.pk,
        "target": "100%",
        "tolerance": "none",
    }
    refused = client.post(base(org_a, row) + "plans/add/", data)
    assert refused.status_code == 400
    assert "cannot be the control's owner" in refused.context["form"].errors["tester"][0]
    tester = member(org_a, Role.CONTRIBUTOR)
    saved = client.post(base(org_a, row) + "plans/add/", {**data, "tester": tester.pk})
    assert saved.status_code == 302 and "saved; the next test is due" in flash(saved)[0]
    with in_tenant(org_a):
        plan = MonitoringPlan.objects.get()
    assert (plan.tester, plan.analyst, plan.target) == (tester, owner, "100%")
    edit = client.get(base(org_a, row) + f"plans/{plan.pk}/edit/")
    assert edit.context["form"].initial["measured"] == "MFA on admin accounts"
    changed = client.post(base(org_a, row) + f"plans/{plan.pk}/edit/", {**data, "tester": owner.pk})
    assert changed.status_code == 400 and "tested independently" in changed.content.decode()
    assert "cannot be the control" in changed.content.decode()


def test_only_the_plans_tester_records_a_result(org_a, in_tenant, control, member, client_for):
    row, _ = control
    tester = member(org_a, Role.CONTRIBUTOR)
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        plan = plan_create(
            actor=actor_for(org_a, user=officer),
            soa_row=row,
            measured="Leavers",
            method="Sample tickets",
            tester=tester,
        )
    url = base(org_a, row) + f"plans/{plan.pk}/test/"
    page = client_for(officer).get(url)
    assert page.context["refused"].startswith("Only the plan's tester")
    assert 'id="form-refused"' in page.content.decode()
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert client_for(officer).post(url, {"result": "effective"}).status_code == 403
    response = client_for(tester).post(
        url, {"result": "partial", "sample": "25 of 310 tickets", "notes": "2 late"}
    )
    assert response.status_code == 302
    assert flash(response)[0].startswith("Test recorded: Partially effective at ")
    assert "The next test is due" in flash(response)[0]
    with in_tenant(org_a):
        result = ControlTestResult.objects.get()
    assert (result.tester, result.result, result.plan_id) == (tester, "partial", plan.pk)


def test_an_auditor_sees_no_form(org_a, in_tenant, control, member, client_for):
    row, _ = control
    auditor = client_for(member(org_a, Role.AUDITOR, expires_at=timezone.now() + timedelta(days=5)))
    page = auditor.get(base(org_a, row)).content.decode()
    assert 'id="add-evidence"' not in page and 'id="add-plan"' not in page
    assert auditor.get(base(org_a, row) + "evidence/add/").status_code == 403
    assert auditor.get(base(org_a, row) + "plans/add/").status_code == 403
    officer_page = client_for(member(org_a, Role.OFFICER)).get(base(org_a, row)).content.decode()
    assert 'id="add-evidence"' in officer_page and 'id="add-plan"' in officer_page


def test_another_organisations_control_is_not_found(org_a, org_b, control, member, client_for):
    row, _ = control
    stranger = client_for(member(org_b, Role.OFFICER))
    assert stranger.get(base(org_b, row) + "evidence/add/").status_code == 404
    posted = stranger.post(base(org_b, row) + "evidence/add/", {"kind": "link", "title": "x"})
    assert posted.status_code == 404
