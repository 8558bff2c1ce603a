"""Demo data for the asset register (idempotent: natural keys are the external ids)."""

from __future__ import annotations

from isms.access import Actor
from isms.models import Membership

from . import services
from .models import AI_TYPES, Asset, AssetDependency, Lifecycle

ASSETS = [
    {
        "external_id": "demo-chat-assistant",
        "name": "Marketing chat assistant",
        "asset_type": "ai_saas_tool",
        "description": "A general-purpose chat assistant the marketing team uses for drafts.",
        "classification": "internal",
        "lifecycle": "pilot",
        "data_categories": ["confidential_business", "customer_content"],
        "intended_purpose": "Drafting campaign copy and social posts for human editing.",
        "known_limitations": "Invents facts; no knowledge of our product roadmap.",
        "human_oversight": "in_the_loop",
        "affected_groups": ["employees", "public"],
        "model_provider": "Hosted LLM vendor",
        "provider_trains_on_our_data": "opted_out",
        "eu_ai_act_role": "deployer",
        "concern_contact": "ai-concerns@demo.example",
        "tags": ["marketing"],
        "supplier_names": ["Parley Chat"],
    },
    {
        "external_id": "demo-code-assistant",
        "name": "Code assistant",
        "asset_type": "ai_saas_tool",
        "description": "Code completion in the developers' editors.",
        "classification": "confidential",
        "lifecycle": "pilot",
        "data_categories": ["source_code"],
        "intended_purpose": "Suggesting code; every suggestion is reviewed in a pull request.",
        "human_oversight": "in_the_loop",
        "affected_groups": ["employees"],
        "provider_trains_on_our_data": "no",
        "eu_ai_act_role": "deployer",
        "tags": ["engineering"],
        "supplier_names": ["Codewright Assist"],
    },
    {
        "external_id": "demo-churn-training",
        "name": "Churn training dataset",
        "asset_type": "training_dataset",
        "description": "Two years of pseudonymised subscription events (customer ids replaced "
        "by keys: still personal data) used to train the churn model.",
        "classification": "restricted",
        "lifecycle": "pilot",
        "data_categories": ["personal", "financial"],
        "tags": ["data-science"],
    },
    {
        "external_id": "demo-churn-model",
        "name": "Customer churn model",
        "asset_type": "ai_model",
        "description": "In-house gradient-boosted model scoring churn risk each night.",
        "classification": "confidential",
        "lifecycle": "pilot",
        "data_categories": ["personal", "financial"],
        "intended_purpose": "Prioritising retention calls; never used to change prices.",
        "known_limitations": "Weaker for customers with under three months of history.",
        "human_oversight": "on_the_loop",
        "affected_groups": ["customers"],
        "model_provider": "In-house",
        "model_version": "2.3",
        "eu_ai_act_role": "provider",
        "concern_contact": "data-science@demo.example",
        "tags": ["data-science"],
        "supplier_names": ["Nimbus ML Platform"],
    },
    {
        "external_id": "demo-llm-api",
        "name": "LLM API integration",
        "asset_type": "ai_api",
        "description": "The API account our services call for text generation.",
        "classification": "confidential",
        "lifecycle": "pilot",
        "data_categories": ["customer_content"],
        "provider_trains_on_our_data": "no",
        "eu_ai_act_role": "deployer",
        "supplier_names": ["Parley Chat"],
    },
    {
        "external_id": "demo-ticket-summariser",
        "name": "Support-ticket summariser",
        "asset_type": "ai_system",
        "description": "Summarises long support tickets for agents inside the helpdesk.",
        "classification": "confidential",
        "lifecycle": "pilot",
        "data_categories": ["personal", "customer_content"],
        "intended_purpose": "Saving agents reading time; the agent still reads the ticket.",
        "known_limitations": "Can drop details from very long threads.",
        "human_oversight": "in_the_loop",
        "affected_groups": ["employees", "customers"],
        "eu_ai_act_role": "deployer",
        "transparency_notice_text": "Agents see an 'AI summary' label on every summary.",
        "customer_facing": False,
    },
    {
        "external_id": "demo-prompt-library",
        "name": "Support prompt library",
        "asset_type": "prompt",
        "description": "Versioned prompts the summariser and agents use.",
        "classification": "internal",
        "lifecycle": "pilot",
        "data_categories": [],
    },
    {
        "external_id": "demo-helpdesk",
        "name": "Helpdesk",
        "asset_type": "application",
        "description": "The support ticketing system.",
        "classification": "confidential",
        "lifecycle": "production",
        "data_categories": ["personal", "customer_content"],
    },
]
DEPENDENCIES = [
    ("demo-churn-model", "demo-churn-training", "trained_on"),
    ("demo-ticket-summariser", "demo-llm-api", "uses"),
    ("demo-ticket-summariser", "demo-prompt-library", "uses"),
    ("demo-ticket-summariser", "demo-helpdesk", "retrieves_from"),
]


def load(demo) -> None:
    from suppliers.models import Supplier

    officer = demo.user("officer")
    owner = demo.user("contributor")
    actor = Actor.for_membership(
        Membership.objects.select_related("organization", "user").get(
            organization=demo.organization, user=officer
        )
    )
    suppliers = {s.name.lower(): s for s in Supplier.objects.all()}
    by_external_id = {}
    for spec in ASSETS:
        values = dict(spec)
        names = values.pop("supplier_names", [])
        supplier = next((suppliers[n.lower()] for n in names if n.lower() in suppliers), None)
        existing = Asset.objects.filter(external_id=values["external_id"]).first()
        if existing is None:
            stage = values.pop("lifecycle")
            gated = values["asset_type"] in AI_TYPES and stage in services.GATED_STAGES
            asset = services.asset_create(
                actor=actor,
                owner=owner if spec["asset_type"] != "application" else officer,
                supplier=supplier,
                lifecycle=Lifecycle.PROPOSED if gated else stage,
                **values,
            )
            if gated:
                # Demo history: these AI tools were adopted before the organisation had its AI
                # change gate. No service moves an AI asset there unapproved, so the demo
                # writes the stage itself: the compliance debt the product then shows.
                Asset.objects.filter(pk=asset.pk).update(lifecycle=stage)
                asset.lifecycle = stage
        else:
            asset = existing
        by_external_id[asset.external_id] = asset
    for dependent, dependency, kind in DEPENDENCIES:
        a, d = by_external_id[dependent], by_external_id[dependency]
        if not AssetDependency.objects.filter(asset=a, depends_on=d, kind=kind).exists():
            services.dependency_add(actor=actor, asset=a, depends_on=d, kind=kind)
    if not Asset.objects.filter(name="SlideMagic AI").exists():
        reporter = Actor.for_membership(
            Membership.objects.select_related("organization", "user").get(
                organization=demo.organization, user=owner
            )
        )
        services.shadow_ai_report(
            actor=reporter,
            name="SlideMagic AI",
            used_by="Sales team",
            purpose="Turning customer meeting notes into pitch decks.",
            data_going_in="Meeting notes with customer names and deal sizes.",
            data_categories=["personal", "confidential_business"],
        )
