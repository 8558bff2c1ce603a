"""Risks: the register with scores, links to assets, suppliers and controls, and actions.

Per organisation: `size.risks` risks across every category, about 80 % assessed (inherent
likelihood × impact, half of those with a residual score), each owned by a member, linked
to one or two of the organisation's assets, sometimes a supplier, and one or two library
controls; a third have a treatment action. High-tier AI assets get an approved impact
assessment and its EU AI Act obligations (issue 15). Scores are stored as the database's CHECK
constraints require: likelihood × impact.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from assets.models import Asset
from bench.seed import SeededOrg
from isms.models import Control
from risks import ai_act
from risks.models import (
    AIActObligation,
    ImpactAssessment,
    Risk,
    RiskAsset,
    RiskCategory,
    RiskControl,
    RiskCriteria,
    RiskStatus,
    RiskSupplier,
    TreatmentAction,
    TreatmentOption,
)
from suppliers.models import Supplier

THEMES = [
    "Prompts leak customer data",
    "Model drifts after a vendor update",
    "Biased outcomes",
    "Hallucinated answers reach customers",
    "Prompt injection through documents",
    "Training data without a licence",
    "Vendor lock-in",
    "Outputs not disclosed as AI",
    "Staff over-rely on suggestions",
    "Access keys in prompts",
    "Outage of the AI API",
]


def seed(org: SeededOrg) -> None:
    rng, size = org.rng, org.size
    RiskCriteria.objects.get_or_create(organization=org.organization)
    asset_ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    supplier_ids = list(Supplier.objects.order_by("pk").values_list("pk", flat=True))
    control_ids = list(Control.objects.order_by("pk").values_list("pk", flat=True))
    categories = [c.value for c in RiskCategory]
    today = timezone.localdate()
    risks = []
    for n in range(size.risks):
        risk = Risk(
            organization=org.organization,
            title=f"{rng.choice(THEMES)} #{n}",
            description="Seeded for the benchmark.",
            category=rng.choice(categories),
            owner=rng.choice(org.members),
            created_by=org.members[1],
            next_review_date=today + timedelta(days=rng.randint(-30, 365)),
        )
        if rng.random() < 0.8:
            risk.inherent_likelihood, risk.inherent_impact = rng.randint(1, 5), rng.randint(1, 5)
            risk.treatment = rng.choice([t.value for t in TreatmentOption])
            risk.status = rng.choice([RiskStatus.OPEN, RiskStatus.TREATING])
            if rng.random() < 0.5:
                risk.residual_likelihood = rng.randint(1, risk.inherent_likelihood)
                risk.residual_impact = rng.randint(1, risk.inherent_impact)
        risk.inherent_score = Risk.score(risk.inherent_likelihood, risk.inherent_impact)
        risk.residual_score = Risk.score(risk.residual_likelihood, risk.residual_impact)
        risks.append(risk)
    risks = Risk.objects.bulk_create(risks, batch_size=2000)
    asset_links, supplier_links, control_links, actions = [], [], [], []
    for risk in risks:
        for asset_id in rng.sample(asset_ids, min(len(asset_ids), rng.randint(1, 2))):
            asset_links.append(
                RiskAsset(organization=org.organization, risk=risk, asset_id=asset_id)
            )
        if supplier_ids and rng.random() < 0.3:
            supplier_links.append(
                RiskSupplier(
                    organization=org.organization, risk=risk, supplier_id=rng.choice(supplier_ids)
                )
            )
        for control_id in rng.sample(control_ids, min(len(control_ids), rng.randint(1, 2))):
            control_links.append(
                RiskControl(organization=org.organization, risk=risk, control_id=control_id)
            )
        if rng.random() < 0.33:
            actions.append(
                TreatmentAction(
                    organization=org.organization,
                    risk=risk,
                    owner=risk.owner,
                    description="Add a human review step",
                    due_date=today + timedelta(days=60),
                )
            )
    RiskAsset.objects.bulk_create(asset_links, batch_size=5000)
    RiskSupplier.objects.bulk_create(supplier_links, batch_size=5000)
    RiskControl.objects.bulk_create(control_links, batch_size=5000)
    TreatmentAction.objects.bulk_create(actions, batch_size=5000)
    _ai_act_obligations(org)


def _ai_act_obligations(org: SeededOrg) -> None:
    """High-tier AI assets get an approved impact assessment (an Annex III 4(a) system they
    deploy) and its EU AI Act obligations, as the approval writes them."""
    today = timezone.localdate()
    result = ai_act.classify(ai_act.Facts(role="deployer", use_cases=("4a",)))
    items = [o.as_dict() for o in result.obligations]
    assets = list(Asset.objects.filter(risk_tier="high").values_list("pk", "owner_id"))
    assessments = ImpactAssessment.objects.bulk_create(
        [
            ImpactAssessment(
                organization=org.organization,
                asset_id=asset_id,
                status=ImpactAssessment.Status.APPROVED,
                intended_purpose="Screen job applications",
                foreseeable_misuse="Ranking on criteria the job does not need",
                annex_iii_use_cases=["4a"],
                high_risk_areas=["employment"],
                risk_tier=result.tier,
                effective_role=result.effective_role,
                classification_reasons=result.reasons,
                obligations=ai_act.obligation_lines(result.obligations),
                obligation_items=items,
                prepared_by_id=owner_id or org.members[1].pk,
                approved_by=org.members[1],
                approved_at=timezone.now(),
            )
            for asset_id, owner_id in assets
        ],
        batch_size=2000,
    )
    rows = []
    for assessment, (asset_id, owner_id) in zip(assessments, assets, strict=True):
        for item in items:
            applies_from = date.fromisoformat(item["applies_from"])
            rows.append(
                AIActObligation(
                    organization=org.organization,
                    asset_id=asset_id,
                    assessment=assessment,
                    code=item["code"],
                    article=item["article"],
                    text=item["text"],
                    applies_from=applies_from,
                    date_source=item["date_source"][:200],
                    owner_id=owner_id or org.members[1].pk,
                    due_on=max(applies_from, today + timedelta(days=30)),
                )
            )
    AIActObligation.objects.bulk_create(rows, batch_size=5000)
