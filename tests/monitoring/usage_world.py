"""An organisation whose registers approve one AI tool for one person, for the usage tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from assets.models import Asset, AssetType, Lifecycle
from isms.models import Organization, Role
from policies import services as policy_services
from policies.models import PolicyKind
from risks.models import AIChangeRequest, ImpactAssessment
from suppliers.models import SupplierAssessment, SupplierCertification
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory
from tests.policies.factories import actor_for, make_published
from tests.suppliers.factories import SupplierFactory, make_question_set


@dataclass
class World:
    organization: Organization
    officer: object
    person: object  # an active member who acknowledged the AI acceptable use policy
    asset: Asset
    change_request: AIChangeRequest
    supplier: object
    policy_version: object


def build_world(organization, *, slug_hint: str = "chat") -> World:
    """Call inside the organisation's tenant context."""
    officer = MembershipFactory(organization=organization, role=Role.OFFICER).user
    person = MembershipFactory(
        organization=organization, role=Role.CONTRIBUTOR, user__email=f"ana@{slug_hint}.example"
    ).user
    supplier = SupplierFactory(organization=organization, owner=officer)
    SupplierAssessment.objects.create(
        supplier=supplier,
        question_set=make_question_set(organization),
        status=SupplierAssessment.Status.APPROVED,
        decided_at=timezone.now(),
    )
    SupplierCertification.objects.create(
        supplier=supplier,
        type=SupplierCertification.Type.ISO27001,
        valid_until=timezone.localdate() + timedelta(days=200),
    )
    asset = AssetFactory(
        organization=organization,
        owner=officer,
        name="Chat assistant",
        asset_type=AssetType.AI_SAAS_TOOL,
        lifecycle=Lifecycle.PRODUCTION,
        external_id=slug_hint,
        model_provider="OpenAI",
        model_version="gpt-4o",
        tags=["domain:chat.example.com"],
        data_categories=["customer_content", "public"],
        supplier=supplier,
    )
    change_request = AIChangeRequest.objects.create(
        title="Introduce the chat assistant",
        justification="Support",
        asset=asset,
        data_going_in="Tickets",
        data_categories=["customer_content", "personal"],
        affected_people="Customers",
        requested_by=officer,
        approver=MembershipFactory(organization=organization, role=Role.OFFICER).user,
        status=AIChangeRequest.Status.APPROVED,
        decided_at=timezone.now(),
    )
    officer_actor = actor_for(officer, organization)
    version = make_published(
        organization, officer=officer_actor, kind=PolicyKind.AI_ACCEPTABLE_USE, title="AI use"
    )
    policy_services.acknowledge(actor=actor_for(person, organization), version=version)
    return World(organization, officer, person, asset, change_request, supplier, version)


def approved_assessment(asset, **fields) -> ImpactAssessment:
    assessment = ImpactAssessment.objects.create(
        asset=asset, intended_purpose="Chat", prepared_by=asset.owner, **fields
    )
    ImpactAssessment.objects.filter(pk=assessment.pk).update(status="approved")
    return assessment


def body(tool=None, person=None, categories=(), **extra) -> dict:
    return {
        "tool": tool or {"external_id": "chat"},
        "person": person or {"email": "ana@chat.example"},
        "data_categories": list(categories),
        **extra,
    }
