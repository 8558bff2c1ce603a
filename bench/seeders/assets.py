"""Assets: the register with owners, suppliers, dependencies, evaluations and owner grants.

Per organisation: `size.assets` assets of every type (about 60 % AI), each owned by a member
(a few shadow-AI reports awaiting triage have no owner, as the check constraint allows),
AI SaaS tools and APIs linked to the organisation's AI suppliers. Dependencies point only to
assets created earlier (lower ids), so the graph is acyclic, as the service guarantees. The
owner holds guardian's change/record grants on each asset, as asset_create gives them.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from assets.models import (
    AI_TYPES,
    AffectedGroup,
    Asset,
    AssetDependency,
    AssetType,
    AssetUserObjectPermission,
    Classification,
    DependencyKind,
    EUAIActRole,
    EvaluationKind,
    HumanOversight,
    Lifecycle,
    ProviderTraining,
    ResponsibleAIEvaluation,
    RiskTier,
    Source,
    Triage,
)
from bench.seed import SeededOrg
from isms.choices import DataCategory
from suppliers.models import Supplier

NAMES = {
    AssetType.AI_MODEL: ["Churn model", "Fraud scorer", "Invoice classifier", "Lead ranker"],
    AssetType.AI_SYSTEM: ["Support assistant", "Contract reviewer", "CV screening"],
    AssetType.TRAINING_DATASET: ["Support tickets corpus", "Transactions training set"],
    AssetType.EVALUATION_DATASET: ["Holdout set", "Bias evaluation set"],
    AssetType.KNOWLEDGE_BASE: ["Product docs index", "Policy handbook index"],
    AssetType.PROMPT: ["Summary prompt library", "Reply drafting prompts"],
    AssetType.AI_SAAS_TOOL: ["Meeting notes AI", "Writing assistant", "Code assistant"],
    AssetType.AI_API: ["LLM gateway", "Translation API", "Speech-to-text API"],
    AssetType.AI_AGENT: ["Triage agent", "Procurement agent"],
    AssetType.AI_OUTPUT: ["Generated release notes", "Drafted customer replies"],
    AssetType.APPLICATION: ["Customer portal", "HR system", "Billing app", "Intranet"],
    AssetType.DATABASE: ["Customer database", "Data warehouse", "Ledger database"],
    AssetType.INFRASTRUCTURE: ["Kubernetes cluster", "VPN gateway", "Build servers"],
    AssetType.SERVICE: ["Email service", "Backup service", "Monitoring"],
}
TYPE_WEIGHTS = {t: (3 if t in AI_TYPES else 5) for t in AssetType}
PROVIDERS = ["OpenAI", "Anthropic", "Mistral", "In-house", "Hugging Face", "Google"]
TAGS = ["finance", "hr", "sales", "support", "engineering", "marketing", "legal", "gdpr"]
CATEGORIES = [c.value for c in DataCategory]
DEPENDENCY_KIND = {
    AssetType.AI_MODEL: DependencyKind.TRAINED_ON,
    AssetType.AI_SYSTEM: DependencyKind.USES,
    AssetType.AI_AGENT: DependencyKind.USES,
    AssetType.KNOWLEDGE_BASE: DependencyKind.FEEDS,
}


def seed(org: SeededOrg) -> None:
    organization_id = org.organization.pk
    rng = org.rng
    members = org.members
    now = timezone.now()
    ai_suppliers = list(
        Supplier.objects.exclude(ai_services=[]).values_list("pk", flat=True).order_by("pk")
    )
    types = list(TYPE_WEIGHTS)
    weights = list(TYPE_WEIGHTS.values())

    assets = []
    for n in range(org.size.assets):
        asset_type = rng.choices(types, weights)[0]
        is_ai = asset_type in AI_TYPES
        shadow = is_ai and rng.random() < 0.01
        asset = Asset(
            organization_id=organization_id,
            name=f"{rng.choice(NAMES[asset_type])} {n + 1:05d}",
            description=f"{AssetType(asset_type).label} used by the {rng.choice(TAGS)} team.",
            asset_type=asset_type,
            owner=None if shadow else rng.choice(members),
            custodian=rng.choice(members) if rng.random() < 0.3 else None,
            classification=rng.choice(Classification.values),
            lifecycle=rng.choices(Lifecycle.values, weights=[2, 2, 10, 1])[0],
            data_categories=rng.sample(CATEGORIES, rng.randint(0, 3)),
            supplier_id=(
                rng.choice(ai_suppliers)
                if ai_suppliers and asset_type in (AssetType.AI_SAAS_TOOL, AssetType.AI_API)
                else None
            ),
            customer_facing=rng.random() < 0.2,
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            last_reviewed_at=now - timedelta(days=rng.randint(1, 600))
            if rng.random() < 0.7
            else None,
            source=Source.SHADOW_REPORT if shadow else Source.REGISTER,
            triage_status=Triage.PENDING if shadow else Triage.NONE,
            reported_by=rng.choice(members) if shadow else None,
            created_by=members[1],
            created=now - timedelta(days=rng.randint(1, 900)),
        )
        if shadow:
            asset.lifecycle = Lifecycle.PILOT
        if is_ai:
            asset.intended_purpose = "Helps staff answer and route customer requests faster."
            asset.known_limitations = "May state wrong facts confidently; English only."
            asset.human_oversight = rng.choice(HumanOversight.values)
            asset.affected_groups = rng.sample(AffectedGroup.values, rng.randint(1, 2))
            asset.model_provider = rng.choice(PROVIDERS)
            asset.model_version = f"{rng.randint(1, 4)}.{rng.randint(0, 9)}"
            asset.provider_trains_on_our_data = rng.choice(ProviderTraining.values)
            asset.eu_ai_act_role = rng.choice([EUAIActRole.DEPLOYER, EUAIActRole.PROVIDER])
            asset.risk_tier = rng.choices(RiskTier.values, weights=[4, 4, 3, 1, 0])[0]
            asset.concern_contact = "ai-concerns@example.com"
        if asset.lifecycle == Lifecycle.RETIRED:
            asset.retired_at = now - timedelta(days=rng.randint(1, 300))
        assets.append(asset)
    assets = Asset.objects.bulk_create(assets, batch_size=2000)

    edges, seen = [], set()
    for index, asset in enumerate(assets[1:], start=1):
        for _ in range(rng.choice([0, 1, 1, 2])):
            target = assets[rng.randrange(max(0, index - 200), index)]  # a lower id: acyclic
            kind = DEPENDENCY_KIND.get(asset.asset_type, DependencyKind.HOSTED_ON)
            if (asset.pk, target.pk, kind) in seen:
                continue
            seen.add((asset.pk, target.pk, kind))
            edges.append(
                AssetDependency(
                    organization_id=organization_id, asset=asset, depends_on=target, kind=kind
                )
            )
    AssetDependency.objects.bulk_create(edges, batch_size=5000)

    ResponsibleAIEvaluation.objects.bulk_create(
        (
            ResponsibleAIEvaluation(
                organization_id=organization_id,
                asset=asset,
                kind=rng.choice(EvaluationKind.values),
                performed_on=(now - timedelta(days=rng.randint(1, 365))).date(),
                method="Holdout set of 2,000 labelled cases; accuracy and per-group error rates.",
                result=f"Accuracy {rng.randint(80, 97)}%; group gap {rng.randint(1, 9)} points.",
                passed=rng.random() < 0.8,
                recorded_by=asset.owner,
            )
            for asset in assets
            if asset.asset_type in (AssetType.AI_MODEL, AssetType.AI_SYSTEM) and rng.random() < 0.3
        ),
        batch_size=5000,
    )

    permissions = list(
        Permission.objects.filter(
            content_type__app_label="assets", codename__in=["change_asset", "record_evaluation"]
        )
    )
    AssetUserObjectPermission.objects.bulk_create(
        (
            AssetUserObjectPermission(
                organization_id=organization_id,
                user_id=asset.owner_id,
                permission=permission,
                content_object=asset,
            )
            for asset in assets
            if asset.owner_id is not None
            for permission in permissions
        ),
        batch_size=5000,
    )
