"""Demo data for the risk register (idempotent: everything is found by its natural key first).

Builds on the assets demo (looked up by name; skipped when absent): risks on the demo AI
assets, and the AI change requests that teach the gate:
- approved: the LLM API integration goes to production — its risk's treatment is achieved
  (the key moved to the vault: action done), its impact assessment approved for this change,
  its supplier's assessment approved;
- open: the marketing chat assistant stays in pilot; rolling it out to the whole team waits
  on the DLP action, still planned (the gate passes on achieved, not planned, residual risk);
- waiting for its impact assessment: the support-ticket summariser;
- blocked by a prohibited practice: a proposed interview mood analyser.
One residual risk is accepted by its risk owner (a contributor, within the appetite:
ISO/IEC 27001:2022 6.1.3 f). Also the churn model's fairness and accuracy evaluations; an
ISO 27001 and an ISO 42001 Statement of Applicability, each approved, with a justification per
control written for this organisation (risks.demo_soa); and approved snapshots of the risk
register and the risk treatment plan.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import Asset
from isms.access import Actor
from isms.models import Control, Framework, Membership
from risks import demo_soa, selectors
from risks.models import AIChangeRequest, Risk, SoARow, SoASnapshot
from risks.selectors import change_request_checklist
from risks.services import change, register, setup, soa

RISKS = [
    {
        "asset": "Marketing chat assistant",
        "title": "Customer data pasted into the marketing chat assistant",
        "category": "data_leakage",
        "inherent": (4, 4),
        "residual": (2, 3),
        "treatment": "mitigate",
        "controls": ["5.12", "5.14", "8.12"],
        "action": "Block personal data in prompts with the DLP rule and train the team",
    },
    {
        "asset": "Marketing chat assistant",
        "title": "Prompt injection through pasted web content",
        "category": "prompt_injection",
        "inherent": (3, 3),
        "residual": None,
        "treatment": "accept",
        "controls": ["8.28"],
        "action": "",
        # Within the appetite (9): its owner accepts it as it stands.
        "accept": "Copy is drafted from internal briefs only and a marketer edits every text "
        "before use; an injected instruction can only change a draft nobody publishes unread.",
    },
    {
        "asset": "LLM API integration",
        "title": "The LLM provider's API key leaks from the integration",
        "category": "confidentiality",
        "inherent": (3, 4),
        "residual": (1, 4),
        "treatment": "mitigate",
        "controls": ["5.17", "8.24"],
        "action": "Move the API key into the secrets vault and rotate it",
        "done": True,
    },
    {
        "asset": "Code assistant",
        "title": "Licensed code suggested into our products",
        "category": "intellectual_property",
        "inherent": (3, 3),
        "residual": (2, 2),
        "treatment": "mitigate",
        "controls": ["5.32", "8.28"],
        "action": "Turn on the duplicate-detection filter",
    },
    {
        "asset": "Support-ticket summariser",
        "title": "Ticket summaries expose customer details to the wrong team",
        "category": "confidentiality",
        "inherent": (2, 3),
        "residual": None,
        "treatment": "",
        "controls": ["5.15"],
        "action": "",
    },
    {
        "asset": "Customer churn model",
        "title": "Churn model treats older customers unfairly",
        "category": "bias_fairness",
        "inherent": (3, 4),
        "residual": (2, 3),
        "treatment": "mitigate",
        "controls": ["5.34"],
        "action": "Quarterly fairness evaluation across age bands",
    },
]


def _actor(demo, role: str) -> Actor:
    membership = Membership.objects.select_related("organization", "user").get(
        organization=demo.organization, user=demo.user(role)
    )
    return Actor.for_membership(membership)


def _risks(demo, assets: dict[str, Asset]) -> None:
    officer = _actor(demo, "officer")
    controls = dict(
        Control.objects.filter(framework__code="iso27001-2022").values_list("ref", "pk")
    )
    for spec in RISKS:
        asset = assets.get(spec["asset"])
        if asset is None or Risk.objects.filter(title=spec["title"]).exists():
            continue
        values = {
            "inherent_likelihood": spec["inherent"][0],
            "inherent_impact": spec["inherent"][1],
            "treatment": spec["treatment"],
        }
        if spec["residual"]:
            values["residual_likelihood"], values["residual_impact"] = spec["residual"]
        risk = register.risk_create(
            actor=officer,
            title=spec["title"],
            category=spec["category"],
            owner=asset.owner_id or demo.user("officer").pk,
            assets=[asset.pk],
            controls=[controls[r] for r in spec["controls"] if r in controls],
            next_review_date=timezone.localdate() + timedelta(days=180),
            **values,
        )
        if spec["action"]:
            register.treatment_action_create(
                actor=officer,
                risk=risk,
                description=spec["action"],
                owner=risk.owner_id,
                due_date=timezone.localdate() + timedelta(days=45),
                status="done" if spec.get("done") else "planned",
            )
        if spec.get("accept"):
            _owner_accepts(demo, risk, spec["accept"])


def _owner_accepts(demo, risk: Risk, rationale: str) -> None:
    """The risk owner asks for and accepts the residual risk (6.1.3 f), for six months."""
    owner = Actor.for_membership(
        Membership.objects.select_related("organization", "user").get(
            organization=demo.organization, user_id=risk.owner_id
        )
    )
    acceptance = register.acceptance_request(
        actor=owner,
        risk=risk,
        rationale=rationale,
        expires_on=timezone.localdate() + timedelta(days=182),
    )
    register.acceptance_approve(
        actor=owner, acceptance=acceptance, note="Accepted as the risk owner; review in six months."
    )


# What each demo risk threatens (6.1.2) and, for AI, whom it could harm (ISO/IEC 42001 6.1.4).
TAGS = {
    "Customer data pasted into the marketing chat assistant": (
        ["confidentiality"],
        ["individuals"],
    ),
    "Prompt injection through pasted web content": (["integrity", "confidentiality"], []),
    "Licensed code suggested into our products": (["integrity"], []),
    "Ticket summaries expose customer details to the wrong team": (
        ["confidentiality"],
        ["individuals"],
    ),
    "Churn model treats older customers unfairly": (["integrity"], ["individuals", "groups"]),
    "Emotion recognition on candidates": ([], ["individuals", "groups", "society"]),
}


def _tags(demo) -> None:
    officer = _actor(demo, "officer")
    for risk in Risk.objects.filter(title__in=TAGS, threatens=[], harm_to=[]):
        threatens, harm_to = TAGS[risk.title]
        register.risk_update(actor=officer, risk=risk, threatens=threatens, harm_to=harm_to)


def _change_requests(demo, assets: dict[str, Asset]) -> None:
    requester = _actor(demo, "contributor")
    officer = _actor(demo, "officer")
    admin = _actor(demo, "admin")

    integration = assets.get("LLM API integration")
    title = "Put the LLM API integration into production for the ticket summariser"
    if integration is not None and not AIChangeRequest.objects.filter(title=title).exists():
        request = change.change_request_create(
            actor=requester,
            title=title,
            justification="The ticket summariser needs a stable, monitored connection.",
            data_going_in="Support tickets, including customer names",
            data_categories=["personal", "customer_content"],
            affected_people="Customers who wrote in; the support team",
            approver=demo.user("officer"),
            asset=integration,
        )
        assessment = change.impact_assessment_create(
            actor=officer,
            asset=integration,
            change_request=request,
            intended_purpose="Send support tickets to the provider's model to summarise them.",
            affected_people="Customers who wrote in; the support team",
            foreseeable_misuse="Using the integration for other data than support tickets.",
            human_oversight_measures="A support lead reads the summary before the report goes.",
            transparency_measures="The weekly report says which parts are machine-written.",
            data_quality_notes="Provider contract: no training on our data; EU processing.",
        )
        change.impact_assessment_approve(actor=admin, assessment=assessment)
        if change_request_checklist(request).ready:
            change.change_request_approve(actor=officer, change_request=request)

    chat = assets.get("Marketing chat assistant")
    title = "Roll the marketing chat assistant out to the whole team"
    if chat is not None and not AIChangeRequest.objects.filter(title=title).exists():
        request = change.change_request_create(
            actor=requester,
            title=title,
            justification="Campaign copy in a fraction of the time.",
            data_going_in="Campaign briefs; no customer data by policy",
            affected_people="Marketing staff; customers reading generated copy",
            approver=demo.user("officer"),
            asset=chat,
        )
        assessment = change.impact_assessment_create(
            actor=officer,
            asset=chat,
            change_request=request,
            intended_purpose="Draft campaign copy that marketers edit before publishing.",
            affected_people="Marketing staff; customers who read the copy",
            foreseeable_misuse="Pasting customer lists into prompts.",
            harms=[
                {
                    "to": "individuals",
                    "description": "Customer data leaves the company in a prompt",
                    "severity": "high",
                    "likelihood": "low",
                }
            ],
            transparency_duties=["synthetic_content"],
            human_oversight_measures="A marketer edits and approves every text before use.",
            transparency_measures="Generated images are labelled as such.",
            data_quality_notes="Vendor model; no training on our data (contract clause).",
        )
        change.impact_assessment_approve(actor=admin, assessment=assessment)
        # Not approved: the DLP action is planned, not done; the assistant stays in pilot.

    summariser = assets.get("Support-ticket summariser")
    title = "Summarise support tickets for the weekly report"
    if summariser is not None and not AIChangeRequest.objects.filter(title=title).exists():
        change.change_request_create(
            actor=requester,
            title=title,
            justification="The weekly report takes a day to write by hand.",
            data_going_in="Support tickets, including customer names",
            affected_people="Customers who wrote in; the support team",
            approver=demo.user("admin"),
            asset=summariser,
        )

    title = "Pilot an interview mood analyser"
    if not AIChangeRequest.objects.filter(title=title).exists():
        request = change.change_request_create(
            actor=requester,
            title=title,
            justification="HR wants a signal on candidate engagement in video interviews.",
            data_going_in="Video of interviews",
            affected_people="Job candidates",
            approver=demo.user("admin"),
            new_asset_name="Interview mood analyser",
            new_asset_type="ai_system",
        )
        register.risk_create(
            actor=officer,
            title="Emotion recognition on candidates",
            category="regulatory",
            owner=demo.user("officer").pk,
            assets=[request.asset_id],
            inherent_likelihood=5,
            inherent_impact=5,
        )
        change.impact_assessment_create(
            actor=officer,
            asset=request.asset,
            change_request=request,
            intended_purpose="Infer candidates' emotions from interview video.",
            affected_people="Job candidates",
            prohibited_practices=["emotion_at_work"],
            annex_iii_use_cases=["1c", "4a"],
            human_oversight_measures="HR reviews the output.",
        )


def _fill_soa(demo, statement, rows_for) -> None:
    """Fill every row through the service (the demo obeys the SoA's rules), then the officer
    who prepared it submits it and an admin approves it (5.3)."""
    officer, actor = demo.user("officer"), _actor(demo, "officer")
    linked = {
        row_id
        for row_id, risk_ids in selectors.soa_rows(statement).values_list("pk", "linked_risk_ids")
        if risk_ids
    }
    today = timezone.localdate()
    rows = SoARow.objects.filter(soa=statement, control__isnull=False).select_related("control")
    for index, row in enumerate(rows):
        fields = rows_for(row.control.ref, row.control.title)
        reason = fields.pop("reason", "business")
        if fields.get("applicable", True):
            reasons = {reason} if reason else set()
            if row.pk in linked:
                reasons.add("risk_treatment")
            fields["inclusion_reasons"] = sorted(reasons)
            fields["owner"] = officer
            if fields["implementation_status"] != demo_soa.IMPLEMENTED:
                # Staggered quarter ends over the next year: a plan, not a wish.
                fields["target_date"] = today + timedelta(days=90 * (1 + index % 4))
        soa.soa_row_update(actor=actor, row=row, **fields)
    soa.soa_submit(actor=actor, soa=statement)
    soa.soa_approve(actor=_actor(demo, "admin"), soa=statement, note="Initial SoA (demo)")


def _iso42001_row(ref: str, title: str) -> dict:
    status, reason, justification = demo_soa.ISO42001[ref]
    if status is None:
        return {"applicable": False, "justification": justification}
    return {
        "implementation_status": status,
        "justification": justification,
        "evidence": demo_soa.EVIDENCE_42001.get(status, ""),
        "reason": reason,
    }


SOAS = {"iso27001-2022": demo_soa.iso27001_row, "iso42001-2023": _iso42001_row}


def _own_control(demo, statement) -> None:
    """An own control beside Annex A (6.1.3 c): red-teaming that treats the prompt-injection
    risk, which no Annex A control covers on its own."""
    risk = Risk.objects.filter(title="Prompt injection through pasted web content").first()
    if SoARow.objects.filter(soa=statement, own_ref="DC-AI-1").exists():
        return
    soa.soa_own_control_add(
        actor=_actor(demo, "officer"),
        soa=statement,
        own_ref="DC-AI-1",
        own_title="Red-team prompts before each AI release",
        own_source="Own control (informed by OWASP Top 10 for LLM Applications)",
        own_description="Before an AI feature or tool reaches staff or customers, a tester "
        "tries known prompt-injection and data-extraction attacks and records the results.",
        inclusion_reasons=["risk_treatment"] if risk else ["business"],
        linked_risks=[risk.pk] if risk else [],
        justification="Prompt injection through pasted web content is an open risk; Annex A "
        "8.28 covers our code, not third-party models' behaviour.",
        implementation_status="not_started",
        owner=demo.user("officer"),
        target_date=timezone.localdate() + timedelta(days=120),
    )


def _soa(demo) -> None:
    """An approved ISO 27001 and ISO 42001 SoA, each row justified for this organisation,
    the ISO 27001 one with an own control."""
    setup.organization_starter_rows(organization=demo.organization)
    for code, rows_for in SOAS.items():
        framework = Framework.objects.filter(code=code).first()
        statement = soa.soa_for_framework(framework) if framework else None
        if statement is None or SoASnapshot.objects.filter(soa=statement).exists():
            continue
        if code == "iso27001-2022":
            _own_control(demo, statement)
        _fill_soa(demo, statement, rows_for)


def _evaluations(demo, assets: dict[str, Asset]) -> None:
    """The churn model's fairness and accuracy evaluations (its risk's treatment, and the
    evidence behind ISO 42001 A.6.2.4)."""
    from assets.models import ResponsibleAIEvaluation
    from assets.services.evaluations import evaluation_record

    model = assets.get("Customer churn model")
    if model is None or ResponsibleAIEvaluation.objects.filter(asset=model).exists():
        return
    officer = _actor(demo, "officer")
    quarter_ago = timezone.localdate() - timedelta(days=80)
    evaluation_record(
        actor=officer,
        asset=model,
        kind="bias",
        performed_on=quarter_ago,
        method="Hold-out set of 12,000 customers; false-positive rate per age band "
        "(18–34, 35–54, 55+); tolerance: no band more than 1.25× the lowest.",
        result="55+ band 1.41× the 18–34 band: outside tolerance. Retrained with age-balanced "
        "sampling (see next evaluation).",
        passed=False,
    )
    evaluation_record(
        actor=officer,
        asset=model,
        kind="bias",
        performed_on=quarter_ago + timedelta(days=14),
        method="Same hold-out set and metric after retraining with age-balanced sampling.",
        result="Highest band 1.12× the lowest: within tolerance.",
        passed=True,
    )
    evaluation_record(
        actor=officer,
        asset=model,
        kind="accuracy",
        performed_on=quarter_ago + timedelta(days=14),
        method="AUC on the hold-out set; acceptance criterion AUC ≥ 0.80.",
        result="AUC 0.84 (previous release 0.83).",
        passed=True,
    )


def _register_snapshots(demo) -> None:
    """An approved snapshot of the register and of the treatment plan (8.2, 8.3 evidence):
    the officer takes them, an admin approves them."""
    from risks.models import RiskSnapshot
    from risks.services import snapshots

    for kind in RiskSnapshot.Kind.values:
        if RiskSnapshot.objects.filter(kind=kind).exists():
            continue
        taken = snapshots.snapshot_take(
            actor=_actor(demo, "officer"), kind=kind, note="Quarterly risk review (demo)"
        )
        snapshots.snapshot_approve(
            actor=_actor(demo, "admin"), snapshot=taken, note="Reviewed with management"
        )


def load(demo) -> None:
    setup.organization_starter_rows(organization=demo.organization)
    assets = {a.name: a for a in Asset.objects.all()}
    _risks(demo, assets)
    _change_requests(demo, assets)
    _tags(demo)
    _evaluations(demo, assets)
    _soa(demo)
    _register_snapshots(demo)
