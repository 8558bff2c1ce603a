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
ISO/IEC 27001:2022 6.1.3 f). And an ISO 27001 Statement of Applicability with an approved
snapshot.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import Asset
from isms.access import Actor
from isms.models import Control, Framework, Membership
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
            high_risk_areas=["employment", "biometrics"],
            human_oversight_measures="HR reviews the output.",
        )


EXCLUDED = {
    "8.30": "We do not outsource software development.",
    "7.5": "Our offices hold no equipment needing protection from physical threats beyond 7.1–7.4.",
}


def _soa(demo) -> None:
    framework = Framework.objects.filter(code="iso27001-2022").first()
    if framework is None:
        return
    statement = soa.soa_for_framework(framework)
    if statement is None:
        setup.organization_starter_rows(organization=demo.organization)
        statement = soa.soa_for_framework(framework)
    if SoASnapshot.objects.filter(soa=statement).exists():
        return
    rows = SoARow.objects.filter(soa=statement, inclusion_reasons=[], justification="")
    officer = demo.user("officer")
    for row in rows.select_related("control"):
        ref = row.control.ref
        if ref in EXCLUDED:
            row.applicable, row.justification = False, EXCLUDED[ref]
        else:
            row.inclusion_reasons = ["risk_treatment", "business"]
            row.implementation_status = "implemented" if ref < "6" else "partial"
            row.owner = officer
        row.save()
    # Two people: the officer who prepared it submits it, an admin approves it (5.3).
    soa.soa_submit(actor=_actor(demo, "officer"), soa=statement)
    soa.soa_approve(actor=_actor(demo, "admin"), soa=statement, note="Initial SoA (demo)")


def load(demo) -> None:
    setup.organization_starter_rows(organization=demo.organization)
    assets = {a.name: a for a in Asset.objects.all()}
    _risks(demo, assets)
    _change_requests(demo, assets)
    _soa(demo)
