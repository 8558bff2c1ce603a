"""The risks policies (risks.access): ownership through guardian, segregation of duties on
every approval, the risk owner's named exception, the appetite, and pages that show only the
controls a member can use. Refusals are asserted by their error code, not their wording."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms import policy
from isms.errors import ErrorCode, NotPermitted
from risks.models import (
    Risk,
    RiskAcceptance,
    RiskCriteria,
    RiskUserObjectPermission,
    SoARow,
    StatementOfApplicability,
)
from risks.services import change as gate
from risks.services import register
from risks.services import soa as soa_services
from tests.risks.factories import designate_top_management, library_control

pytestmark = pytest.mark.django_db


def _risk(people, owner, *, likelihood=2, impact=2, actor=None):
    return register.risk_create(
        actor=actor or people.officer_actor,
        title="Prompts leak customer data",
        category="data_leakage",
        owner=owner,
        inherent_likelihood=likelihood,
        inherent_impact=impact,
    )


def _acceptance(actor, risk):
    return register.acceptance_request(
        actor=actor,
        risk=risk,
        rationale="Compensating controls in place",
        expires_on=timezone.localdate() + timedelta(days=90),
    )


def _code(call) -> str:
    with pytest.raises(NotPermitted) as refused:
        call()
    return refused.value.code


# --- Ownership: one mechanism (guardian) -----------------------------------------------------


def test_a_contributor_changes_the_risks_they_own_through_the_guardian_grant(
    org_a, in_tenant, people
):
    with in_tenant(org_a):
        # Raised by the contributor, owned by `other`: raising it gives no rights on it.
        risk = _risk(people, people.other, actor=people.contributor_actor)
        assert RiskUserObjectPermission.objects.filter(
            content_object=risk, user=people.other
        ).exists()
        assert policy.can(people.other_actor, "change", risk)
        assert not policy.can(people.contributor_actor, "change", risk)
        assert not policy.can(people.auditor_actor, "change", risk)
        register.risk_update(actor=people.other_actor, risk=risk, description="Seen in logs")
        # Handing the risk over moves the grant: the previous owner loses it.
        register.risk_update(actor=people.other_actor, risk=risk, owner=people.contributor)
        assert policy.can(people.contributor_actor, "change", risk)
        assert not policy.can(people.other_actor, "change", risk)
        code = _code(
            lambda: register.risk_update(actor=people.other_actor, risk=risk, description="x")
        )
        assert code == ErrorCode.PERMISSION_DENIED
        assert (
            _code(
                lambda: register.risk_update(actor=people.auditor_actor, risk=risk, description="x")
            )
            == ErrorCode.MISSING_SCOPE
        )


def test_auditors_can_never_own_a_risk_or_a_treatment_action(org_a, in_tenant, people):
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as refused:
            _risk(people, people.auditor)
        assert "owner" in refused.value.message_dict
        risk = _risk(people, people.contributor)
        with pytest.raises(ValidationError) as refused:
            register.risk_update(actor=people.officer_actor, risk=risk, owner=people.auditor)
        assert "owner" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            register.treatment_action_create(
                actor=people.officer_actor, risk=risk, description="DLP", owner=people.auditor
            )
        assert "owner" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            gate.change_request_create(
                actor=people.contributor_actor,
                title="Try a tool",
                justification="Speed",
                data_going_in="Tickets",
                affected_people="Customers",
                approver=people.auditor,
                new_asset_name="Tool",
            )
        assert "approver" in refused.value.message_dict


# --- Risk acceptance: the owner's named exception, the appetite ------------------------------


def test_named_exception_a_contributor_risk_owner_accepts_their_own_residual_risk(
    org_a, in_tenant, people
):
    """ISO/IEC 27001:2022 6.1.3 f): risk owners accept the residual information security
    risk. The contributor owns the risk and lacks risks:approve, yet accepts it — also when
    they asked for the acceptance themselves: the decision is theirs to make."""
    with in_tenant(org_a):
        risk = _risk(people, people.contributor)
        acceptance = _acceptance(people.contributor_actor, risk)
        assert not people.contributor_actor.has_scope("risks:approve")
        assert "approve" in {
            t.name for t in register.ACCEPTANCE.available(people.contributor_actor, acceptance)
        }
        accepted = register.acceptance_approve(
            actor=people.contributor_actor, acceptance=acceptance, note="I own it; accepted"
        )
        assert (accepted.status, accepted.decided_by) == ("approved", people.contributor)
        assert Risk.objects.get(pk=risk.pk).status == "accepted"


def test_nobody_but_the_risk_owner_accepts_it_not_even_an_officer_or_admin(
    org_a, in_tenant, people
):
    """6.1.3 f): the owner's decision; risks:approve does not make anyone else the owner."""
    with in_tenant(org_a):
        risk = _risk(people, people.contributor)
        acceptance = _acceptance(people.officer_actor, risk)
        for actor in (people.other_actor, people.approver_actor, people.admin_actor):
            code = _code(
                lambda a=actor: register.acceptance_approve(actor=a, acceptance=acceptance)
            )
            assert code == ErrorCode.PERMISSION_DENIED
            assert "approve" not in {
                t.name for t in register.ACCEPTANCE.available(actor, acceptance)
            }
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "requested"


def test_above_appetite_the_owner_accepts_only_after_a_top_management_endorsement(
    org_a, in_tenant, people
):
    """Above the organisation's risk acceptance criteria (6.1.2 a) 1), a named top-management
    member (ISO/IEC 27001:2022 5.1; a membership designation, not a role) endorses first; the
    acceptance records who."""
    with in_tenant(org_a):
        risk = _risk(people, people.contributor, likelihood=4, impact=4)  # 16 > appetite 9
        acceptance = _acceptance(people.officer_actor, risk)
        code = _code(
            lambda: register.acceptance_approve(
                actor=people.contributor_actor, acceptance=acceptance
            )
        )
        assert code == ErrorCode.AUTHORITY_REQUIRED
        # The admin role carries no authority: only the designation does.
        for actor in (people.admin_actor, people.officer_actor, people.contributor_actor):
            code = _code(
                lambda a=actor: register.acceptance_endorse(actor=a, acceptance=acceptance)
            )
            assert code == ErrorCode.AUTHORITY_REQUIRED
        register.acceptance_endorse(actor=people.board_actor, acceptance=acceptance)
        # The authority is not the owner: endorsing does not accept.
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "requested"
        accepted = register.acceptance_approve(
            actor=people.contributor_actor, acceptance=acceptance
        )
        assert (accepted.status, accepted.authority, accepted.authority_score) == (
            "approved",
            people.board,
            16,
        )
        assert accepted.above_appetite and accepted.accepted_score == 16


# --- SoD on the other approvals -------------------------------------------------------------


def test_the_requester_of_an_ai_change_never_approves_it(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        request = gate.change_request_create(
            actor=people.officer_actor,
            title="Roll out the assistant",
            justification="Speed",
            data_going_in="Tickets",
            affected_people="Customers",
            approver=people.approver,
            asset=pilot_tool,
        )
        refused = policy.refusal(people.officer_actor, "approve", request)
        assert refused.code == ErrorCode.SEGREGATION_OF_DUTIES
        assert (
            _code(
                lambda: gate.change_request_approve(
                    actor=people.officer_actor, change_request=request
                )
            )
            == ErrorCode.SEGREGATION_OF_DUTIES
        )
        assert policy.refusal(people.approver_actor, "approve", request) is None
        # A third approver who is not the designated one is refused too (a named person).
        assert policy.refusal(people.admin_actor, "approve", request).code == (
            ErrorCode.PERMISSION_DENIED
        )


def test_whoever_prepared_an_impact_assessment_never_approves_it(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        assessment = gate.impact_assessment_create(
            actor=people.officer_actor,
            asset=pilot_tool,
            intended_purpose="Draft replies",
            affected_people="Customers",
            human_oversight_measures="An agent reviews every reply",
            foreseeable_misuse="Replies sent unread",
        )
        code = _code(
            lambda: gate.impact_assessment_approve(
                actor=people.officer_actor, assessment=assessment
            )
        )
        assert code == ErrorCode.SEGREGATION_OF_DUTIES
        approved = gate.impact_assessment_approve(
            actor=people.approver_actor, assessment=assessment
        )
        assert (approved.status, approved.approved_by) == ("approved", people.approver)


def test_whoever_submitted_the_soa_never_approves_it(org_a, in_tenant, people):
    control = library_control("P.1")
    with in_tenant(org_a):
        soa = StatementOfApplicability.objects.get(framework=control.framework)
        for row in SoARow.objects.filter(soa=soa):
            soa_services.soa_row_update(
                actor=people.officer_actor,
                row=row,
                inclusion_reasons=["business"],
                implementation_status="implemented",
            )
        soa_services.soa_submit(actor=people.officer_actor, soa=soa)
        code = _code(lambda: soa_services.soa_approve(actor=people.officer_actor, soa=soa))
        assert code == ErrorCode.SEGREGATION_OF_DUTIES
        assert (
            _code(lambda: soa_services.soa_submit(actor=people.contributor_actor, soa=soa))
            == ErrorCode.MISSING_SCOPE
        )
        snapshot = soa_services.soa_approve(actor=people.approver_actor, soa=soa)
        assert snapshot.approved_by == people.approver


def test_criteria_need_manage_and_the_appetite_needs_accept_above_appetite(
    org_a, in_tenant, people
):
    with in_tenant(org_a):
        register.criteria_update(actor=people.officer_actor, medium_from=6)
        assert RiskCriteria.objects.get().medium_from == 6
        code = _code(
            lambda: register.criteria_update(actor=people.officer_actor, acceptance_threshold=15)
        )
        assert code == ErrorCode.MISSING_SCOPE
        code = _code(lambda: register.criteria_update(actor=people.contributor_actor, high_from=11))
        assert code == ErrorCode.MISSING_SCOPE
        code = _code(
            lambda: register.criteria_update(actor=people.admin_actor, acceptance_threshold=12)
        )
        assert code == ErrorCode.MISSING_SCOPE  # the admin role alone is not top management
        admin = designate_top_management(org_a, people.admin)
        register.criteria_update(actor=admin, acceptance_threshold=12)
        assert RiskCriteria.objects.get().acceptance_threshold == 12


# --- Pages: only usable controls; reads never write --------------------------------------------

WRITE_CONTROLS = (">Add risk<", "Approve this SoA", "Save criteria", "Submit for approval<")


def post_forms(html: str) -> list[str]:
    """The page's POST forms, but the header's log-out form."""
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>", html)
    return [f for f in forms if "logout" not in f]


def test_auditors_see_no_write_controls_officers_do(
    org_a, in_tenant, people, client_for, pilot_tool
):
    control = library_control("P.2")
    with in_tenant(org_a):
        risk = _risk(people, people.contributor)
        _acceptance(people.officer_actor, risk)
        request = gate.change_request_create(
            actor=people.contributor_actor,
            title="Roll out the assistant",
            justification="Speed",
            data_going_in="Tickets",
            affected_people="Customers",
            approver=people.approver,
            asset=pilot_tool,
        )
        assessment = gate.impact_assessment_create(actor=people.officer_actor, asset=pilot_tool)
        soa = StatementOfApplicability.objects.get(framework=control.framework)
        soa_services.soa_submit(actor=people.officer_actor, soa=soa)
    base = f"/o/{org_a.slug}/risks/"
    pages = [
        "",
        f"{risk.pk}/",
        f"changes/{request.pk}/",
        f"assessments/{assessment.pk}/?step=purpose",
        f"soa/{control.framework.code}/",
        "criteria/",
    ]
    auditor, officer, approver = (
        client_for(people.auditor),
        client_for(people.officer),
        client_for(people.approver),
    )
    for path in pages:
        response = auditor.get(base + path)
        assert response.status_code == 200, path
        html = response.content.decode()
        # The register's column choice changes only the auditor's own view (isms.list_columns).
        forms = [f for f in post_forms(html) if "/risks/columns/" not in f]
        shown = [c for c in WRITE_CONTROLS if c in html] + forms
        assert not shown, (path, shown)
    # Positive controls: who can act sees the control.
    assert "Add risk" in officer.get(base).content.decode()
    assert post_forms(officer.get(base + f"{risk.pk}/").content.decode())
    assert (
        "Approve this SoA" in approver.get(base + f"soa/{control.framework.code}/").content.decode()
    )
    assert "Approve and move" in approver.get(base + f"changes/{request.pk}/").content.decode()
    # The owner-contributor sees Accept on the acceptance of their own risk (named exception).
    owner_page = client_for(people.contributor).get(base + f"{risk.pk}/").content.decode()
    assert "Accept the residual risk</button>" in owner_page


def test_get_of_the_soa_and_criteria_pages_creates_no_rows(org_a, in_tenant, people, client_for):
    """Reads never write: with the rows missing (an organisation from before the signals), the
    pages answer from defaults and create nothing."""
    control = library_control("P.3")
    with in_tenant(org_a):
        SoARow.objects.all().delete()
        StatementOfApplicability.objects.all().delete()
        RiskCriteria.objects.all().delete()
    auditor = client_for(people.auditor)
    base = f"/o/{org_a.slug}/risks/"
    for path in ("", "criteria/", "soa/", f"soa/{control.framework.code}/"):
        assert auditor.get(base + path).status_code == 200, path
    assert auditor.get(f"/api/v1/orgs/{org_a.slug}/risk-criteria/").status_code == 200
    assert (
        auditor.get(
            f"/api/v1/orgs/{org_a.slug}/soa-rows/", {"framework": control.framework.code}
        ).status_code
        == 200
    )
    with in_tenant(org_a):
        assert not RiskCriteria.objects.exists()
        assert not StatementOfApplicability.objects.exists()
        assert not SoARow.objects.exists()


def test_new_organisations_and_new_controls_get_their_rows(org_a, org_b, in_tenant):
    control = library_control("P.4")
    for organization in (org_a, org_b):
        with in_tenant(organization):
            assert RiskCriteria.objects.count() == 1
            soa = StatementOfApplicability.objects.get(framework=control.framework)
            assert SoARow.objects.filter(soa=soa, control=control).count() == 1
    from risks.services.setup import soa_rows_for_new_controls

    assert soa_rows_for_new_controls() == 0  # idempotent


def test_top_management_is_a_designation_set_by_an_admin_not_a_role(
    org_a, in_tenant, people, client_for
):
    """ISO/IEC 27001:2022 5.1: top management, named on a membership; any role that may hold
    a responsibility can carry it, an auditor never; the admin role alone does not."""
    from isms.access import ACCEPT_ABOVE_APPETITE
    from isms.models import Membership
    from isms.services.organizations import membership_designate_top_management
    from tests.risks.factories import actor_for

    assert not people.admin_actor.has_scope(ACCEPT_ABOVE_APPETITE)
    assert people.board_actor.has_scope(ACCEPT_ABOVE_APPETITE)  # a contributor, designated
    auditor = Membership.objects.get(organization=org_a, user=people.auditor)
    with pytest.raises(ValidationError):
        membership_designate_top_management(membership=auditor, value=True)
    Membership.objects.filter(pk=auditor.pk).update(top_management=True)  # even if forced
    assert not actor_for(org_a, user=people.auditor).has_scope(ACCEPT_ABOVE_APPETITE)
    officer = Membership.objects.get(organization=org_a, user=people.officer)
    edit = f"/o/{org_a.slug}/settings/members/{officer.pk}/"
    refused = client_for(people.officer).post(edit, {"role": "officer", "top_management": "on"})
    assert refused.status_code == 403
    saved = client_for(people.admin).post(edit, {"role": "officer", "top_management": "on"})
    assert saved.status_code == 302
    assert actor_for(org_a, user=people.officer).has_scope(ACCEPT_ABOVE_APPETITE)
    listing = client_for(people.admin).get(f"/o/{org_a.slug}/settings/members/")
    assert b"Top management</span>" in listing.content
