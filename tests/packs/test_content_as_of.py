"""What a pack says about states that change in place, as they stood at its as-of time, read
back from the PDF and its CSV registers: residual risk acceptances with the owner's decision
and any top-management endorsement (ISO/IEC 27001:2022 6.1.3 f, 6.1.2 a 1), review
schedules overdue and reviews done (9.1), the organisation's AI roles and EU AI Act legal
type (ISO/IEC 42001 clause 4.1; Art. 27(1)), each evidence request's status (9.2), and the
registers' rows: a risk's scores and treatment and the heat map (6.1.2, 8.2), an asset's
lifecycle (controls 5.9, 5.12), a supplier's status and rating (5.19–5.22), an incident's
severity and status (5.25, 5.26).

Each scenario changes something after the as-of time; the pack must not show the change."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from assets.services.register import asset_update
from isms.models import Membership, Role
from isms.services.profile import organization_profile_update
from monitoring.engagements import services as engagements
from monitoring.incidents.models import Incident
from monitoring.packs import services
from monitoring.packs.bundle import pdf_attachments
from monitoring.reviews import services as reviews
from monitoring.reviews.models import ReviewSchedule, SubjectType
from risks.services import register as risks
from suppliers.services.register import supplier_update
from tests.assets.factories import AssetFactory
from tests.engagements.factories import make_request
from tests.incidents.factories import make_incident
from tests.risks.factories import actor_for
from tests.suppliers.factories import make_supplier

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _register(files: dict, name: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(files[f"registers/{name}.csv"].decode())))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _risk(officer, owner, title, likelihood, impact):
    return risks.risk_create(
        actor=officer,
        title=title,
        category="data_leakage",
        owner=owner,
        inherent_likelihood=likelihood,
        inherent_impact=impact,
    )


def _ask(actor, risk):
    return risks.acceptance_request(
        actor=actor,
        risk=risk,
        rationale="Compensating controls; small user group",
        expires_on=TODAY() + timedelta(days=90),
    )


def _schedule(organization, title, due_in_days):
    supplier = make_supplier(organization)
    return ReviewSchedule.objects.create(
        subject_type=SubjectType.SUPPLIER,
        object_id=supplier.pk,
        title=title,
        interval_months=12,
        next_due=TODAY() + timedelta(days=due_in_days),
    )


@pytest.fixture
def pack(org_a, in_tenant, member):
    officer_user, owner, board = (
        member(org_a, Role.OFFICER),
        member(org_a, Role.CONTRIBUTOR),
        member(org_a, Role.CONTRIBUTOR),
    )
    Membership.objects.filter(organization=org_a, user=board).update(top_management=True)
    with in_tenant(org_a):
        officer = actor_for(org_a, user=officer_user)
        owner_actor = actor_for(org_a, user=owner)
        board_actor = actor_for(org_a, user=board)
        admin = actor_for(org_a, Role.ADMIN)
        organization_profile_update(
            actor=admin, ai_roles=["provider", "customer"], legal_type="public_body"
        )
        # Acceptances: one within the appetite, one above it (endorsed), one decided later.
        within = _risk(officer, owner, "Prompts leak customer data", 1, 2)
        risks.acceptance_approve(actor=owner_actor, acceptance=_ask(officer, within))
        above = _risk(officer, owner, "Model drifts unnoticed", 4, 4)
        endorsed = _ask(officer, above)
        risks.acceptance_endorse(actor=board_actor, acceptance=endorsed)
        risks.acceptance_approve(actor=owner_actor, acceptance=endorsed)
        later = _risk(officer, owner, "Vendor trains on our data", 2, 2)
        pending = _ask(officer, later)
        for risk in (within, later):
            risks.risk_update(actor=officer, risk=risk, treatment="accept")
        risks.treatment_plan_approve(actor=owner_actor, risk=within)
        # Review schedules: overdue and left so, reviewed before the date, reviewed after it.
        _schedule(org_a, "Overdue supplier", -10)
        with in_tenant(org_a, actor_id=officer_user.pk, actor=officer_user.email):
            reviews.schedule_mark_reviewed(
                actor=officer, schedule=_schedule(org_a, "Reviewed supplier", -5)
            )
        reviewed_later = _schedule(org_a, "Reviewed after the date", -3)
        # Evidence requests: answered before the date, answered only after it.
        answered = make_request(org_a)
        engagements.request_answer(actor=officer, request=answered, note="Minutes attached")
        open_then = make_request(org_a, engagement=answered.engagement)
        # Registers: rows whose values change in place after the date.
        rescored = _risk(officer, owner, "Chatbot invents refund terms", 2, 3)
        pilot = AssetFactory(
            organization=org_a, name="Refund chatbot", lifecycle="pilot", owner=owner
        )
        vendor = make_supplier(org_a)
        supplier_update(actor=officer, supplier=vendor, name="Acme Models", status="active")
        incident = make_incident(org_a, title="Chatbot quoted a wrong refund", severity="high")

        as_of = timezone.now()

        organization_profile_update(actor=admin, ai_roles=["partner"], legal_type="other")
        risks.acceptance_approve(actor=owner_actor, acceptance=pending)
        risks.treatment_plan_approve(actor=owner_actor, risk=later)
        _ask(officer, _risk(officer, owner, "Risk raised after the date", 1, 1))
        reviews.schedule_mark_reviewed(actor=officer, schedule=reviewed_later)
        _schedule(org_a, "Scheduled after the date", -1)
        engagements.request_answer(actor=officer, request=open_then, note="Late answer")
        risks.risk_update(
            actor=officer,
            risk=rescored,
            inherent_likelihood=5,
            inherent_impact=5,
            treatment="avoid",
            owner=officer_user,
        )
        asset_update(actor=officer, asset=pilot, lifecycle="retired", owner=officer_user)
        supplier_update(actor=officer, supplier=vendor, name="Acme Models Ltd", status="terminated")
        # Even a bulk update, which sends no signal, is in the trail (a database trigger).
        Incident.objects.filter(pk=incident.pk).update(severity="critical", status="dismissed")
        pack = services.pack_request(
            actor=officer,
            frameworks=["iso27001-2022"],
            sections=["scope", "risks", "ai", "suppliers", "improvement", "requests"],
            as_of=as_of,
        )
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=1) == "done"
    with in_tenant(org_a):
        pack.refresh_from_db()
        pdf = pack.pdf.open("rb").read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return {
        "text": " ".join(text.split()),
        "files": pdf_attachments(pdf),
        "day": str(timezone.localtime(as_of).date()),
        "officer": officer_user.email,
        "owner": owner.email,
        "board": board.email,
    }


def test_residual_acceptances_show_the_owners_decision_and_the_endorsement(pack):
    """6.1.3 f: the risk owner approves the treatment plan and accepts the residual risk;
    above the appetite (6.1.2 a 1) a named top-management endorsement is recorded. A decision
    or approval made after the date is absent."""
    text, day = pack["text"], pack["day"]
    assert "Residual risk acceptances (Clause 6.1.3 f)" in text
    rows = {r["Risk"].split(" ", 1)[1]: r for r in _register(pack["files"], "risk_acceptances")}
    assert set(rows) == {
        "Prompts leak customer data",
        "Model drifts unnoticed",
        "Vendor trains on our data",
    }
    within = rows["Prompts leak customer data"]
    assert within[f"State at {day}"] == "Approved"
    assert within["Accepted by (risk owner)"].startswith(pack["owner"] + ", ")
    assert within["Residual score vs appetite"] == "2 (within appetite 9)"
    assert within["Top-management endorsement"] == "not needed (within appetite)"
    above = rows["Model drifts unnoticed"]
    assert above["Residual score vs appetite"] == "16 (above appetite 9)"
    assert above["Top-management endorsement"].startswith(pack["board"] + ", ")
    assert above["Top-management endorsement"].endswith("at score 16")
    pending = rows["Vendor trains on our data"]  # approved only after the as-of time
    assert pending[f"State at {day}"] == "Requested"
    assert pending["Accepted by (risk owner)"] == ""
    assert "Risk raised after the date" not in text
    plans = {r["Risk"]: r["Plan approved by the owner"] for r in _register(pack["files"], "risks")}
    assert plans["Prompts leak customer data"].startswith(pack["owner"] + ", ")
    assert plans["Vendor trains on our data"] == ""  # approved after the as-of time
    assert "16 (above appetite 9)" in text


def test_register_rows_show_their_values_at_the_date(pack):
    """A row changed after the as-of time shows what it said then, in the CSV registers and
    the PDF: a risk rescored, given another treatment and owner (6.1.2, 6.1.3; its inherent
    score and the heat map), an asset retired and handed to another owner (controls 5.9,
    5.12), a supplier renamed and terminated (5.19–5.22), an incident reclassified and
    dismissed (5.25). Nothing of the later values leaks into the pack."""
    text, files = pack["text"], pack["files"]
    risk = next(r for r in _register(files, "risks") if r["Risk"] == "Chatbot invents refund terms")
    assert (risk["Inherent"], risk["Treatment"], risk["Owner"]) == ("6", "", pack["owner"])
    assert "25" not in {r["Inherent"] for r in _register(files, "risks")}
    asset = next(a for a in _register(files, "assets") if a["Asset"] == "Refund chatbot")
    assert (asset["Lifecycle"], asset["Owner"]) == ("Pilot", pack["owner"])
    supplier = next(s for s in _register(files, "suppliers") if s["Supplier"] == "Acme Models")
    assert supplier["Status"] == "Active"
    assert "Acme Models Ltd" not in text
    incident = next(i for i in _register(files, "incidents") if i["Incident"].startswith("Chatbot"))
    assert (incident["Severity"], incident["Status"]) == ("High", "Reported (awaiting triage)")
    assert "Terminated" not in text


def test_review_schedules_overdue_and_reviews_done_as_of_the_date(pack):
    """9.1: reviews are scheduled and their results retained; the pack says which were overdue
    at its date and which reviews had been done by then."""
    text, day = pack["text"], pack["day"]
    schedules = {
        r["Subject"]: r[f"State at {day}"] for r in _register(pack["files"], "review_schedules")
    }
    assert schedules == {
        "Supplier: Overdue supplier": "overdue by 10 days",
        "Supplier: Reviewed supplier": "on time",
        "Supplier: Reviewed after the date": "overdue by 3 days",
    }
    assert f"Review schedules at {day}: 2 of 3 overdue" in text
    done = _register(pack["files"], "reviews_done")
    assert [(r["Subject"], r["Reviewed on"]) for r in done] == [
        ("Supplier: Reviewed supplier", str(TODAY()))
    ]
    assert done[0]["Recorded by"] == pack["officer"]
    assert "Scheduled after the date" not in text


def test_the_organisations_ai_roles_as_recorded_at_the_date(pack):
    """ISO/IEC 42001 clause 4.1: the organisation's roles for AI systems; EU AI Act Art. 27(1)
    legal type. A later change of the profile is not what the pack reports."""
    text = pack["text"]
    assert "The organisation's AI roles (ISO/IEC 42001 clause 4.1)" in text
    assert "AI provider" in text and "AI customer or user" in text
    assert "Body governed by public law" in text
    assert "AI partner" not in text and "Other private organisation" not in text


def test_evidence_requests_show_their_status_at_the_date(pack):
    """9.2: the request answered only after the date was still open then."""
    day = pack["day"]
    rows = _register(pack["files"], "evidence_requests")
    assert sorted(r[f"Status at {day}"] for r in rows) == ["Answered", "Open"]
    still_open = next(r for r in rows if r[f"Status at {day}"] == "Open")
    assert still_open["Answers"] == "not answered at this date"
    assert "Late answer" not in pack["text"] and "Status now" not in pack["text"]
    assert f"Status at {day}" in pack["text"]


def test_another_organisations_acceptances_and_profile_stay_out(org_a, org_b, in_tenant, member):
    """A pack reads its own organisation only: B's AI roles and acceptances never appear."""
    with in_tenant(org_b):
        admin_b = actor_for(org_b, Role.ADMIN)
        organization_profile_update(actor=admin_b, ai_roles=["partner"], legal_type="other")
        officer_b, owner_b = actor_for(org_b), member(org_b, Role.CONTRIBUTOR)
        risks.acceptance_approve(
            actor=actor_for(org_b, user=owner_b),
            acceptance=_ask(officer_b, _risk(officer_b, owner_b, "B's secret risk", 1, 2)),
        )
    with in_tenant(org_a):
        pack = services.pack_request(
            actor=actor_for(org_a), frameworks=["iso27001-2022"], sections=["scope", "risks"]
        )
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=1) == "done"
    with in_tenant(org_a):
        pack.refresh_from_db()
        pdf = pack.pdf.open("rb").read()
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "B's secret risk" not in text and "AI partner" not in text
    assert "The organisation's AI roles" in text, text[:3000]
    assert "Roles none recorded" in text, text[:3000]
    assert _register(pdf_attachments(pdf), "risk_acceptances") == []


def _queries_to_read(ctx, builders) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring.packs.sections import Table

    with CaptureQueriesContext(connection) as queries:
        for build in builders:
            for block in build(ctx):
                if isinstance(block, Table):
                    for row in block.rows:
                        [column(row) for _, column in block.columns]
    return len(queries)


def test_the_new_tables_read_in_a_fixed_number_of_queries(org_a, in_tenant, member):
    """More acceptances, schedules, requests, risks, assets and suppliers cost no more
    queries (no N+1; the registers' rows are rolled back a chunk at a time)."""
    from monitoring.packs.sections import PackContext, ai_systems
    from monitoring.packs.sections import risks as risk_section
    from monitoring.packs.sections import suppliers as supplier_section
    from monitoring.packs.sections_extra import (
        ai_roles,
        evidence_requests,
        reviews_done_and_overdue,
        risk_acceptances,
    )

    officer_user, owner = member(org_a, Role.OFFICER), member(org_a, Role.CONTRIBUTOR)
    builders = [
        ai_roles,
        evidence_requests,
        reviews_done_and_overdue,
        risk_acceptances,
        risk_section,
        ai_systems,
        supplier_section,
    ]

    def add(count: int) -> None:
        officer, owner_actor = actor_for(org_a, user=officer_user), actor_for(org_a, user=owner)
        for n in range(count):
            risk = _risk(officer, owner, f"Risk {n} of {count}", 1, 2)
            risks.acceptance_approve(actor=owner_actor, acceptance=_ask(officer, risk))
            reviews.schedule_mark_reviewed(
                actor=officer, schedule=_schedule(org_a, f"Supplier {n} of {count}", -2)
            )
            request = make_request(org_a)
            engagements.request_answer(actor=officer, request=request, note=f"Answer {n}")
            asset = AssetFactory(organization=org_a, owner=owner, lifecycle="pilot")
            asset_update(actor=officer, asset=asset, lifecycle="retired")
            supplier_update(actor=officer, supplier=make_supplier(org_a), status="active")

    with in_tenant(org_a):
        add(2)
        few = _queries_to_read(PackContext(org_a, timezone.now(), ["iso27001-2022"]), builders)
        add(8)
        many = _queries_to_read(PackContext(org_a, timezone.now(), ["iso27001-2022"]), builders)
    assert many == few, (few, many)


def test_an_owner_set_back_is_read_for_all_rows_at_once(org_a, in_tenant, member):
    """Rolling back a foreign key (an asset's owner, control 5.9) drops the owner Django had
    joined; the earlier owners are read in one query for the chunk, not one per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.models import Asset
    from monitoring.packs.history import rolled_back

    before, after = member(org_a, Role.CONTRIBUTOR), member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        officer = actor_for(org_a, user=after)
        assets = [AssetFactory(organization=org_a, owner=before) for _ in range(5)]
        as_of = timezone.now()
        for asset in assets:
            asset_update(actor=officer, asset=asset, owner=after)
        rows = list(Asset.objects.filter(pk__in=[a.pk for a in assets]).select_related("owner"))
        assert {row.owner for row in rows} == {after}
        with CaptureQueriesContext(connection) as queries:
            rolled = rolled_back(rows, as_of, ["owner", "lifecycle"])
            owners = [row.owner for row in rolled]
    assert owners == [before] * 5
    assert len(queries) == 2, [q["sql"] for q in queries]  # the later changes; the owners


def test_the_heat_map_counts_each_risk_where_it_stood_at_the_date(
    org_a, in_tenant, member, monkeypatch
):
    """6.1.2 d: the inherent heat map of a pack places a risk rescored after the as-of time
    in the cell of its likelihood and impact then."""
    from monitoring.packs import charts
    from monitoring.packs.sections import PackContext
    from monitoring.packs.sections import risks as risk_section

    drawn = {}
    monkeypatch.setattr(charts, "heat_map_svg", lambda cells: drawn.update(cells) or "<svg/>")
    officer_user = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        officer = actor_for(org_a, user=officer_user)
        risk = _risk(officer, officer_user, "Model output reused without review", 2, 3)
        as_of = timezone.now()
        risks.risk_update(actor=officer, risk=risk, inherent_likelihood=5, inherent_impact=4)
        list(risk_section(PackContext(org_a, as_of, ["iso27001-2022"])))
    assert drawn == {(2, 3): 1}
