"""The due sources of the registers below monitoring: each reminds the right person
(certificates and reassessments: 5.19-5.22; acceptances and treatment: 6.1.3, 8.3; policy
acknowledgements: 5.2, 7.3; approvals waiting for someone)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.models import Role
from monitoring.inbox import sources
from risks.models import RiskAcceptance, TreatmentAction
from suppliers.models import Supplier, SupplierCertification
from tests.factories import MembershipFactory
from tests.policies.factories import make_published
from tests.risks.factories import make_change_request, make_risk

TODAY = timezone.localdate()


def _by_kind(org):
    found: dict[str, list] = {}
    for item in sources.gather(org.pk, TODAY):
        found.setdefault(item.kind, []).append(item)
    return found


def test_registers_feed_the_inbox_with_the_right_people(org_a, org_b, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        supplier = Supplier.objects.create(
            name="Vendor", owner=owner, next_reassessment_date=TODAY + timedelta(days=3)
        )
        old = SupplierCertification.objects.create(
            supplier=supplier,
            type="soc2_type2",
            period_end=TODAY + timedelta(days=5) - timedelta(days=365),
            valid_until=TODAY + timedelta(days=5),
        )
        renewed = SupplierCertification.objects.create(
            supplier=supplier, type="iso27001", valid_until=TODAY - timedelta(days=20)
        )
        SupplierCertification.objects.create(  # its renewal: the old one is not reminded
            supplier=supplier, type="iso27001", valid_until=TODAY + timedelta(days=700)
        )
        risk = make_risk(org_a)
        TreatmentAction.objects.create(
            risk=risk, description="Add MFA", owner=owner, due_date=TODAY - timedelta(days=1)
        )
        RiskAcceptance.objects.create(
            risk=risk,
            rationale="ok",
            expires_on=TODAY + timedelta(days=10),
            requested_by=owner,
            status=RiskAcceptance.Status.APPROVED,
        )
        request = make_change_request(org_a)
        version = make_published(org_a)
        found = _by_kind(org_a)
    certificates = {i.key.split(":")[1] for i in found["supplier_certificate"]}
    assert certificates == {str(old.pk)} and str(renewed.pk) not in certificates
    assert found["supplier_certificate"][0].recipient_ids == [owner.pk]
    assert found["supplier_reassessment"][0].recipient_ids == [owner.pk]
    assert found["treatment_action"][0].recipient_ids == [owner.pk]
    assert found["risk_acceptance_expiring"][0].recipient_ids == [risk.owner_id]
    approval = found["approval_change_request"][0]
    assert approval.recipient_ids == [request.approver_id]
    assert approval.url.endswith(f"/risks/changes/{request.pk}/")
    acknowledgement = found["policy_acknowledgement"][0]
    assert acknowledgement.key == f"policy_acknowledgement:{version.pk}"
    assert owner.pk in acknowledgement.recipient_ids and officer.pk in acknowledgement.recipient_ids
    with in_tenant(org_b):
        MembershipFactory(organization=org_b, role=Role.OFFICER)
        assert not any(_by_kind(org_b).values())  # nothing of A's reaches B


def test_a_requested_acceptance_waits_for_the_risk_owner_and_above_appetite_for_top_management(
    org_a, member, in_tenant
):
    """ISO/IEC 27001:2022 6.1.3 f: the risk owner accepts the residual risk, so the request
    waits for them, not for approvers. Above the appetite it also waits for the members
    designated top management until one endorses the current score; never for an auditor."""
    from isms.models import Membership
    from risks.models import Risk, RiskCriteria

    requester = member(org_a, Role.OFFICER)
    board = member(org_a, Role.CONTRIBUTOR)
    auditor = member(org_a, Role.AUDITOR)
    Membership.objects.filter(user__in=[board, auditor], organization=org_a).update(
        top_management=True
    )
    with in_tenant(org_a):
        low = make_risk(org_a)
        Risk.objects.filter(pk=low.pk).update(
            residual_likelihood=1, residual_impact=1, residual_score=1
        )
        high = make_risk(org_a)
        threshold = RiskCriteria.objects.get().acceptance_threshold
        Risk.objects.filter(pk=high.pk).update(
            inherent_likelihood=5,
            inherent_impact=5,
            inherent_score=25,
            residual_likelihood=5,
            residual_impact=5,
            residual_score=25,
        )
        assert threshold < 25
        for risk in (low, high):
            RiskAcceptance.objects.create(
                risk=risk,
                rationale="Residual risk is tolerable.",
                expires_on=TODAY + timedelta(days=90),
                requested_by=requester,
            )
        waiting = {
            i.url.rstrip("/").split("/")[-1]: i for i in _by_kind(org_a)["approval_risk_acceptance"]
        }
        assert waiting[str(low.pk)].recipient_ids == [low.owner_id]
        assert waiting[str(high.pk)].recipient_ids == [high.owner_id, board.pk]
        RiskAcceptance.objects.filter(risk=high).update(authority=board, authority_score=25)
        endorsed = {
            i.url.rstrip("/").split("/")[-1]: i for i in _by_kind(org_a)["approval_risk_acceptance"]
        }
        assert endorsed[str(high.pk)].recipient_ids == [high.owner_id]
