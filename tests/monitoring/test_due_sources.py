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
            supplier=supplier, type="soc2_type2", valid_until=TODAY + timedelta(days=5)
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
