"""Makers for every tenant model of risks/ (the generic suites use them), and helpers."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from isms.access import Actor
from isms.models import Control, Framework, Membership, Role
from isms.signals import control_library_loaded
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    FundamentalRightsAssessment,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskAsset,
    RiskControl,
    RiskCriteria,
    RiskSnapshot,
    RiskSupplier,
    RiskUserObjectPermission,
    SoARow,
    SoARowRisk,
    SoASnapshot,
    StatementOfApplicability,
    TreatmentAction,
)
from tests.assets.factories import make_asset
from tests.factories import MembershipFactory, object_factory
from tests.suppliers.factories import make_supplier


def actor_for(organization, role: str = Role.OFFICER, user=None) -> Actor:
    """An Actor for a (new, unless given) member of `organization` with `role`."""
    if user is None:
        user = MembershipFactory(organization=organization, role=role).user
    membership = Membership.objects.select_related("organization", "user").get(
        organization=organization, user=user
    )
    return Actor.for_membership(membership)


def designate_top_management(organization, user) -> Actor:
    """Give a member the top-management designation (as an administrator does); their Actor."""
    Membership.objects.filter(organization=organization, user=user).update(top_management=True)
    return actor_for(organization, user=user)


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Risk {n:05d}")
    description = "Customer data pasted into prompts leaves the company"
    category = "data_leakage"
    inherent_likelihood = 3
    inherent_impact = 4

    @factory.post_generation
    def owner_grant(obj, create, extracted, **kwargs):
        """The owner's guardian grant, as risks.services.risk_create gives it."""
        if create and obj.owner_id:
            from isms import policy

            policy.policy_for(Risk).grant_owner(obj, obj.owner)


def library_control(ref: str = "T.1") -> Control:
    framework, _ = Framework.objects.get_or_create(
        code="test-framework", defaults={"name": "Test framework"}
    )
    control, created = Control.objects.get_or_create(
        framework=framework,
        ref=ref,
        defaults={"group": "Test", "title": f"Control {ref}", "description": "A test control"},
    )
    if created:  # as the library's loader does: every organisation's SoA gets the row
        control_library_loaded.send(sender=Framework, created=1)
    return control


@object_factory(RiskCriteria)
def make_criteria(organization):
    return RiskCriteria.objects.get_or_create(organization=organization)[0]


@object_factory(Risk)
def make_risk(organization):
    owner = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    return RiskFactory(organization=organization, owner=owner)


@object_factory(RiskUserObjectPermission)
def make_risk_grant(organization):
    risk = make_risk(organization)  # RiskFactory grants the owner change_risk
    return RiskUserObjectPermission.objects.get(content_object=risk)


@object_factory(RiskAsset)
def make_risk_asset(organization):
    return RiskAsset.objects.create(risk=make_risk(organization), asset=make_asset(organization))


@object_factory(RiskSupplier)
def make_risk_supplier(organization):
    return RiskSupplier.objects.create(
        risk=make_risk(organization), supplier=make_supplier(organization)
    )


@object_factory(RiskControl)
def make_risk_control(organization):
    return RiskControl.objects.create(risk=make_risk(organization), control=library_control())


@object_factory(TreatmentAction)
def make_action(organization):
    risk = make_risk(organization)
    return TreatmentAction.objects.create(
        risk=risk, description="Turn on the DLP policy", owner=risk.owner
    )


@object_factory(RiskAcceptance)
def make_acceptance(organization):
    risk = make_risk(organization)
    return RiskAcceptance.objects.create(
        risk=risk,
        rationale="Low exposure, compensating controls in place",
        expires_on=timezone.localdate() + timedelta(days=90),
        requested_by=risk.owner,
        score_at_request=risk.current_score,
    )


@object_factory(AIChangeRequest)
def make_change_request(organization):
    asset = make_asset(organization)
    approver = MembershipFactory(organization=organization, role=Role.OFFICER).user
    return AIChangeRequest.objects.create(
        title=f"Introduce {asset.name}",
        justification="Saves support time",
        asset=asset,
        data_going_in="Support tickets",
        affected_people="Customers",
        requested_by=asset.owner,
        approver=approver,
    )


@object_factory(ImpactAssessment)
def make_impact_assessment(organization):
    asset = make_asset(organization)
    return ImpactAssessment.objects.create(
        asset=asset, intended_purpose="Draft replies", prepared_by=asset.owner
    )


@object_factory(AIActObligation)
def make_ai_act_obligation(organization):
    assessment = make_impact_assessment(organization)
    return AIActObligation.objects.create(
        asset=assessment.asset,
        assessment=assessment,
        code="art26_1",
        article="Art. 26(1)",
        text="Use it according to the provider's instructions for use.",
        applies_from=date(2026, 8, 2),
        date_source="Art. 113",
        owner=assessment.asset.owner,
        due_on=date(2026, 8, 2),
    )


@object_factory(FundamentalRightsAssessment)
def make_fria(organization):
    assessment = make_impact_assessment(organization)
    return FundamentalRightsAssessment.objects.create(
        asset=assessment.asset,
        assessment=assessment,
        deployer_processes="Screening job applications",
        prepared_by=assessment.asset.owner,
    )


@object_factory(StatementOfApplicability)
def make_soa(organization):
    return StatementOfApplicability.objects.get_or_create(
        organization=organization, framework=library_control().framework
    )[0]


@object_factory(SoARow)
def make_soa_row(organization):
    soa = make_soa(organization)
    return SoARow.objects.get_or_create(
        organization=organization, soa=soa, control=library_control()
    )[0]


@object_factory(SoASnapshot)
def make_snapshot(organization):
    soa = make_soa(organization)
    number = SoASnapshot.objects.filter(soa=soa).count() + 1
    return SoASnapshot.objects.create(
        soa=soa,
        number=number,
        rows=[{"ref": "T.1", "title": "Control T.1", "applicable": True}],
        approved_by=MembershipFactory(organization=organization, role=Role.OFFICER).user,
    )


def make_own_control_row(organization, ref: str = "OWN-1") -> SoARow:
    """An organisation's own control in its SoA (a row with no library control)."""
    soa = make_soa(organization)
    return SoARow.objects.get_or_create(
        organization=organization,
        soa=soa,
        control=None,
        own_ref=ref,
        defaults={"own_title": f"Own control {ref} of {organization.slug}"},
    )[0]


@object_factory(SoARowRisk)
def make_soa_row_risk(organization):
    row = make_own_control_row(organization)
    return SoARowRisk.objects.create(
        organization=organization, row=row, risk=make_risk(organization)
    )


@object_factory(RiskSnapshot)
def make_risk_snapshot(organization):
    number = RiskSnapshot.objects.filter(kind="register").count() + 1
    return RiskSnapshot.objects.create(
        organization=organization,
        kind="register",
        number=number,
        rows=[{"ref": "R-1", "title": f"A risk of {organization.slug}"}],
        taken_by=MembershipFactory(organization=organization, role=Role.OFFICER).user,
    )


def many_risks(organization, owner, count: int) -> list[Risk]:
    """Unsaved risks for bulk_create, spread over the 5×5 matrix (scores set: no save())."""
    risks = []
    for i in range(count):
        likelihood, impact = 1 + i % 5, 1 + (i // 5) % 5
        risks.append(
            Risk(
                organization=organization,
                title=f"Risk {i:05d}",
                category="privacy" if i % 2 else "bias_fairness",
                owner=owner,
                inherent_likelihood=likelihood,
                inherent_impact=impact,
                inherent_score=likelihood * impact,
            )
        )
    return risks
