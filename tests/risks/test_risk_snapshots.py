"""Snapshots of the risk register (ISO/IEC 27001:2022 8.2) and the risk treatment plan (8.3):
approved by someone other than whoever took them (5.3 segregation of duties), immutable in
the database, diffable as sets with labels, exported as CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from django.db import DatabaseError, connections, transaction
from openpyxl import load_workbook

from isms.errors import ErrorCode, NotPermitted
from risks.models import RiskSnapshot
from risks.services import register
from risks.services import snapshots as services
from risks.tasks import render_risk_snapshot_pdf
from tests.risks.factories import library_control

pytestmark = pytest.mark.django_db


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def page(org, path: str = "") -> str:
    return f"/o/{org.slug}/risks/{path}"


@pytest.fixture
def risks(org_a, in_tenant, people):
    control = library_control("T.1")
    with in_tenant(org_a):
        leak = register.risk_create(
            actor=people.officer_actor,
            title="Prompts leak customer data",
            category="data_leakage",
            owner=people.contributor,
            inherent_likelihood=4,
            inherent_impact=4,
            residual_likelihood=2,
            residual_impact=2,
            treatment="mitigate",
            threatens=["confidentiality"],
            controls=[control.pk],
        )
        register.treatment_action_create(
            actor=people.officer_actor,
            risk=leak,
            description="Turn on the DLP rule",
            owner=people.contributor,
        )
        drift = register.risk_create(
            actor=people.officer_actor,
            title="Model drift",
            category="integrity",
            owner=people.contributor,
            inherent_likelihood=2,
            inherent_impact=3,
        )
    return leak, drift


def _code(call) -> str:
    with pytest.raises(NotPermitted) as error:
        call()
    return error.value.code


def test_8_2_register_snapshot_is_taken_then_approved_by_someone_else(
    org_a, in_tenant, people, risks
):
    leak, drift = risks
    with in_tenant(org_a):
        assert (
            _code(lambda: services.snapshot_take(actor=people.contributor_actor, kind="register"))
            == ErrorCode.MISSING_SCOPE
        )
        snapshot = services.snapshot_take(actor=people.officer_actor, kind="register", note="Q1")
        assert (snapshot.number, snapshot.status) == (1, "pending")
        assert [r["ref"] for r in snapshot.rows] == [f"R-{leak.pk}", f"R-{drift.pk}"]
        first = snapshot.rows[0]
        assert (first["inherent"], first["threatens"], first["controls"]) == (
            "4×4 = 16",
            ["confidentiality"],
            [f"{library_control('T.1').framework.code} T.1"],
        )
        # 5.3: whoever took it never approves it; an approver without a part in it does.
        assert (
            _code(lambda: services.snapshot_approve(actor=people.officer_actor, snapshot=snapshot))
            == ErrorCode.SEGREGATION_OF_DUTIES
        )
        assert (
            _code(
                lambda: services.snapshot_approve(actor=people.contributor_actor, snapshot=snapshot)
            )
            == ErrorCode.MISSING_SCOPE
        )
        approved = services.snapshot_approve(
            actor=people.approver_actor, snapshot=snapshot, note="Board pack"
        )
        assert (approved.status, approved.decided_by, approved.decision_note) == (
            "approved",
            people.approver,
            "Board pack",
        )


def test_8_3_treatment_plan_holds_treated_risks_with_their_actions(org_a, in_tenant, people, risks):
    leak, _ = risks
    with in_tenant(org_a):
        plan = services.snapshot_take(actor=people.officer_actor, kind="treatment_plan")
    assert [r["ref"] for r in plan.rows] == [f"R-{leak.pk}"]  # drift has no treatment yet
    assert plan.rows[0]["treatment"] == "mitigate"
    assert plan.rows[0]["actions"] == [
        f"Turn on the DLP rule ({people.contributor.email}; Planned)"
    ]


def test_8_2_snapshots_are_immutable_to_raw_sql(org_a, in_tenant, people, risks):
    with in_tenant(org_a):
        snapshot = services.snapshot_take(actor=people.officer_actor, kind="register")
        services.snapshot_approve(actor=people.approver_actor, snapshot=snapshot)
        for statement in (
            "UPDATE risks_risksnapshot SET rows = '[]'::jsonb WHERE id = %s",
            "UPDATE risks_risksnapshot SET status = 'pending' WHERE id = %s",
            "UPDATE risks_risksnapshot SET decision_note = 'rewritten' WHERE id = %s",
            "DELETE FROM risks_risksnapshot WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute(statement, [snapshot.pk])
        # A pending snapshot's frozen rows cannot change either, only its decision.
        pending = services.snapshot_take(actor=people.officer_actor, kind="register")
        with pytest.raises(DatabaseError), transaction.atomic():
            RiskSnapshot.objects.filter(pk=pending.pk).update(rows=[])
        fresh = RiskSnapshot.objects.get(pk=snapshot.pk)
        assert len(fresh.rows) == 2 and fresh.status == "approved"


def test_8_2_diff_lists_added_removed_changed_risks_with_labels(org_a, in_tenant, people, risks):
    leak, _ = risks
    with in_tenant(org_a):
        first = services.snapshot_take(actor=people.officer_actor, kind="register")
        register.risk_update(
            actor=people.officer_actor,
            risk=leak,
            threatens=["integrity", "confidentiality"],
            treatment="transfer",
        )
        added = register.risk_create(
            actor=people.officer_actor,
            title="Supplier outage",
            category="availability",
            owner=people.contributor,
        )
        second = services.snapshot_take(actor=people.officer_actor, kind="register")
        diff = services.snapshot_diff(first, second)
    assert diff["added"] == [f"R-{added.pk} Supplier outage"] and diff["removed"] == []
    (changed,) = diff["changed"]
    assert changed["ref"] == f"R-{leak.pk}"
    by_label = {c["label"]: c for c in changed["changes"]}
    assert (by_label["Treatment option"]["from"], by_label["Treatment option"]["to"]) == (
        "Mitigate",
        "Transfer",
    )
    assert by_label["Threatens"]["added"] == ["Integrity"]


def test_8_2_diff_of_the_same_set_in_another_order_is_empty():
    from risks.diff import DiffField, diff_rows

    fields = {"threatens": DiffField("Threatens", is_set=True), "title": DiffField("Title")}
    old = [{"ref": "R-1", "title": "A", "threatens": ["integrity", "confidentiality"]}]
    new = [{"ref": "R-1", "title": "A", "threatens": ["confidentiality", "integrity"]}]
    assert diff_rows(old, new, key="ref", name="title", fields=fields) == {
        "added": [],
        "removed": [],
        "changed": [],
    }
    # A key an older snapshot lacks is no change when the newer one holds it empty.
    newer = [dict(new[0], target_date="", evidence_links=[])]
    fields["target_date"] = DiffField("Target date")
    fields["evidence_links"] = DiffField("Evidence links", is_set=True)
    assert diff_rows(old, newer, key="ref", name="title", fields=fields)["changed"] == []


def test_8_2_pdf_is_rendered_by_the_task_and_reads_back(
    org_a, in_tenant, people, risks, client_for, tmp_path
):
    with in_tenant(org_a):
        snapshot = services.snapshot_take(actor=people.officer_actor, kind="register")
        services.snapshot_approve(actor=people.approver_actor, snapshot=snapshot)
    render_risk_snapshot_pdf(organization_id=org_a.pk, snapshot_id=snapshot.pk)
    response = client_for(people.auditor).get(page(org_a, f"snapshots/{snapshot.pk}/export.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "snapshot.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    # Table cells wrap, so the words of a title may come apart in the text.
    assert "Risk register, snapshot 1" in text
    assert all(word in text for word in ("Prompts", "leak", "customer", "drift"))
    assert "8.2" in text and people.approver.email in text
    with in_tenant(org_a):
        stored = RiskSnapshot.objects.get(pk=snapshot.pk)
        assert stored.pdf.name.startswith(f"org/{org_a.pk}/")
        # The PDF is attached once; replacing it is refused like any other change.
        with pytest.raises(DatabaseError), transaction.atomic():
            RiskSnapshot.objects.filter(pk=snapshot.pk).update(pdf="org/x/other.pdf")


def test_8_2_csv_and_xlsx_exports_show_labels(org_a, in_tenant, people, risks, client_for):
    leak, _ = risks
    with in_tenant(org_a):
        snapshot = services.snapshot_take(actor=people.officer_actor, kind="register")
    client = client_for(people.auditor)
    body = client.get(page(org_a, f"snapshots/{snapshot.pk}/export.csv")).content.decode()
    rows = {r["Ref"]: r for r in csv.DictReader(io.StringIO(body))}
    assert rows[f"R-{leak.pk}"]["Category"] == "Data leakage"
    assert rows[f"R-{leak.pk}"]["Threatens"] == "Confidentiality"
    xlsx = client.get(page(org_a, f"snapshots/{snapshot.pk}/export.xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:3] == ["Ref", "Risk", "Category"]
    assert sheet.max_row == 3
    assert client.get(page(org_a, f"snapshots/{snapshot.pk}/export.pdf")).status_code == 404


def test_8_2_api_take_approve_reject_and_diff(org_a, org_b, people, api_for, risks, member):
    officer = api_for(user=people.officer)
    approver = api_for(user=people.approver)
    refused = api_for(user=people.contributor).post(
        url(org_a, "risk-snapshots/"), {"kind": "register"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "missing_scope"
    bad = officer.post(url(org_a, "risk-snapshots/"), {"kind": "everything"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    taken = officer.post(url(org_a, "risk-snapshots/"), {"kind": "register"}, format="json")
    assert taken.status_code == 201 and taken.json()["status"] == "pending"
    snapshot_id = taken.json()["id"]
    own = officer.post(url(org_a, f"risk-snapshots/{snapshot_id}/approve/"), {}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "segregation_of_duties"
    ok = approver.post(url(org_a, f"risk-snapshots/{snapshot_id}/approve/"), {}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    again = approver.post(url(org_a, f"risk-snapshots/{snapshot_id}/approve/"), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    second = officer.post(url(org_a, "risk-snapshots/"), {"kind": "register"}, format="json")
    no_reason = approver.post(
        url(org_a, f"risk-snapshots/{second.json()['id']}/reject/"), {}, format="json"
    )
    assert no_reason.status_code == 400 and "note" in no_reason.json()["errors"]
    diff = officer.get(
        url(org_a, "risk-snapshots/diff/"), {"from": snapshot_id, "to": second.json()["id"]}
    )
    assert diff.status_code == 200 and diff.json() == {"added": [], "removed": [], "changed": []}
    # Another organisation's snapshots are not there for org B's members.
    outsider = api_for(user=member(org_b))
    assert outsider.get(url(org_b, f"risk-snapshots/{snapshot_id}/")).status_code == 404
    assert outsider.get(url(org_b, "risk-snapshots/")).json()["count"] == 0


def test_snapshot_pages(org_a, people, client_for, risks, in_tenant):
    officer = client_for(people.officer)
    taken = officer.post(page(org_a, "snapshots/take/"), {"kind": "treatment_plan"})
    assert taken.status_code == 302
    with in_tenant(org_a):
        snapshot = RiskSnapshot.objects.get()
    detail = officer.get(taken.url).content.decode()
    assert "Risk treatment plan: snapshot #1" in detail and "Approve" not in detail
    approver = client_for(people.approver)
    assert 'formaction="' in approver.get(taken.url).content.decode()
    decided = approver.post(page(org_a, f"snapshots/{snapshot.pk}/approve/"), {"note": "ok"})
    assert decided.status_code == 302
    listing = client_for(people.auditor).get(page(org_a, "snapshots/")).content.decode()
    assert "Risk treatment plan #1" in listing and "Take a snapshot" not in listing


def test_snapshot_lists_have_a_constant_number_of_queries(
    org_a, in_tenant, people, risks, client_for, api_for, django_assert_max_num_queries
):
    with in_tenant(org_a):
        for _ in range(25):
            services.snapshot_take(actor=people.officer_actor, kind="register")
    browser, api = client_for(people.auditor), api_for(user=people.auditor)
    with django_assert_max_num_queries(14):
        listing = browser.get(page(org_a, "snapshots/"))
    assert listing.status_code == 200 and listing.content.decode().count("Risk register #") == 25
    with django_assert_max_num_queries(12):
        assert api.get(url(org_a, "risk-snapshots/")).json()["count"] == 25
