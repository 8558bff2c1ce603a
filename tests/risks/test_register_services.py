"""Risk criteria, risks, treatment actions, acceptances and gaps → risks (services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms.errors import Conflict, ErrorCode, NotPermitted, TransitionRefused
from isms.models import AuditEvent
from risks import selectors
from risks.models import Risk, RiskAcceptance, RiskCriteria, RiskStatus
from risks.services import register as services
from risks.tasks import expire_acceptances
from tests.assets.factories import make_asset
from tests.factories import MembershipFactory
from tests.risks.factories import designate_top_management
from tests.suppliers.factories import make_assessment

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _risk(actor, owner, **fields) -> Risk:
    values = {"title": "Prompts leak customer data", "category": "data_leakage", "owner": owner}
    values.update(fields)
    return services.risk_create(actor=actor, **values)


# --- criteria -----------------------------------------------------------------------------


def test_criteria_exist_from_the_organisations_creation_with_a_5x5_default(org_a, in_tenant):
    with in_tenant(org_a):
        assert RiskCriteria.objects.count() == 1  # created with the organisation, not on read
        criteria = services.criteria_get()
        assert (criteria.likelihood_levels, criteria.impact_levels) == (5, 5)
        assert criteria.likelihood_labels[0] == "Rare" and criteria.impact_labels[-1] == "Severe"
        assert [criteria.band(s) for s in (4, 5, 10, 16, 25)] == [
            "low",
            "medium",
            "high",
            "critical",
            "critical",
        ]
        assert criteria.above_appetite(10) and not criteria.above_appetite(9)
        assert services.criteria_get().pk == criteria.pk


def test_only_top_management_managers_set_the_appetite_and_it_is_audited(org_a, in_tenant, people):
    with in_tenant(org_a):
        for actor in (people.officer_actor, people.admin_actor, people.board_actor):
            with pytest.raises(NotPermitted):
                services.criteria_update(actor=actor, acceptance_threshold=12)
        top_admin = designate_top_management(org_a, people.admin)
        criteria = services.criteria_update(actor=top_admin, acceptance_threshold=12)
        assert criteria.acceptance_threshold == 12
        events = AuditEvent.objects.for_object(criteria)
        assert any("acceptance_threshold" in (e.changes or {}) for e in events)
        with pytest.raises(ValidationError) as error:
            services.criteria_update(actor=people.admin_actor, high_from=3)
        assert "critical_from" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.criteria_update(actor=people.admin_actor, impact_labels=["a", "b"])
        assert "impact_labels" in error.value.message_dict
        assert RiskCriteria.objects.get().high_from == 10


# --- risks --------------------------------------------------------------------------------


def test_create_validates_owner_scores_and_links(org_a, org_b, in_tenant, people, member):
    stranger = member(org_b)
    foreign_asset = None
    with in_tenant(org_b):
        foreign_asset = make_asset(org_b)
    with in_tenant(org_a):
        actor = people.officer_actor
        with pytest.raises(ValidationError) as error:
            _risk(actor, stranger)
        assert "No active member" in error.value.message_dict["owner"][0]
        with pytest.raises(ValidationError) as error:
            _risk(actor, people.contributor, inherent_likelihood=6, inherent_impact=2)
        assert "inherent_likelihood" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _risk(actor, people.contributor, inherent_likelihood=2)
        assert "inherent_impact" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _risk(actor, people.contributor, residual_likelihood=2, residual_impact=2)
        assert "inherent_likelihood" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _risk(actor, people.contributor, assets=[foreign_asset.pk])
        assert "assets" in error.value.message_dict
        assert not Risk.objects.exists()
        risk = _risk(
            actor,
            people.contributor,
            inherent_likelihood=4,
            inherent_impact=5,
            residual_likelihood=2,
            residual_impact=3,
            treatment="mitigate",
        )
        risk.refresh_from_db()
        assert (risk.inherent_score, risk.residual_score) == (20, 6)
        assert risk.status == RiskStatus.TREATING


def test_contributor_edits_own_risks_only(org_a, in_tenant, people):
    with in_tenant(org_a):
        mine = _risk(people.contributor_actor, people.contributor)
        theirs = _risk(people.officer_actor, people.other)
        services.risk_update(actor=people.contributor_actor, risk=mine, title="Renamed")
        with pytest.raises(NotPermitted):
            services.risk_update(actor=people.contributor_actor, risk=theirs, title="Mine now")
        with pytest.raises(NotPermitted):
            services.risk_update(actor=people.auditor_actor, risk=mine, title="x")
        assert Risk.objects.get(pk=theirs.pk).title == "Prompts leak customer data"


FORBIDDEN_STATUS_MOVES = [
    (start, target)
    for start in RiskStatus.values
    for target in RiskStatus.values
    if target != start and target not in services.RISK_TRANSITIONS[start]
]


@pytest.mark.parametrize(("start", "target"), FORBIDDEN_STATUS_MOVES)
def test_every_forbidden_risk_status_move_is_refused(org_a, in_tenant, people, start, target):
    with in_tenant(org_a):
        risk = _risk(people.officer_actor, people.contributor, treatment="mitigate")
        Risk.objects.filter(pk=risk.pk).update(status=start)
        with pytest.raises(TransitionRefused):
            services.risk_set_status(actor=people.officer_actor, risk=risk, status=target)
        assert Risk.objects.get(pk=risk.pk).status == start


def test_treatment_actions_owner_may_update_status_only(org_a, in_tenant, people):
    with in_tenant(org_a):
        risk = _risk(people.officer_actor, people.contributor)
        action = services.treatment_action_create(
            actor=people.officer_actor,
            risk=risk,
            description="Block uploads to unapproved AI tools",
            owner=people.other,
            due_date=TODAY() + timedelta(days=30),
        )
        action = services.treatment_action_update(
            actor=people.other_actor, action=action, status="done"
        )
        assert action.completed_at is not None
        with pytest.raises(NotPermitted):
            services.treatment_action_update(
                actor=people.other_actor, action=action, description="Something else"
            )
        with pytest.raises(ValidationError) as error:
            services.treatment_action_create(
                actor=people.officer_actor, risk=risk, description=" ", owner=people.other
            )
        assert "description" in error.value.message_dict


# --- acceptance ---------------------------------------------------------------------------


def _acceptance(actor, risk, days=90) -> RiskAcceptance:
    return services.acceptance_request(
        actor=actor,
        risk=risk,
        rationale="Compensating controls; small user group",
        expires_on=TODAY() + timedelta(days=days),
    )


def test_a_contributor_risk_owner_accepts_the_residual_risk_and_the_treatment_stays(
    org_a, in_tenant, people
):
    """ISO/IEC 27001:2022 6.1.3 f): the risk owner accepts the residual risk, whatever the
    treatment option; accepting never overwrites that the risk was mitigated."""
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor,
            people.contributor,
            inherent_likelihood=3,
            inherent_impact=3,
            residual_likelihood=2,
            residual_impact=3,
            treatment="mitigate",
        )
        acceptance = _acceptance(people.contributor_actor, risk)
        with pytest.raises(NotPermitted) as refused:
            services.acceptance_approve(actor=people.other_actor, acceptance=acceptance)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
        services.acceptance_approve(
            actor=people.contributor_actor, acceptance=acceptance, note="ok"
        )
        risk.refresh_from_db()
        assert (risk.status, risk.treatment) == ("accepted", "mitigate")
        acceptance.refresh_from_db()
        assert (acceptance.decided_by, acceptance.status) == (people.contributor, "approved")
        assert (acceptance.accepted_score, acceptance.above_appetite) == (6, False)
        assert acceptance.authority is None


def test_a_non_owner_cannot_accept_even_with_risks_approve(org_a, in_tenant, people):
    with in_tenant(org_a):
        risk = _risk(
            people.admin_actor, people.contributor, inherent_likelihood=1, inherent_impact=2
        )
        acceptance = _acceptance(people.admin_actor, risk)
        for actor in (people.admin_actor, people.officer_actor, people.other_actor):
            with pytest.raises(NotPermitted, match="Only the risk owner") as refused:
                services.acceptance_approve(actor=actor, acceptance=acceptance)
            assert refused.value.code == ErrorCode.PERMISSION_DENIED
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "requested"


def test_above_the_appetite_without_the_authority_is_refused(org_a, in_tenant, people):
    """6.1.2 a) 1) and 5.1: above the risk acceptance criteria, the owner's acceptance needs a
    named top-management endorsement of the current score; a rescored risk needs a new one."""
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=4, inherent_impact=4
        )
        acceptance = _acceptance(people.contributor_actor, risk)
        with pytest.raises(NotPermitted) as refused:
            services.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        assert refused.value.code == ErrorCode.AUTHORITY_REQUIRED
        assert Risk.objects.get(pk=risk.pk).status == "open"
        services.acceptance_endorse(actor=people.board_actor, acceptance=acceptance)
        services.risk_update(actor=people.officer_actor, risk=risk, inherent_impact=5)  # 20
        with pytest.raises(NotPermitted) as refused:
            services.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        assert refused.value.code == ErrorCode.AUTHORITY_REQUIRED
        services.acceptance_endorse(actor=people.board_actor, acceptance=acceptance)
        accepted = services.acceptance_approve(
            actor=people.contributor_actor, acceptance=acceptance
        )
        assert (accepted.authority, accepted.authority_score, accepted.accepted_score) == (
            people.board,
            20,
            20,
        )
        assert Risk.objects.get(pk=risk.pk).status == "accepted"
        within = _risk(people.officer_actor, people.other, inherent_likelihood=1, inherent_impact=2)
        small = _acceptance(people.other_actor, within)
        with pytest.raises(Conflict, match="within the appetite"):
            services.acceptance_endorse(actor=people.board_actor, acceptance=small)


def test_the_risk_owner_approves_the_treatment_plan_stored_apart(org_a, in_tenant, people):
    """6.1.3 f): the owner approves the plan; a new treatment option is a new plan."""
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor,
            people.contributor,
            inherent_likelihood=3,
            inherent_impact=3,
            treatment="mitigate",
        )
        with pytest.raises(Conflict, match="no treatment action"):
            services.treatment_plan_approve(actor=people.contributor_actor, risk=risk)
        services.treatment_action_create(
            actor=people.officer_actor, risk=risk, description="DLP", owner=people.contributor
        )
        for actor in (people.officer_actor, people.other_actor, people.admin_actor):
            with pytest.raises(NotPermitted):
                services.treatment_plan_approve(actor=actor, risk=risk)
        services.treatment_plan_approve(actor=people.contributor_actor, risk=risk)
        risk = Risk.objects.get(pk=risk.pk)
        assert (risk.plan_approved_by, risk.plan_approved_treatment, risk.treatment) == (
            people.contributor,
            "mitigate",
            "mitigate",
        )
        services.risk_update(actor=people.officer_actor, risk=risk, treatment="transfer")
        risk = Risk.objects.get(pk=risk.pk)
        assert risk.plan_approved_by is None and risk.plan_approved_at is None


def test_implausible_scores_and_review_dates_are_refused(org_a, in_tenant, people):
    """6.1.2 b): comparable results; a residual score above the inherent one, or a review in
    the past, cannot be true. A treatment action due in the past reads overdue."""
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as error:
            _risk(
                people.officer_actor,
                people.contributor,
                inherent_likelihood=2,
                inherent_impact=2,
                residual_likelihood=3,
                residual_impact=2,
            )
        assert "residual_likelihood" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _risk(people.officer_actor, people.contributor, next_review_date=TODAY() - timedelta(1))
        assert "next_review_date" in error.value.message_dict
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=2, inherent_impact=2
        )
        with pytest.raises(ValidationError) as error:
            services.risk_update(
                actor=people.officer_actor, risk=risk, residual_likelihood=3, residual_impact=3
            )
        assert "residual_likelihood" in error.value.message_dict
        late = services.treatment_action_create(
            actor=people.officer_actor,
            risk=risk,
            description="Block uploads",
            owner=people.contributor,
            due_date=TODAY() - timedelta(days=3),
        )
        assert late.overdue
        assert selectors.risks_for_list().get(pk=risk.pk).overdue_actions == 1
        late = services.treatment_action_update(
            actor=people.contributor_actor, action=late, status="done"
        )
        assert not late.overdue
        assert selectors.risks_for_list().get(pk=risk.pk).overdue_actions == 0


def test_acceptance_input_rules(org_a, in_tenant, people):
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=2, inherent_impact=2
        )
        unassessed = _risk(people.officer_actor, people.contributor)
        with pytest.raises(ValidationError) as error:
            _acceptance(people.contributor_actor, risk, days=0)
        assert "expires_on" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.acceptance_request(
                actor=people.contributor_actor, risk=risk, rationale=" ", expires_on=TODAY()
            )
        assert "rationale" in error.value.message_dict
        with pytest.raises(Conflict):
            _acceptance(people.contributor_actor, unassessed)
        first = _acceptance(people.contributor_actor, risk)
        with pytest.raises(Conflict, match="already has an acceptance"):
            _acceptance(people.contributor_actor, risk)
        with pytest.raises(ValidationError) as error:
            services.acceptance_reject(actor=people.contributor_actor, acceptance=first, note="")
        assert "note" in error.value.message_dict


ACCEPTANCE_ACTIONS = {
    "approve": lambda p, a: services.acceptance_approve(actor=p.contributor_actor, acceptance=a),
    "reject": lambda p, a: services.acceptance_reject(
        actor=p.contributor_actor, acceptance=a, note="n"
    ),
    "withdraw": lambda p, a: services.acceptance_withdraw(actor=p.contributor_actor, acceptance=a),
}
FORBIDDEN_ACCEPTANCE_MOVES = [
    (state, action)
    for state in RiskAcceptance.Status.values
    for action in ACCEPTANCE_ACTIONS
    if state not in services.ACCEPTANCE.by_name[action].sources
]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN_ACCEPTANCE_MOVES)
def test_every_forbidden_acceptance_transition_is_refused(org_a, in_tenant, people, state, action):
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=2, inherent_impact=2
        )
        acceptance = _acceptance(people.contributor_actor, risk)
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(status=state)
        with pytest.raises(TransitionRefused):
            ACCEPTANCE_ACTIONS[action](people, acceptance)
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == state


def test_expired_acceptance_reads_open_before_the_sweep_and_the_sweep_reopens(
    org_a, org_b, in_tenant, people
):
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=2, inherent_impact=2
        )
        acceptance = _acceptance(people.contributor_actor, risk, days=5)
        services.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        assert selectors.risks_for_list().get(pk=risk.pk).effective_status == "accepted"
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(
            expires_on=TODAY() - timedelta(days=1)
        )
        # Before the sweep: the stored status is stale, the selector is right.
        assert Risk.objects.get(pk=risk.pk).status == "accepted"
        row = selectors.risks_for_list().get(pk=risk.pk)
        assert row.effective_status == "open" and row.acceptance_expires_on is None
    assert expire_acceptances(organization_id=org_b.pk) == 0  # another org's sweep: nothing
    assert expire_acceptances(organization_id=org_a.pk) == 1
    assert expire_acceptances(organization_id=org_a.pk) == 0  # idempotent
    with in_tenant(org_a):
        assert Risk.objects.get(pk=risk.pk).status == "open"
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "expired"
        # and a new acceptance may be requested
        _acceptance(people.contributor_actor, risk)


# --- supplier gaps ------------------------------------------------------------------------


def test_risk_from_a_supplier_gap_is_prefilled_and_made_once(org_a, in_tenant, people):
    with in_tenant(org_a):
        assessment = make_assessment(org_a)
        answer = assessment.answers.select_related("question").first()
        not_a_gap = assessment.answers.exclude(pk=answer.pk).first()
        type(answer).objects.filter(pk=answer.pk).update(is_gap=True, gap_reason="Answered 'no'")
        type(answer).objects.filter(pk=not_a_gap.pk).update(is_gap=False)
        tool = make_asset(org_a)
        type(tool).objects.filter(pk=tool.pk).update(supplier=assessment.supplier)
        risk = services.risk_from_gap(actor=people.officer_actor, answer_id=answer.pk)
        assert risk.source_gap_id == answer.pk
        assert list(risk.suppliers.all()) == [assessment.supplier]
        assert list(risk.assets.all()) == [tool]
        assert risk.owner_id == assessment.supplier.owner_id
        assert answer.question.bad_answer_meaning in risk.description
        assert assessment.supplier.name in risk.title
        with pytest.raises(Conflict, match="already"):
            services.risk_from_gap(actor=people.officer_actor, answer_id=answer.pk)
        with pytest.raises(ValidationError) as error:
            services.risk_from_gap(actor=people.officer_actor, answer_id=not_a_gap.pk)
        assert "gap" in error.value.message_dict
        with pytest.raises(NotPermitted):
            services.risk_from_gap(actor=people.auditor_actor, answer_id=answer.pk)


def test_gap_of_another_org_is_not_found(org_a, org_b, in_tenant, people):
    with in_tenant(org_b):
        answer = make_assessment(org_b).answers.first()
        type(answer).objects.filter(pk=answer.pk).update(is_gap=True)
    with in_tenant(org_a):
        with pytest.raises(ValidationError, match="in this organisation"):
            services.risk_from_gap(actor=people.officer_actor, answer_id=answer.pk)


def test_contributors_created_by_factory_are_members(org_a):
    assert MembershipFactory(organization=org_a).user.pk
