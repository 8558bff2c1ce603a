"""The risks pages: heat map = list, forms, segregation of duties and the gate via the UI,
SoA inline editing, snapshots, exports, pinned query counts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset
from isms.models import Role
from risks.models import AIChangeRequest, ImpactAssessment, Risk, RiskAcceptance, SoARow
from risks.services import register
from tests.risks.factories import RiskFactory, library_control, many_risks

pytestmark = pytest.mark.django_db


def page(org, path=""):
    return f"/o/{org.slug}/risks/{path}"


def refused(response) -> str:
    """A refused button POST: redirected back, the reason in a flash message, nothing kept
    (isms.views.errors.refusal_response)."""
    assert response.status_code == 302, response.status_code
    flashed = [str(m) for m in get_messages(response.wsgi_request)]
    assert flashed and flashed[-1].startswith("Nothing was changed"), flashed
    return flashed[-1]


def _count(html: str) -> int:
    return int(re.search(r'<p id="risk-count"><strong>(\d+)</strong>', html).group(1))


def _cells(html: str):
    return [
        (kind, int(lk), int(im), int(n))
        for kind, lk, im, n in re.findall(
            r'data-kind="(\w+)" data-likelihood="(\d)" data-impact="(\d)" data-count="(\d+)"', html
        )
    ]


def test_heat_map_counts_match_the_list(org_a, people, client_for, in_tenant):
    with in_tenant(org_a):
        risks = many_risks(org_a, people.other, 40)
        for i, risk in enumerate(risks[:12]):
            risk.residual_likelihood, risk.residual_impact = 1 + i % 3, 2
            risk.residual_score = risk.residual_likelihood * 2
            risk.treatment = "mitigate"
        Risk.objects.bulk_create(risks)
    client = client_for(people.auditor)
    for query in ({}, {"category": "privacy"}, {"treatment": "mitigate"}):
        html = client.get(page(org_a), query).content.decode()
        cells = _cells(html)
        assert len(cells) == 50
        inherent_total = sum(n for kind, _, _, n in cells if kind == "inherent")
        assert inherent_total == _count(html)
        for kind, likelihood, impact, n in cells:
            if n == 0 and likelihood + impact != 2:
                continue
            filtered = client.get(
                page(org_a), {**query, f"{kind}_likelihood": likelihood, f"{kind}_impact": impact}
            ).content.decode()
            assert _count(filtered) == n, (query, kind, likelihood, impact)


def test_list_filters(org_a, people, client_for, in_tenant, pilot_tool):
    with in_tenant(org_a):
        mine = RiskFactory(organization=org_a, owner=people.contributor, title="Leaky prompts")
        register.risk_update(actor=people.officer_actor, risk=mine, assets=[pilot_tool.pk])
        RiskFactory(
            organization=org_a, owner=people.other, title="Biased scoring", category="bias_fairness"
        )
        accepted = RiskFactory(
            organization=org_a,
            owner=people.other,
            title="Accepted one",
            inherent_likelihood=1,
            inherent_impact=2,
        )
        acceptance = register.acceptance_request(
            actor=people.officer_actor,
            risk=accepted,
            rationale="fine",
            expires_on=timezone.localdate() + timedelta(days=10),
        )
        register.acceptance_approve(actor=people.other_actor, acceptance=acceptance)
    client = client_for(people.officer)

    def titles(**query):
        html = client.get(page(org_a), query).content.decode()
        return set(re.findall(r'/risks/\d+/">([^<]+)</a>', html))

    assert titles(category="bias_fairness") == {"Biased scoring"}
    assert titles(owner=people.contributor.pk) == {"Leaky prompts"}
    assert titles(asset=pilot_tool.pk) == {"Leaky prompts"}
    assert titles(status="accepted") == {"Accepted one"}
    assert titles(acceptance_expiring="true") == {"Accepted one"}
    assert titles(band="low") == {"Accepted one"}
    assert titles(band="high") == {"Leaky prompts", "Biased scoring"}


def test_list_page_queries_are_pinned(org_a, people, client_for, in_tenant):
    counts = []
    client = client_for(people.officer)
    with in_tenant(org_a):
        register.criteria_get()
    for total in (10, 5000):
        with in_tenant(org_a):
            Risk.objects.all().delete()
            Risk.objects.bulk_create(many_risks(org_a, people.other, total))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page(org_a))
        assert response.status_code == 200 and _count(response.content.decode()) == total
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 16, counts


def test_create_risk_form(org_a, people, client_for, in_tenant):
    client = client_for(people.contributor)
    bad = client.post(
        page(org_a, "new/"), {"title": "", "category": "privacy", "owner": people.contributor.pk}
    )
    assert bad.status_code == 400 and b"This field is required" in bad.content
    bad_scores = client.post(
        page(org_a, "new/"),
        {
            "title": "x",
            "category": "privacy",
            "owner": people.contributor.pk,
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    assert bad_scores.status_code == 400 and b"Assess the inherent risk" in bad_scores.content
    ok = client.post(
        page(org_a, "new/"),
        {
            "title": "Prompt injection via tickets",
            "category": "prompt_injection",
            "owner": people.contributor.pk,
            "inherent_likelihood": 3,
            "inherent_impact": 3,
        },
    )
    assert ok.status_code == 302
    with in_tenant(org_a):
        risk = Risk.objects.get()
        assert risk.inherent_score == 9 and risk.created_by == people.contributor
    detail = client.get(ok["Location"]).content.decode()
    assert "Prompt injection via tickets" in detail and "History" in detail


def test_status_and_acceptance_rules_via_the_ui(org_a, people, client_for, in_tenant):
    """6.1.3 f) in the browser: only the risk owner accepts; above the appetite only after a
    top-management endorsement; accepting keeps the treatment option."""
    with in_tenant(org_a):
        risk = RiskFactory(
            organization=org_a,
            owner=people.contributor,
            inherent_likelihood=4,
            inherent_impact=4,
            treatment="mitigate",
        )
    officer = client_for(people.officer)
    assert "approved risk acceptance" in refused(
        officer.post(page(org_a, f"{risk.pk}/status/"), {"status": "accepted"})
    )
    other = client_for(people.other)
    refused(other.post(page(org_a, f"{risk.pk}/status/"), {"status": "closed"}))
    with in_tenant(org_a):
        assert Risk.objects.get(pk=risk.pk).status == "open"
    bad = officer.post(
        page(org_a, f"{risk.pk}/acceptance/"), {"rationale": "x", "expires_on": "2000-01-01"}
    )
    assert "future date" in refused(bad)
    ok = officer.post(
        page(org_a, f"{risk.pk}/acceptance/"),
        {
            "rationale": "Pilot only",
            "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert ok.status_code == 302
    with in_tenant(org_a):
        acceptance = RiskAcceptance.objects.get()
    approve = page(org_a, f"acceptances/{acceptance.pk}/approve/")
    for user in (people.officer, people.approver, people.admin):
        assert "Only the risk owner" in refused(client_for(user).post(approve))
    owner = client_for(people.contributor)
    assert "top-management member must endorse" in refused(owner.post(approve))
    detail = owner.get(page(org_a, f"{risk.pk}/")).content.decode()
    assert "Awaiting a top-management endorsement" in detail
    refused(owner.post(page(org_a, f"acceptances/{acceptance.pk}/reject/"), {"note": ""}))
    refused(officer.post(page(org_a, f"acceptances/{acceptance.pk}/endorse/")))
    board = client_for(people.board)
    assert "Endorse as top management" in board.get(page(org_a, f"{risk.pk}/")).content.decode()
    assert board.post(page(org_a, f"acceptances/{acceptance.pk}/endorse/")).status_code == 302
    with in_tenant(org_a):
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "requested"
    accepted = owner.post(approve, {"note": "ok"})
    assert accepted.status_code == 302
    refused(owner.post(approve))
    with in_tenant(org_a):
        stored = Risk.objects.get(pk=risk.pk)
        assert (stored.status, stored.treatment) == ("accepted", "mitigate")
    detail = officer.get(page(org_a, f"{risk.pk}/")).content.decode()
    assert "Top-management endorsement" in detail and "Accepted by the risk owner" in detail


def test_overdue_actions_and_plan_approval_on_the_risk_page(org_a, people, client_for, in_tenant):
    with in_tenant(org_a):
        risk = RiskFactory(
            organization=org_a,
            owner=people.contributor,
            title="Overdue one",
            treatment="mitigate",
        )
        register.treatment_action_create(
            actor=people.officer_actor,
            risk=risk,
            description="Late DLP rule",
            owner=people.contributor,
            due_date=timezone.localdate() - timedelta(days=5),
        )
    owner = client_for(people.contributor)
    detail = owner.get(page(org_a, f"{risk.pk}/")).content.decode()
    assert "overdue</span>" in detail and "not yet approved by the risk owner" in detail
    assert "1 overdue</span>" in owner.get(page(org_a)).content.decode()  # the list too
    assert (
        "Approve the treatment plan"
        not in client_for(people.officer).get(page(org_a, f"{risk.pk}/")).content.decode()
    )
    assert owner.post(page(org_a, f"{risk.pk}/approve-plan/")).status_code == 302
    detail = owner.get(page(org_a, f"{risk.pk}/")).content.decode()
    assert "approved by the risk owner" in detail
    bad = client_for(people.officer).post(
        page(org_a, f"{risk.pk}/edit/"),
        {
            "title": "Overdue one",
            "category": "data_leakage",
            "owner": people.contributor.pk,
            "inherent_likelihood": 2,
            "inherent_impact": 2,
            "residual_likelihood": 3,
            "residual_impact": 3,
        },
    )
    assert bad.status_code == 400 and b"above the inherent score" in bad.content


def test_change_request_pages_and_gate(org_a, people, client_for, in_tenant, pilot_tool):
    contributor = client_for(people.contributor)
    form = contributor.get(page(org_a, "changes/new/"))
    assert form.status_code == 200
    bad = contributor.post(page(org_a, "changes/new/"), {"title": "x"})
    assert bad.status_code == 400
    created = contributor.post(
        page(org_a, "changes/new/"),
        {
            "title": "Try ReplyBot",
            "justification": "Speed",
            "new_asset_name": "ReplyBot",
            "new_asset_type": "ai_saas_tool",
            "data_going_in": "Tickets",
            "affected_people": "Customers",
            "approver": people.approver.pk,
        },
    )
    assert created.status_code == 302, created.content[:2000]
    with in_tenant(org_a):
        cr = AIChangeRequest.objects.get()
        assert Asset.objects.get(pk=cr.asset_id).lifecycle == "proposed"
    detail = contributor.get(created["Location"]).content.decode()
    assert 'data-check="risk_assessed" data-status="failed"' in detail
    partial = contributor.get(created["Location"], {"part": "checklist"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"Required steps" in partial.content
    early = client_for(people.approver).post(page(org_a, f"changes/{cr.pk}/approve/"))
    assert "Not every required step" in refused(early)
    refused(client_for(people.admin).post(page(org_a, f"changes/{cr.pk}/approve/")))
    refused(
        client_for(people.approver).post(page(org_a, f"changes/{cr.pk}/reject/"), {"reason": ""})
    )
    with in_tenant(org_a):
        assert AIChangeRequest.objects.get(pk=cr.pk).status == "submitted"


def test_assessment_wizard_and_prohibited_practice(
    org_a, people, client_for, in_tenant, pilot_tool
):
    with in_tenant(org_a):
        from risks.services import change

        cr = change.change_request_create(
            actor=people.contributor_actor,
            title="Mood scoring",
            justification="HR asked",
            data_going_in="Webcam",
            affected_people="Staff",
            approver=people.approver,
            asset=pilot_tool,
        )
    officer = client_for(people.officer)
    start = officer.post(page(org_a, f"changes/{cr.pk}/assess/"))
    assert start.status_code == 302
    url = start["Location"].split("?")[0]
    assert officer.post(url + "?step=purpose", {"intended_purpose": ""}).status_code == 400
    steps = [
        ("purpose", {"intended_purpose": "Score moods", "affected_people": "Staff"}),
        (
            "harms",
            {
                "h0_kind": "harm",
                "h0_to": "individuals",
                "h0_description": "Unfair treatment",
                "h0_severity": "high",
                "h0_likelihood": "medium",
            },
        ),
        (
            "screens",
            {"prohibited_practices": ["emotion_at_work"], "annex_iii_use_cases": ["1c", "4a"]},
        ),
        ("safeguards", {"human_oversight_measures": "HR reviews"}),
    ]
    for step, data in steps:
        response = officer.post(f"{url}?step={step}", data)
        assert response.status_code == 302, (step, response.content[:500])
    summary = officer.get(url).content.decode()
    assert 'id="ia-tier">Prohibited' in summary and "cannot be approved" in summary
    with in_tenant(org_a):
        assessment = ImpactAssessment.objects.get()
        assert assessment.harms[0]["severity"] == "high"
    refused(officer.post(page(org_a, f"assessments/{assessment.pk}/approve/")))
    blocked = client_for(people.approver).post(page(org_a, f"assessments/{assessment.pk}/approve/"))
    assert "prohibited practice" in refused(blocked)
    detail = officer.get(page(org_a, f"changes/{cr.pk}/")).content.decode()
    assert "Blocked" in detail


def test_soa_table_inline_edit_approve_diff_and_exports(org_a, people, client_for, in_tenant):
    controls = [library_control(ref) for ref in ("T.1", "T.2")]
    code = controls[0].framework.code
    officer = client_for(people.officer)
    table = officer.get(page(org_a, f"soa/{code}/")).content.decode()
    assert 'data-ref="T.1"' in table and 'data-ref="T.2"' in table
    with in_tenant(org_a):
        rows = list(SoARow.objects.order_by("control__sort_key"))
    form = officer.get(page(org_a, f"soa/rows/{rows[0].pk}/"), {"edit": 1}, HTTP_HX_REQUEST="true")
    assert b"<form" in form.content and b"<html" not in form.content
    # Opened as a page, the row's address leads to the row in its table, not a bare fragment.
    opened = officer.get(page(org_a, f"soa/rows/{rows[0].pk}/"))
    assert opened.status_code == 302
    assert opened.url == page(org_a, f"soa/{code}/") + f"#soa-row-{rows[0].pk}"
    prefix = f"row{rows[0].pk}"
    bad = officer.post(
        page(org_a, f"soa/rows/{rows[0].pk}/"),
        {f"{prefix}-implementation_status": "partial", f"{prefix}-justification": ""},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400 and b"exclusion needs a reason" in bad.content
    for row in rows:
        p = f"row{row.pk}"
        saved = officer.post(
            page(org_a, f"soa/rows/{row.pk}/"),
            {
                f"{p}-applicable": "on",
                f"{p}-inclusion_reasons": ["business"],
                f"{p}-implementation_status": "partial",
                f"{p}-owner": people.officer.pk,
                f"{p}-target_date": "2027-03-31",
                f"{p}-evidence": "Policy v2",
            },
            HTTP_HX_REQUEST="true",
        )
        assert (
            saved.status_code == 200 and b"<tr" in saved.content and b"Partially" in saved.content
        )
    contributor = client_for(people.contributor)
    assert contributor.post(page(org_a, "soa/approve/"), {"framework": code}).status_code == 403
    assert officer.post(page(org_a, "soa/submit/"), {"framework": code}).status_code == 302
    # The officer prepared and submitted it: they see no Approve button, and cannot approve.
    assert "Approve this SoA" not in officer.get(page(org_a, f"soa/{code}/")).content.decode()
    refused(officer.post(page(org_a, "soa/approve/"), {"framework": code}))
    approved = client_for(people.approver).post(
        page(org_a, "soa/approve/"), {"framework": code, "note": "Q1"}
    )
    assert approved.status_code == 302
    with in_tenant(org_a):
        risk = register.risk_create(
            actor=people.officer_actor,
            title="Drift",
            category="integrity",
            owner=people.contributor,
            controls=[controls[1].pk],
        )
    stale = officer.get(page(org_a, f"soa/{code}/")).content.decode()
    assert 'id="stale-count">1<' in stale and f"R-{risk.pk}" in stale
    officer.post(page(org_a, "soa/submit/"), {"framework": code})
    second = client_for(people.approver).post(page(org_a, "soa/approve/"), {"framework": code})
    snapshot = officer.get(second["Location"]).content.decode()
    assert "approved snapshot #2" in snapshot and "Linked risks" in snapshot
    csv_export = officer.get(page(org_a, f"soa/{code}/export.csv"))
    assert csv_export["Content-Disposition"].endswith(f'{org_a.slug}-soa-{code}.csv"')
    lines = csv_export.content.decode().splitlines()
    assert lines[0].startswith("Control,Title,Source,Applicable") and lines[2].startswith("T.2,")
    xlsx = officer.get(page(org_a, f"soa/{code}/export.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == "T.1" and sheet["J3"].value == f"R-{risk.pk} Drift"
    assert officer.get(page(org_a, f"soa/{code}/export.pdf")).status_code == 404


def test_compliance_debt_page_and_home_figure(org_a, people, client_for, pilot_tool):
    html = client_for(people.auditor).get(page(org_a, "debt/")).content.decode()
    assert 'id="debt-count">1<' in html and "Support reply assistant" in html
    home = client_for(people.auditor).get(f"/o/{org_a.slug}/").content.decode()
    assert re.search(r'display-6[^>]*>1</div>\s*<div[^>]*><a href="/o/alpha/risks/debt/"', home)


def test_foreign_objects_are_404_in_the_ui(org_a, org_b, people, client_for, in_tenant, member):
    with in_tenant(org_b):
        foreign = RiskFactory(organization=org_b, owner=member(org_b, Role.OFFICER))
    client = client_for(people.admin)
    assert client.get(page(org_a, f"{foreign.pk}/")).status_code == 404
    assert (
        client.post(page(org_a, f"{foreign.pk}/status/"), {"status": "closed"}).status_code == 404
    )


def test_supplier_gaps_page_turns_a_gap_into_a_risk_in_one_click(
    org_a, member, client_for, in_tenant
):
    from suppliers.models import SupplierAnswer, SupplierAssessment
    from tests.suppliers.factories import make_assessment

    with in_tenant(org_a):
        assessment = make_assessment(org_a)
        SupplierAssessment.objects.filter(pk=assessment.pk).update(status="submitted")
        gap = assessment.answers.first()
        SupplierAnswer.objects.filter(pk=gap.pk).update(is_gap=True, gap_reason="Answered 'no'")
        SupplierAnswer.objects.exclude(pk=gap.pk).update(is_gap=False)
    officer = client_for(member(org_a, Role.OFFICER))
    listing = officer.get(page(org_a, "supplier-gaps/")).content.decode()
    assert "Answered &#x27;no&#x27;" in listing and "Create risk" in listing
    response = officer.post(page(org_a, f"from-gap/{gap.pk}/"))
    assert response.status_code == 302
    with in_tenant(org_a):
        risk = Risk.objects.get(source_gap=gap)
    assert response["Location"].endswith(f"/risks/{risk.pk}/")
    listing = officer.get(page(org_a, "supplier-gaps/")).content.decode()
    assert f"Risk #{risk.pk}" in listing and "Create risk" not in listing
    auditor_page = client_for(member(org_a, Role.AUDITOR)).get(page(org_a, "supplier-gaps/"))
    assert auditor_page.status_code == 200 and b"Create risk" not in auditor_page.content
