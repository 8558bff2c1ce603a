"""The risks API: status codes with bodies, segregation of duties, the gate, tenancy, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset
from isms.models import Role
from risks.models import Risk
from risks.services import change as gate
from risks.services import register
from tests.assets.factories import AssetFactory, make_asset
from tests.risks.factories import (
    RiskFactory,
    designate_top_management,
    library_control,
    many_risks,
)

pytestmark = pytest.mark.django_db


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def test_create_and_patch_a_risk(org_a, people, api_for, pilot_tool):
    client = api_for(user=people.officer)
    response = client.post(
        url(org_a, "risks/"),
        {
            "title": "Chat transcripts retained by the vendor",
            "category": "privacy",
            "owner": people.contributor.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "assets": [pilot_tool.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["inherent_score"], body["inherent_band"], body["status"]) == (
        16,
        "critical",
        "open",
    )
    assert body["assets"] == [pilot_tool.pk]
    bad = client.patch(url(org_a, f"risks/{body['id']}/"), {"residual_impact": 9}, format="json")
    assert bad.status_code == 400
    assert (
        "residual_impact" in bad.json()["errors"] or "residual_likelihood" in bad.json()["errors"]
    )
    ok = client.patch(
        url(org_a, f"risks/{body['id']}/"),
        {"residual_likelihood": 2, "residual_impact": 2, "treatment": "mitigate"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["residual_band"] == "low"
    # The write answers carry the tag a GET then gives (tagged from the body: no re-read).
    detail = client.get(url(org_a, f"risks/{body['id']}/"))
    assert ok["ETag"] == detail["ETag"] and ok.json() == detail.json()
    assert response["ETag"] != ok["ETag"]


def test_risk_status_moves_and_refusals(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        risk = RiskFactory(organization=org_a, owner=people.contributor)
    client = api_for(user=people.officer)
    accepted = client.post(
        url(org_a, f"risks/{risk.pk}/status/"), {"status": "accepted"}, format="json"
    )
    assert accepted.status_code == 409 and "acceptance" in accepted.json()["detail"]
    treating = client.post(
        url(org_a, f"risks/{risk.pk}/status/"), {"status": "treating"}, format="json"
    )
    assert treating.status_code == 409 and "treatment" in treating.json()["errors"]
    closed = client.post(
        url(org_a, f"risks/{risk.pk}/status/"), {"status": "closed"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(
        url(org_a, f"risks/{risk.pk}/status/"), {"status": "treating"}, format="json"
    )
    assert again.status_code == 409 and "cannot move from Closed" in again.json()["detail"]
    other = api_for(user=people.other)
    refused = other.post(url(org_a, f"risks/{risk.pk}/status/"), {"status": "open"}, format="json")
    assert refused.status_code == 403
    assert (
        other.patch(url(org_a, f"risks/{risk.pk}/"), {"title": "x"}, format="json").status_code
        == 403
    )


def test_a_contributor_risk_owner_accepts_via_api_a_non_owner_cannot(
    org_a, people, api_for, in_tenant
):
    """ISO/IEC 27001:2022 6.1.3 f) through the API: the owner (a contributor) accepts; an
    officer or admin who does not own the risk gets 403 `permission_denied`."""
    with in_tenant(org_a):
        risk = RiskFactory(
            organization=org_a,
            owner=people.contributor,
            inherent_likelihood=3,
            inherent_impact=3,
            residual_likelihood=2,
            residual_impact=2,
            treatment="mitigate",
        )
    officer = api_for(user=people.officer)
    expires = (timezone.localdate() + timedelta(days=60)).isoformat()
    missing = officer.post(
        url(org_a, "risk-acceptances/"), {"risk": risk.pk, "expires_on": expires}, format="json"
    )
    assert missing.status_code == 400 and "rationale" in missing.json()["errors"]
    created = officer.post(
        url(org_a, "risk-acceptances/"),
        {"risk": risk.pk, "rationale": "Pilot only", "expires_on": expires},
        format="json",
    )
    assert created.status_code == 201, created.content
    acceptance_id = created.json()["id"]
    duplicate = officer.post(
        url(org_a, "risk-acceptances/"),
        {"risk": risk.pk, "rationale": "Again", "expires_on": expires},
        format="json",
    )
    assert duplicate.status_code == 409
    approve = url(org_a, f"risk-acceptances/{acceptance_id}/approve/")
    for user in (people.officer, people.admin, people.other, people.approver):
        refused = api_for(user=user).post(approve, {}, format="json")
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    owner = api_for(user=people.contributor)
    no_note = owner.post(
        url(org_a, f"risk-acceptances/{acceptance_id}/reject/"), {"note": ""}, format="json"
    )
    assert no_note.status_code == 400 and "note" in no_note.json()["errors"]
    approved = owner.post(approve, {"note": "ok"}, format="json")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert (body["status"], body["decided_by"], body["accepted_score"]) == (
        "approved",
        people.contributor.pk,
        4,
    )
    twice = owner.post(
        url(org_a, f"risk-acceptances/{acceptance_id}/reject/"), {"note": "no"}, format="json"
    )
    assert twice.status_code == 409
    risk_body = officer.get(url(org_a, f"risks/{risk.pk}/")).json()
    assert risk_body["status"] == "accepted" and risk_body["acceptance_expires_on"] == expires
    assert risk_body["treatment"] == "mitigate"  # accepting is not a treatment


def test_above_appetite_acceptance_needs_the_authority_via_api(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        risk = RiskFactory(
            organization=org_a, owner=people.contributor, inherent_likelihood=4, inherent_impact=4
        )
    owner = api_for(user=people.contributor)
    created = owner.post(
        url(org_a, "risk-acceptances/"),
        {
            "risk": risk.pk,
            "rationale": "Pilot only",
            "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        },
        format="json",
    )
    base = url(org_a, f"risk-acceptances/{created.json()['id']}/")
    refused = owner.post(base + "approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "authority_required"
    not_top = api_for(user=people.admin).post(base + "endorse/", {}, format="json")
    assert not_top.status_code == 403 and not_top.json()["code"] == "authority_required"
    endorsed = api_for(user=people.board).post(base + "endorse/", {}, format="json")
    assert endorsed.status_code == 200 and endorsed.json()["authority"] == people.board.pk
    accepted = owner.post(base + "approve/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["above_appetite"] is True


def test_plan_approval_and_implausible_input_via_api(org_a, people, api_for, in_tenant):
    """6.1.3 f) plan approval by the owner; 6.1.2 implausible input refused with codes."""
    officer = api_for(user=people.officer)
    base = {"title": "Prompts leak", "category": "data_leakage", "owner": people.contributor.pk}
    higher = officer.post(
        url(org_a, "risks/"),
        {
            **base,
            "inherent_likelihood": 2,
            "inherent_impact": 2,
            "residual_likelihood": 3,
            "residual_impact": 3,
        },
        format="json",
    )
    assert higher.status_code == 400 and higher.json()["code"] == "invalid"
    assert "residual_likelihood" in higher.json()["errors"]
    past = officer.post(
        url(org_a, "risks/"),
        {**base, "next_review_date": (timezone.localdate() - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400 and "next_review_date" in past.json()["errors"]
    risk = officer.post(
        url(org_a, "risks/"),
        {**base, "inherent_likelihood": 3, "inherent_impact": 3, "treatment": "mitigate"},
        format="json",
    ).json()
    action = officer.post(
        url(org_a, "treatment-actions/"),
        {
            "risk": risk["id"],
            "description": "DLP rule",
            "owner": people.contributor.pk,
            "due_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert action.status_code == 201 and action.json()["overdue"] is True
    assert officer.get(url(org_a, f"risks/{risk['id']}/")).json()["overdue_actions"] == 1
    plan = url(org_a, f"risks/{risk['id']}/approve-plan/")
    refused = officer.post(plan, {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    approved = api_for(user=people.contributor).post(plan, {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["plan_approved_by"] == people.contributor.pk
    assert approved.json()["treatment"] == "mitigate"


def test_criteria_admin_only(org_a, people, api_for, in_tenant):
    """Managers change the criteria; the appetite is top management's (a designation)."""
    listing = api_for(user=people.auditor).get(url(org_a, "risk-criteria/"))
    assert listing.status_code == 200 and listing.json()["results"][0]["max_score"] == 25
    criteria_id = listing.json()["results"][0]["id"]
    target = url(org_a, f"risk-criteria/{criteria_id}/")
    denied = api_for(user=people.officer).patch(target, {"acceptance_threshold": 12}, format="json")
    assert denied.status_code == 403
    not_top = api_for(user=people.admin).patch(target, {"acceptance_threshold": 12}, format="json")
    assert not_top.status_code == 403 and not_top.json()["code"] == "missing_scope"
    with in_tenant(org_a):
        designate_top_management(org_a, people.admin)
    bad = api_for(user=people.admin).patch(target, {"acceptance_threshold": 30}, format="json")
    assert bad.status_code == 400 and "acceptance_threshold" in bad.json()["errors"]
    ok = api_for(user=people.admin).patch(target, {"acceptance_threshold": 12}, format="json")
    assert ok.status_code == 200 and ok.json()["acceptance_threshold"] == 12


def _change_request(client, org, asset, approver):
    return client.post(
        url(org, "ai-change-requests/"),
        {
            "title": "Roll out the support assistant",
            "justification": "Faster replies",
            "asset": asset.pk,
            "data_going_in": "Tickets",
            "affected_people": "Customers",
            "approver": approver.pk,
        },
        format="json",
    )


def test_change_gate_through_the_api(org_a, people, api_for, pilot_tool):
    contributor = api_for(user=people.contributor)
    created = _change_request(contributor, org_a, pilot_tool, people.approver)
    assert created.status_code == 201, created.content
    cr = created.json()["id"]
    approver = api_for(user=people.approver)
    checklist = approver.get(url(org_a, f"ai-change-requests/{cr}/checklist/")).json()
    assert checklist["ready"] is False and checklist["items"][0]["status"] == "failed"
    early = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert early.status_code == 409 and "Not every required step" in early.json()["detail"]
    officer = api_for(user=people.officer)
    risk = officer.post(
        url(org_a, "risks/"),
        {
            "title": "Leak",
            "category": "data_leakage",
            "owner": people.contributor.pk,
            "inherent_likelihood": 2,
            "inherent_impact": 2,
            "assets": [pilot_tool.pk],
        },
        format="json",
    )
    assert risk.status_code == 201
    ia = officer.post(
        url(org_a, "impact-assessments/"),
        {
            "asset": pilot_tool.pk,
            "change_request": cr,
            "intended_purpose": "Draft replies",
            "affected_people": "Customers",
            "human_oversight_measures": "Agent reviews",
            "foreseeable_misuse": "Replies sent unread",
            "transparency_duties": ["chatbot"],
            "harms": [
                {
                    "to": "individuals",
                    "description": "Wrong advice",
                    "severity": "low",
                    "likelihood": "low",
                }
            ],
        },
        format="json",
    )
    assert ia.status_code == 201, ia.content
    assert ia.json()["risk_tier"] == "limited" and ia.json()["obligations"]
    own = officer.post(
        url(org_a, f"impact-assessments/{ia.json()['id']}/approve/"), {}, format="json"
    )
    assert own.status_code == 403
    approved_ia = approver.post(
        url(org_a, f"impact-assessments/{ia.json()['id']}/approve/"), {}, format="json"
    )
    assert approved_ia.status_code == 200
    immutable = officer.patch(
        url(org_a, f"impact-assessments/{ia.json()['id']}/"),
        {"intended_purpose": "x"},
        format="json",
    )
    assert immutable.status_code == 409
    not_designated = api_for(user=people.admin).post(
        url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json"
    )
    assert (
        not_designated.status_code == 403
        and "designated approver" in not_designated.json()["detail"]
    )
    debt = api_for(user=people.auditor).get(url(org_a, "compliance-debt/")).json()
    assert [row["id"] for row in debt["results"]] == [pilot_tool.pk]
    assert debt["results"][0]["open_change_request"] == cr
    done = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    asset = api_for(user=people.auditor).get(url(org_a, f"assets/{pilot_tool.pk}/")).json()
    assert asset["lifecycle"] == "production" and asset["risk_tier"] == "limited"
    assert api_for(user=people.auditor).get(url(org_a, "compliance-debt/")).json()["count"] == 0


def test_reject_needs_reason_and_prohibited_practice_blocks(org_a, people, api_for, pilot_tool):
    cr = _change_request(
        api_for(user=people.contributor), org_a, pilot_tool, people.approver
    ).json()["id"]
    approver = api_for(user=people.approver)
    officer = api_for(user=people.officer)
    ia = officer.post(
        url(org_a, "impact-assessments/"),
        {
            "asset": pilot_tool.pk,
            "intended_purpose": "Score staff moods",
            "affected_people": "Staff",
            "human_oversight_measures": "HR",
            "prohibited_practices": ["emotion_at_work"],
        },
        format="json",
    ).json()
    assert ia["risk_tier"] == "prohibited"
    refused = approver.post(
        url(org_a, f"impact-assessments/{ia['id']}/approve/"), {}, format="json"
    )
    assert refused.status_code == 409 and "prohibited_practices" in refused.json()["errors"]
    checklist = approver.get(url(org_a, f"ai-change-requests/{cr}/checklist/")).json()
    assert checklist["blocked"] is True
    blocked = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert blocked.status_code == 409 and "Blocked" in blocked.json()["detail"]
    no_reason = approver.post(
        url(org_a, f"ai-change-requests/{cr}/reject/"), {"reason": " "}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    rejected = approver.post(
        url(org_a, f"ai-change-requests/{cr}/reject/"),
        {"reason": "Prohibited in the EU"},
        format="json",
    )
    assert (
        rejected.status_code == 200 and rejected.json()["decision_reason"] == "Prohibited in the EU"
    )


def test_gate_cannot_be_bypassed_through_the_asset_api(
    org_a, people, api_for, pilot_tool, in_tenant
):
    with in_tenant(org_a):
        Asset.objects.filter(pk=pilot_tool.pk).update(external_id="sso-7")
    client = api_for(user=people.officer)
    patch = client.patch(
        url(org_a, f"assets/{pilot_tool.pk}/"), {"lifecycle": "production"}, format="json"
    )
    assert patch.status_code == 409
    assert "change request" in patch.json()["detail"] and "lifecycle" in patch.json()["errors"]
    bulk = client.post(
        url(org_a, "assets/bulk/"),
        {"assets": [pilot_tool.pk], "lifecycle": "production"},
        format="json",
    )
    assert bulk.status_code == 409 and "change request" in bulk.json()["detail"]
    upsert = client.post(
        url(org_a, "assets/upsert/"),
        {"external_id": "sso-7", "lifecycle": "production"},
        format="json",
    )
    assert upsert.status_code == 409 and "change request" in upsert.json()["detail"]
    created = client.post(
        url(org_a, "assets/"),
        {
            "name": "Straight to prod",
            "asset_type": "ai_agent",
            "owner": people.officer.pk,
            "lifecycle": "production",
        },
        format="json",
    )
    assert created.status_code == 409
    with in_tenant(org_a):
        assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == "pilot"
        assert not Asset.objects.filter(name="Straight to prod").exists()


def test_gate_cannot_be_bypassed_by_csv_import(org_a, people, client_for, pilot_tool, in_tenant):
    csv = (
        "name,asset_type,owner_email,lifecycle,external_id\n"
        f"Imported agent,ai_agent,{people.officer.email},production,\n"
        f"Helpdesk,application,{people.officer.email},production,\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(people.officer).post(
        f"/o/{org_a.slug}/assets/import/", {"file": SimpleUploadedFile("a.csv", csv, "text/csv")}
    )
    assert response.status_code == 400
    assert "change request" in response.content.decode()
    with in_tenant(org_a):
        assert not Asset.objects.filter(name__in=["Imported agent", "Helpdesk"]).exists()


def test_soa_rows_snapshots_and_diff(org_a, people, api_for, in_tenant):
    controls = [library_control(ref) for ref in ("T.1", "T.2")]
    code = controls[0].framework.code
    officer = api_for(user=people.officer)
    rows = officer.get(url(org_a, "soa-rows/"), {"framework": code}).json()
    assert rows["count"] == 2 and rows["results"][0]["control_ref"] == "T.1"
    assert officer.get(url(org_a, "soa-rows/"), {"framework": "nope"}).status_code == 400
    unsubmitted = api_for(user=people.approver).post(
        url(org_a, "soa-snapshots/"), {"framework": code}, format="json"
    )
    assert unsubmitted.status_code == 409 and unsubmitted.json()["code"] == "invalid_transition"
    submitted = officer.post(
        url(org_a, "soa-snapshots/submit/"), {"framework": code}, format="json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    own = officer.post(url(org_a, "soa-snapshots/"), {"framework": code}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "segregation_of_duties"
    early = api_for(user=people.approver).post(
        url(org_a, "soa-snapshots/"), {"framework": code}, format="json"
    )
    assert early.status_code == 409 and "2 control(s)" in early.json()["detail"]
    assert early.json()["code"] == "conflict"
    for row in rows["results"]:
        bad = officer.patch(
            url(org_a, f"soa-rows/{row['id']}/"), {"applicable": False}, format="json"
        )
        assert bad.status_code == 400 and "justification" in bad.json()["errors"]
        # ISO/IEC 27001:2022 6.1.3 d: "risk treatment" names the risk the control treats.
        untreated = officer.patch(
            url(org_a, f"soa-rows/{row['id']}/"),
            {"inclusion_reasons": ["risk_treatment"], "implementation_status": "implemented"},
            format="json",
        )
        assert untreated.status_code == 400 and untreated.json()["code"] == "invalid"
        assert "inclusion_reasons" in untreated.json()["errors"]
        ok = officer.patch(
            url(org_a, f"soa-rows/{row['id']}/"),
            {"inclusion_reasons": ["business"], "implementation_status": "implemented"},
            format="json",
        )
        assert ok.status_code == 200 and ok.json()["inclusion_reasons"] == ["business"]
    assert (
        api_for(user=people.contributor)
        .post(url(org_a, "soa-snapshots/"), {"framework": code}, format="json")
        .status_code
        == 403
    )
    officer.post(url(org_a, "soa-snapshots/submit/"), {"framework": code}, format="json")
    first = api_for(user=people.approver).post(
        url(org_a, "soa-snapshots/"), {"framework": code}, format="json"
    )
    assert first.status_code == 201 and first.json()["number"] == 1
    officer.patch(
        url(org_a, f"soa-rows/{rows['results'][1]['id']}/"),
        {"applicable": False, "justification": "Not relevant to us"},
        format="json",
    )
    officer.post(url(org_a, "soa-snapshots/submit/"), {"framework": code}, format="json")
    second = (
        api_for(user=people.approver)
        .post(url(org_a, "soa-snapshots/"), {"framework": code}, format="json")
        .json()
    )
    diff = officer.get(
        url(org_a, "soa-snapshots/diff/"), {"from": first.json()["id"], "to": second["id"]}
    )
    assert diff.status_code == 200
    changes = diff.json()["changed"][0]
    assert changes["ref"] == "T.2"
    by_label = {c["label"]: c for c in changes["changes"]}
    assert (by_label["Applicable"]["from"], by_label["Applicable"]["to"]) == ("Yes", "No")
    assert by_label["Reasons for inclusion"]["removed"] == ["Business requirement"]
    assert officer.get(url(org_a, "soa-snapshots/diff/"), {"from": "x"}).status_code == 400


def test_another_orgs_objects_are_invisible_and_unreferenceable(
    org_a, org_b, people, api_for, in_tenant, member
):
    with in_tenant(org_b):
        foreign_asset = make_asset(org_b)
        foreign_risk = RiskFactory(organization=org_b, owner=member(org_b, Role.OFFICER))
    client = api_for(user=people.officer)
    assert client.get(url(org_a, f"risks/{foreign_risk.pk}/")).status_code == 404
    response = _change_request(client, org_a, foreign_asset, people.approver)
    assert response.status_code == 400
    assert "No asset with id" in response.json()["errors"]["asset"][0]
    response = client.post(
        url(org_a, "risk-acceptances/"),
        {"risk": foreign_risk.pk, "rationale": "x", "expires_on": "2099-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "risk" in response.json()["errors"]


@pytest.mark.parametrize("rows", [10, 5000])
def test_risk_list_queries_do_not_grow(
    org_a, people, api_for, in_tenant, rows, django_assert_max_num_queries
):
    with in_tenant(org_a):
        assets = [AssetFactory(organization=org_a, owner=people.other) for _ in range(3)]
        risks = Risk.objects.bulk_create(many_risks(org_a, people.other, rows))
        from risks.models import RiskAsset

        RiskAsset.objects.bulk_create(
            [
                RiskAsset(organization=org_a, risk=r, asset=assets[i % 3])
                for i, r in enumerate(risks[:200])
            ]
        )
        register.criteria_get()
    client = api_for(user=people.officer)
    with django_assert_max_num_queries(16):
        response = client.get(url(org_a, "risks/"), {"page_size": 100})
    assert response.status_code == 200 and response.json()["count"] == rows


# --- The gate's new rules through the API (status and code) ----------------------------------


def _ready_request(org, people, api_for, asset, in_tenant, *, action_status="planned"):
    """A request whose only open question is the risk's action (planned unless told)."""
    created = _change_request(api_for(user=people.contributor), org, asset, people.approver)
    cr = created.json()["id"]
    officer = api_for(user=people.officer)
    risk = officer.post(
        url(org, "risks/"),
        {
            "title": "Customer data in prompts",
            "category": "data_leakage",
            "owner": people.contributor.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 2,
            "residual_impact": 2,
            "treatment": "mitigate",
            "assets": [asset.pk],
        },
        format="json",
    ).json()
    action = officer.post(
        url(org, "treatment-actions/"),
        {
            "risk": risk["id"],
            "description": "DLP rule for prompts",
            "owner": people.contributor.pk,
            "due_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
            "status": action_status,
        },
        format="json",
    ).json()
    with in_tenant(org):
        assessment = gate.impact_assessment_create(
            actor=people.officer_actor,
            asset=asset,
            intended_purpose="Draft replies",
            affected_people="Customers",
            human_oversight_measures="An agent reviews every reply",
            foreseeable_misuse="Replies sent unread",
        )
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=assessment)
    return cr, risk, action


def _checklist(client, org, cr) -> dict:
    body = client.get(url(org, f"ai-change-requests/{cr}/checklist/")).json()
    return {i["key"]: i for i in body["items"]} | {"ready": body["ready"]}


def test_the_gate_refuses_a_planned_action_and_passes_after_completion_via_api(
    org_a, people, api_for, pilot_tool, in_tenant
):
    cr, _risk, action = _ready_request(org_a, people, api_for, pilot_tool, in_tenant)
    approver = api_for(user=people.approver)
    items = _checklist(approver, org_a, cr)
    assert items["risks_treated"]["status"] == "failed" and not items["ready"]
    assert "DLP rule for prompts" in items["risks_treated"]["detail"]
    refused = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "gate_closed"
    done = api_for(user=people.contributor).patch(
        url(org_a, f"treatment-actions/{action['id']}/"), {"status": "done"}, format="json"
    )
    assert done.status_code == 200
    assert _checklist(approver, org_a, cr)["ready"]
    ok = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_the_gate_passes_after_the_owners_acceptance_via_api(
    org_a, people, api_for, pilot_tool, in_tenant
):
    cr, risk, _action = _ready_request(org_a, people, api_for, pilot_tool, in_tenant)
    owner = api_for(user=people.contributor)
    acceptance = owner.post(
        url(org_a, "risk-acceptances/"),
        {
            "risk": risk["id"],
            "rationale": "Ten pilot users, no customer data by policy",
            "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        },
        format="json",
    ).json()
    approver = api_for(user=people.approver)
    assert _checklist(approver, org_a, cr)["risks_treated"]["status"] == "failed"
    accepted = owner.post(url(org_a, f"risk-acceptances/{acceptance['id']}/approve/"), {})
    assert accepted.status_code == 200
    assert _checklist(approver, org_a, cr)["ready"]


def test_pilot_is_gated_and_a_material_edit_reopens_the_gate_via_api(
    org_a, people, api_for, in_tenant
):
    officer = api_for(user=people.officer)
    pilot = officer.post(
        url(org_a, "assets/"),
        {
            "name": "Pilot straight away",
            "asset_type": "ai_saas_tool",
            "owner": people.contributor.pk,
            "lifecycle": "pilot",
        },
        format="json",
    )
    assert pilot.status_code == 409 and pilot.json()["code"] == "gate_closed"
    with in_tenant(org_a):
        live = AssetFactory(
            organization=org_a, lifecycle="production", owner=people.contributor, model_version="1"
        )
    target = url(org_a, f"assets/{live.pk}/")
    assert officer.get(target).json()["change_required_since"] is None
    edited = officer.patch(target, {"model_version": "2"}, format="json")
    assert edited.status_code == 200
    body = officer.get(target).json()
    assert body["change_required_since"] is not None
    assert "model version" in body["change_required_reason"]
    debt = officer.get(url(org_a, "compliance-debt/")).json()
    assert live.pk in [row["id"] for row in debt["results"]]


def test_a_supplier_past_its_reassessment_date_fails_the_checklist_via_api(
    org_a, people, api_for, pilot_tool, in_tenant
):
    """(The impact assessment's validity is tested at the service layer with a later date:
    an approved assessment is immutable, so no test can age it.)"""
    from tests.suppliers.factories import make_assessment

    with in_tenant(org_a):
        supplier_assessment = make_assessment(org_a)
        type(supplier_assessment).objects.filter(pk=supplier_assessment.pk).update(
            status="approved", decided_at=timezone.now()
        )
        supplier = supplier_assessment.supplier
        type(supplier).objects.filter(pk=supplier.pk).update(
            next_reassessment_date=timezone.localdate() - timedelta(days=1)
        )
        Asset.objects.filter(pk=pilot_tool.pk).update(supplier=supplier)
    cr, _risk, _action = _ready_request(
        org_a, people, api_for, pilot_tool, in_tenant, action_status="done"
    )
    approver = api_for(user=people.approver)
    items = _checklist(approver, org_a, cr)
    assert items["supplier_assessment"]["status"] == "failed"
    assert "due for reassessment" in items["supplier_assessment"]["detail"]
    refused = approver.post(url(org_a, f"ai-change-requests/{cr}/approve/"), {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "gate_closed"
