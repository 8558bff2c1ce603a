"""The AI change gate, AI impact assessments and compliance debt (services and database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from assets import services as asset_services
from assets.models import Asset, AssetType, Lifecycle
from isms.errors import Conflict, ErrorCode, NotPermitted, TransitionRefused
from risks import selectors
from risks.models import AIChangeRequest
from risks.services import change as gate
from risks.services import register
from tests.assets.factories import AssetFactory
from tests.suppliers.factories import make_assessment

pytestmark = pytest.mark.django_db


def _request(people, asset=None, **extra):
    values = {
        "actor": people.contributor_actor,
        "title": "Use an AI assistant to draft support replies",
        "justification": "Replies take too long",
        "data_going_in": "Support tickets with customer names",
        "affected_people": "Customers writing to support",
        "approver": people.approver,
        "asset": asset,
    }
    values.update(extra)
    return gate.change_request_create(**values)


def _assessment(people, asset, preparer="officer_actor", **fields):
    values = {
        "intended_purpose": "Draft replies to support tickets for an agent to edit",
        "affected_people": "Customers; support agents",
        "foreseeable_misuse": "Agents send drafts unread",
        "human_oversight_measures": "An agent reviews every reply before it is sent",
        "transparency_duties": ["synthetic_content"],
        "harms": [
            {
                "to": "individuals",
                "description": "Wrong refund advice",
                "severity": "medium",
                "likelihood": "low",
            }
        ],
    }
    values.update(fields)
    return gate.impact_assessment_create(actor=people[preparer], asset=asset, **values)


def _complete(people, change_request, *, high=False):
    """Everything the checklist needs: an assessed risk whose treatment is achieved (its
    action done) and an approved assessment."""
    risk = register.risk_create(
        actor=people.officer_actor,
        title="Customer data sent to the provider",
        category="data_leakage",
        owner=people.contributor,
        assets=[change_request.asset_id],
        inherent_likelihood=4,
        inherent_impact=4,
        residual_likelihood=2,
        residual_impact=3,
        treatment="mitigate",
    )
    register.treatment_action_create(
        actor=people.officer_actor,
        risk=risk,
        description="Block customer data in prompts (DLP)",
        owner=people.contributor,
        status="done",
    )
    assessment = _assessment(
        people, change_request.asset, annex_iii_use_cases=["4a"] if high else []
    )
    gate.impact_assessment_approve(actor=people.approver_actor, assessment=assessment)
    return risk, assessment


def _item(change_request, key, **kwargs):
    checklist = selectors.change_request_checklist(change_request, **kwargs)
    return next(i for i in checklist.items if i.key == key)


def test_request_for_a_new_tool_proposes_the_asset(org_a, in_tenant, people):
    with in_tenant(org_a):
        request = _request(people, new_asset_name="ReplyBot", new_asset_type="ai_saas_tool")
        asset = Asset.objects.get(pk=request.asset_id)
        assert (asset.name, asset.lifecycle, asset.owner) == (
            "ReplyBot",
            "proposed",
            people.contributor,
        )
        assert request.status == "submitted" and request.requested_by == people.contributor


def test_request_input_and_approver_rules(org_a, org_b, in_tenant, people, pilot_tool, member):
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as error:
            _request(people, pilot_tool, approver=people.contributor_actor.user, title=" ")
        assert "title" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _request(people, pilot_tool, approver=people.other)
        # The approver picker holds members with risks:approve; a contributor is refused.
        assert "cannot hold this responsibility" in error.value.message_dict["approver"][0]
        with pytest.raises(ValidationError) as error:
            _request(people, pilot_tool, actor=people.officer_actor, approver=people.officer)
        assert "own change" in error.value.message_dict["approver"][0]
        with pytest.raises(ValidationError) as error:
            _request(people, pilot_tool, approver=member(org_b, "officer"))
        assert "approver" in error.value.message_dict
        app = AssetFactory(organization=org_a, asset_type="application", owner=people.other)
        with pytest.raises(ValidationError, match="not an AI asset"):
            _request(people, app)
        with pytest.raises(NotPermitted):
            _request(people, pilot_tool, actor=people.auditor_actor)
        _request(people, pilot_tool)
        with pytest.raises(Conflict, match="already has a change request") as duplicate:
            _request(people, pilot_tool)
        assert duplicate.value.code == ErrorCode.DUPLICATE


def test_checklist_is_live_and_approval_promotes_the_asset(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        checklist = selectors.change_request_checklist(request)
        assert {i.key: i.status for i in checklist.items} == {
            "risk_assessed": "failed",
            "impact_assessment": "failed",
            "no_prohibited_practice": "passed",
            "supplier_assessment": "not_applicable",
            "risks_treated": "passed",
        }
        with pytest.raises(Conflict, match="Not every required step"):
            gate.change_request_approve(actor=people.approver_actor, change_request=request)
        assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == "pilot"
        assert list(selectors.compliance_debt()) == [pilot_tool]

        _complete(people, request)
        assert selectors.change_request_checklist(request).ready
        with pytest.raises(NotPermitted, match="designated approver"):
            gate.change_request_approve(actor=people.officer_actor, change_request=request)
        with pytest.raises(NotPermitted) as refused:
            gate.change_request_approve(actor=people.contributor_actor, change_request=request)
        assert refused.value.code == ErrorCode.MISSING_SCOPE
        gate.change_request_approve(actor=people.approver_actor, change_request=request)
        asset = Asset.objects.get(pk=pilot_tool.pk)
        assert asset.lifecycle == "production" and asset.risk_tier == "limited"
        request.refresh_from_db()
        assert request.status == "approved" and request.decided_by == people.approver
        assert list(selectors.compliance_debt()) == []


def _planned(people, change_request, *, due_in_days=45):
    """Complete but for the risk's one action, which is only planned."""
    risk, _ = _complete(people, change_request)
    risk.actions.update(status="planned", completed_at=None)
    if due_in_days is not None:
        risk.actions.update(due_date=timezone.localdate() + timezone.timedelta(days=due_in_days))
    return risk, risk.actions.get()


def test_the_gate_refuses_a_planned_action_and_passes_once_it_is_complete(
    org_a, in_tenant, people, pilot_tool
):
    """Achieved, not planned, residual risk (ISO/IEC 27001:2022 8.3: the plan implemented)."""
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        risk, action = _planned(people, request)
        item = _item(request, "risks_treated")
        assert item.status == "failed" and item.object_ids == [risk.pk]
        assert risk.title in item.detail and action.description in item.detail
        with pytest.raises(Conflict) as refused:
            gate.change_request_approve(actor=people.approver_actor, change_request=request)
        assert refused.value.code == ErrorCode.GATE_CLOSED
        assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == "pilot"
        register.treatment_action_update(
            actor=people.contributor_actor, action=action, status="in_progress"
        )
        assert _item(request, "risks_treated").status == "failed"
        register.treatment_action_update(
            actor=people.contributor_actor, action=action, status="done"
        )
        assert selectors.change_request_checklist(request).ready


def test_an_overdue_action_fails_the_item_naming_it(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        _risk, action = _planned(people, request, due_in_days=-3)
        item = _item(request, "risks_treated")
        assert item.status == "failed" and "overdue since" in item.detail
        assert action.description in item.detail


def test_the_gate_passes_after_the_owners_acceptance_of_the_current_residual_risk(
    org_a, in_tenant, people, pilot_tool
):
    """6.1.3 f): the risk owner (a contributor) accepts the residual risk as it stands; a
    rescore after the acceptance fails the item again until re-accepted."""
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        risk, _ = _planned(people, request)
        acceptance = register.acceptance_request(
            actor=people.contributor_actor,
            risk=risk,
            rationale="Pilot with ten agents while the DLP rule is built",
            expires_on=timezone.localdate() + timezone.timedelta(days=60),
        )
        assert _item(request, "risks_treated").status == "failed"  # requested is not accepted
        register.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        assert selectors.change_request_checklist(request).ready
        register.risk_update(actor=people.officer_actor, risk=risk, residual_likelihood=3)
        item = _item(request, "risks_treated")
        assert item.status == "failed" and "Block customer data" in item.detail


def test_residual_above_appetite_after_treatment_needs_the_owners_acceptance(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        risk, _ = _complete(people, request)
        register.risk_update(actor=people.officer_actor, risk=risk, residual_likelihood=4)
        item = _item(request, "risks_treated")
        assert item.status == "failed" and item.object_ids == [risk.pk]
        acceptance = register.acceptance_request(
            actor=people.officer_actor,
            risk=risk,
            rationale="Pilot with ten agents",
            expires_on=timezone.localdate() + timezone.timedelta(days=60),
        )
        register.acceptance_endorse(actor=people.board_actor, acceptance=acceptance)
        register.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        assert selectors.change_request_checklist(request).ready


def test_a_stale_impact_assessment_fails_the_checklist(org_a, in_tenant, people, pilot_tool):
    """ISO/IEC 42001 6.1.4 / 8.4: approved for this change, or within its validity."""
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        _complete(people, request)
        later = timezone.localdate() + timezone.timedelta(days=400)
        item = _item(request, "impact_assessment", today=later)
        assert item.status == "failed" and "out of date" in item.detail
        for_this = _assessment(people, pilot_tool, change_request=request)
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=for_this)
        assert _item(request, "impact_assessment", today=later).status == "passed"


def test_a_supplier_past_its_reassessment_date_fails_the_checklist(
    org_a, in_tenant, people, pilot_tool
):
    """ISO/IEC 27001:2022 5.22: supplier services are monitored and reviewed."""
    with in_tenant(org_a):
        assessment = make_assessment(org_a)
        type(assessment).objects.filter(pk=assessment.pk).update(
            status="approved", decided_at=timezone.now()
        )
        request = _request(people, pilot_tool, supplier=assessment.supplier)
        _complete(people, request)
        assert _item(request, "supplier_assessment").status == "passed"
        type(assessment.supplier).objects.filter(pk=assessment.supplier_id).update(
            next_reassessment_date=timezone.localdate() - timezone.timedelta(days=1)
        )
        item = _item(request, "supplier_assessment")
        assert item.status == "failed" and "due for reassessment" in item.detail


@pytest.mark.parametrize(
    ("areas", "fria"),
    [(["4a"], "not_applicable"), (["5b"], "failed")],  # Art. 27(1): 5(b) any deployer
)
def test_a_high_risk_tier_adds_oversight_instructions_and_fria_items(
    org_a, in_tenant, people, pilot_tool, areas, fria
):
    """EU AI Act Art. 26 (deployer: oversight, instructions for use) and Art. 27 (FRIA for
    the deployers and areas it names)."""
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        _complete(people, request)
        high = _assessment(people, pilot_tool, annex_iii_use_cases=areas, change_request=request)
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=high)
        items = {i.key: i.status for i in selectors.change_request_checklist(request).items}
        assert (items["human_oversight"], items["instructions_for_use"], items["fria"]) == (
            "failed",
            "failed",
            fria,
        )
        with pytest.raises(NotPermitted):
            gate.change_request_record_evidence(
                actor=people.other_actor, change_request=request, instructions_for_use="x"
            )
        request = gate.change_request_record_evidence(
            actor=people.contributor_actor,
            change_request=request,
            oversight_person=people.officer,
            instructions_for_use="Provider's instructions v2, filed in the DMS",
            fria_reference="FRIA 2026-03, filed with the DPO",
        )
        assert selectors.change_request_checklist(request).ready


def test_pilot_is_gated_like_production(org_a, in_tenant, people):
    """A pilot processes real data: an AI asset reaches pilot only by an approved request."""
    with in_tenant(org_a):
        with pytest.raises(Conflict) as refused:
            asset_services.asset_create(
                actor=people.officer_actor,
                name="Meeting summariser",
                asset_type=AssetType.AI_SAAS_TOOL,
                owner=people.contributor,
                lifecycle=Lifecycle.PILOT,
            )
        assert refused.value.code == ErrorCode.GATE_CLOSED
        tool = asset_services.asset_create(
            actor=people.officer_actor,
            name="Meeting summariser",
            asset_type=AssetType.AI_SAAS_TOOL,
            owner=people.contributor,
        )
        with pytest.raises(Conflict) as refused:
            asset_services.asset_set_lifecycle(
                actor=people.officer_actor, asset=tool, lifecycle="pilot"
            )
        assert refused.value.code == ErrorCode.GATE_CLOSED
        with pytest.raises(Conflict):
            asset_services.assets_bulk_update(
                actor=people.officer_actor, asset_ids=[tool.pk], lifecycle="pilot"
            )
        request = _request(people, tool, target_lifecycle="pilot")
        _complete(people, request)
        gate.change_request_approve(actor=people.approver_actor, change_request=request)
        assert Asset.objects.get(pk=tool.pk).lifecycle == "pilot"
        # From pilot, production is gated again; stepping back from production is not.
        with pytest.raises(Conflict):
            asset_services.asset_set_lifecycle(
                actor=people.officer_actor, asset=tool, lifecycle="production"
            )


MATERIAL_EDITS = {
    "model_provider": "Another provider",
    "model_version": "gpt-9",
    "data_categories": ["special_category"],
    "intended_purpose": "Decide refunds automatically",
    "supplier": "supplier",
}


@pytest.mark.parametrize("field", sorted(MATERIAL_EDITS))
def test_each_material_edit_of_a_production_ai_asset_reopens_the_gate(
    org_a, in_tenant, people, field
):
    with in_tenant(org_a):
        tool = AssetFactory(
            organization=org_a,
            name="Reply assistant",
            asset_type=AssetType.AI_SAAS_TOOL,
            lifecycle=Lifecycle.PRODUCTION,
            owner=people.contributor,
            model_version="gpt-4",
        )
        value = MATERIAL_EDITS[field]
        if field == "supplier":
            value = make_assessment(org_a).supplier
        asset_services.asset_update(actor=people.officer_actor, asset=tool, **{field: value})
        flagged = Asset.objects.get(pk=tool.pk)
        assert flagged.change_required_since is not None
        assert flagged.lifecycle == "production"
        assert tool in selectors.compliance_debt()
        # A harmless edit flags nothing more; a new approved request clears the flag.
        request = _request(people, flagged)
        _complete(people, request)
        if field == "supplier":
            type(value).objects.filter(pk=value.pk).update(next_reassessment_date=None)
            value.assessments.update(status="approved", decided_at=timezone.now())
        gate.change_request_approve(actor=people.approver_actor, change_request=request)
        cleared = Asset.objects.get(pk=tool.pk)
        assert cleared.change_required_since is None and cleared.lifecycle == "production"
        assert tool not in selectors.compliance_debt()


def test_a_non_material_edit_or_a_proposed_asset_does_not_reopen_the_gate(org_a, in_tenant, people):
    with in_tenant(org_a):
        live = AssetFactory(
            organization=org_a,
            asset_type=AssetType.AI_SAAS_TOOL,
            lifecycle=Lifecycle.PRODUCTION,
            owner=people.contributor,
        )
        proposed = AssetFactory(
            organization=org_a,
            asset_type=AssetType.AI_SAAS_TOOL,
            lifecycle=Lifecycle.PROPOSED,
            owner=people.contributor,
        )
        asset_services.asset_update(actor=people.officer_actor, asset=live, description="New")
        asset_services.asset_update(actor=people.officer_actor, asset=proposed, model_version="2")
        assert not Asset.objects.filter(change_required_since__isnull=False).exists()


def test_supplier_assessment_must_be_approved(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        assessment = make_assessment(org_a)
        request = _request(people, pilot_tool, supplier=assessment.supplier)
        _complete(people, request)
        item = selectors.change_request_checklist(request).items[3]
        assert (item.key, item.status) == ("supplier_assessment", "failed")
        type(assessment).objects.filter(pk=assessment.pk).update(
            status="approved", decided_at=timezone.now()
        )
        assert selectors.change_request_checklist(request).ready


def test_prohibited_practice_blocks_assessment_and_request(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        _complete(people, request)
        draft = _assessment(people, pilot_tool, prohibited_practices=["emotion_at_work"])
        assert draft.risk_tier == "prohibited"
        assert len(draft.obligations) == 1 and draft.obligations[0].startswith("Art. 5(1)(f)")
        with pytest.raises(Conflict, match="prohibited practice"):
            gate.impact_assessment_approve(actor=people.approver_actor, assessment=draft)
        checklist = selectors.change_request_checklist(request)
        assert checklist.blocked and not checklist.ready
        with pytest.raises(Conflict, match="Blocked"):
            gate.change_request_approve(actor=people.approver_actor, change_request=request)
        assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == "pilot"
        assert AIChangeRequest.objects.get(pk=request.pk).status == "submitted"


def test_high_risk_screen_lists_deployer_obligations(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        assessment = _assessment(people, pilot_tool, annex_iii_use_cases=["4a"])
        assert assessment.risk_tier == "high"
        text = " ".join(assessment.obligations)
        for duty in ("human oversight", "six months", "Inform workers", "Art. 26(1)"):
            assert duty in text
        # Marking synthetic output is the provider's duty (Art. 50(2)), not this deployer's.
        assert "Art. 50(2)" not in text
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=assessment)
        assert Asset.objects.get(pk=pilot_tool.pk).risk_tier == "high"


def test_preparer_cannot_approve_their_assessment(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        assessment = _assessment(people, pilot_tool)
        with pytest.raises(NotPermitted, match="someone else"):
            gate.impact_assessment_approve(actor=people.officer_actor, assessment=assessment)
        with pytest.raises(NotPermitted):
            gate.impact_assessment_approve(actor=people.contributor_actor, assessment=assessment)
        with pytest.raises(ValidationError) as error:
            _assessment(people, pilot_tool, transparency_duties=["telepathy"])
        assert "transparency_duties" in error.value.message_dict


def test_approved_assessment_is_immutable_and_superseded_by_a_new_one(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        first = _assessment(people, pilot_tool)
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=first)
        with pytest.raises(Conflict, match="cannot change"):
            gate.impact_assessment_update(
                actor=people.officer_actor, assessment=first, intended_purpose="Other"
            )
        with pytest.raises(TransitionRefused):
            gate.impact_assessment_approve(actor=people.approver_actor, assessment=first)
        # Not even the ORM or a raw UPDATE as the application role can change it.
        first.refresh_from_db()
        first.intended_purpose = "Rewritten history"
        with pytest.raises(DatabaseError), transaction.atomic():
            first.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "UPDATE risks_impactassessment SET risk_tier = 'minimal', "
                    "prohibited_practices = '{}' WHERE id = %s",
                    [first.pk],
                )
        with pytest.raises(DatabaseError), transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute("DELETE FROM risks_impactassessment WHERE id = %s", [first.pk])
        second = _assessment(people, pilot_tool, annex_iii_use_cases=["3b"])
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=second)
        first.refresh_from_db()
        assert first.status == "superseded" and first.superseded_by_id == second.pk
        assert first.intended_purpose.startswith("Draft replies")
        assert Asset.objects.get(pk=pilot_tool.pk).risk_tier == "high"
        with pytest.raises(DatabaseError), transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "UPDATE risks_impactassessment SET status = 'approved' WHERE id = %s",
                    [first.pk],
                )


CHANGE_ACTIONS = {
    "approve": lambda p, r: gate.change_request_approve(actor=p.approver_actor, change_request=r),
    "reject": lambda p, r: gate.change_request_reject(
        actor=p.approver_actor, change_request=r, reason="No"
    ),
    "withdraw": lambda p, r: gate.change_request_withdraw(
        actor=p.contributor_actor, change_request=r
    ),
}


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (s, a)
        for s in AIChangeRequest.Status.values
        for a in CHANGE_ACTIONS
        if s not in gate.CHANGE_REQUEST.by_name[a].sources
    ],
)
def test_every_forbidden_change_request_transition(
    org_a, in_tenant, people, pilot_tool, state, action
):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        AIChangeRequest.objects.filter(pk=request.pk).update(status=state)
        with pytest.raises(TransitionRefused):
            CHANGE_ACTIONS[action](people, request)
        assert AIChangeRequest.objects.get(pk=request.pk).status == state


def test_rejection_needs_a_reason_and_the_designated_approver(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        request = _request(people, pilot_tool)
        with pytest.raises(ValidationError) as error:
            gate.change_request_reject(
                actor=people.approver_actor, change_request=request, reason=""
            )
        assert "reason" in error.value.message_dict
        with pytest.raises(NotPermitted):
            gate.change_request_reject(
                actor=people.admin_actor, change_request=request, reason="No"
            )
        gate.change_request_reject(
            actor=people.approver_actor, change_request=request, reason="No DPA"
        )
        request.refresh_from_db()
        assert (request.status, request.decision_reason) == ("rejected", "No DPA")
        assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == "pilot"


# --- the gate cannot be bypassed ----------------------------------------------------------


def test_no_other_path_moves_an_ai_asset_to_production(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        officer = people.officer_actor
        Asset.objects.filter(pk=pilot_tool.pk).update(external_id="sso-1")
        pilot_tool.refresh_from_db()
        attempts = [
            lambda: asset_services.asset_update(
                actor=officer, asset=pilot_tool, lifecycle="production"
            ),
            lambda: asset_services.asset_set_lifecycle(
                actor=officer, asset=pilot_tool, lifecycle="production"
            ),
            lambda: asset_services.assets_bulk_update(
                actor=officer, asset_ids=[pilot_tool.pk], lifecycle="production"
            ),
            lambda: asset_services.asset_upsert(
                actor=officer, external_id="sso-1", lifecycle="production"
            ),
            lambda: asset_services.asset_promote_to_production(actor=officer, asset=pilot_tool),
        ]
        request = _request(people, pilot_tool)
        # a submitted (not approved) request, and one approved for another asset, do not count
        attempts.append(
            lambda: asset_services.asset_promote_to_production(
                actor=officer, asset=pilot_tool, change_request=request
            )
        )
        other = AssetFactory(organization=org_a, owner=people.other, lifecycle="pilot")
        approved_elsewhere = AIChangeRequest.objects.create(
            title="x",
            justification="x",
            asset=other,
            data_going_in="x",
            affected_people="x",
            requested_by=people.other,
            approver=people.approver,
            status="approved",
        )
        attempts.append(
            lambda: asset_services.asset_promote_to_production(
                actor=officer, asset=pilot_tool, change_request=approved_elsewhere
            )
        )

        class Liar:  # an object that claims approval without being an approved request
            asset_id = pilot_tool.pk

            def is_approved_for(self, asset):
                return "yes"

        attempts.append(
            lambda: asset_services.asset_promote_to_production(
                actor=officer, asset=pilot_tool, change_request=Liar()
            )
        )
        for attempt in attempts:
            with pytest.raises(Conflict, match="change request"):
                attempt()
            assert Asset.objects.get(pk=pilot_tool.pk).lifecycle == Lifecycle.PILOT
        # an unsaved request claiming approval is refused too
        fake = AIChangeRequest(asset=pilot_tool, status="approved")
        with pytest.raises(Conflict):
            asset_services.asset_promote_to_production(
                actor=officer, asset=pilot_tool, change_request=fake
            )


def test_compliance_debt_lists_ai_assets_in_use_without_approval(org_a, in_tenant, people):
    with in_tenant(org_a):
        debt = AssetFactory(organization=org_a, owner=people.other, lifecycle="pilot")
        Asset.objects.filter(pk=debt.pk).update(
            created=timezone.now() - timezone.timedelta(days=40)
        )
        AssetFactory(organization=org_a, owner=people.other, lifecycle="proposed")
        AssetFactory(
            organization=org_a,
            owner=people.other,
            lifecycle="production",
            asset_type=AssetType.APPLICATION,
        )
        rows = list(selectors.compliance_debt())
        assert [r.pk for r in rows] == [debt.pk]
        assert rows[0].age_days == 40


def test_the_checklist_reads_a_constant_number_of_queries(
    org_a, in_tenant, people, pilot_tool, django_assert_max_num_queries
):
    """One query per source whatever the number of risks and actions (no N+1)."""
    with in_tenant(org_a):
        assessment = make_assessment(org_a)
        request = _request(people, pilot_tool, supplier=assessment.supplier)
        for _ in range(3):
            _complete(people, request)
        with django_assert_max_num_queries(9) as few:
            selectors.change_request_checklist(request)
        for _ in range(12):
            _planned(people, request)
        with django_assert_max_num_queries(len(few.captured_queries)):
            selectors.change_request_checklist(request)


def test_the_gate_decision_reaches_webhooks_in_its_transaction(
    org_a, in_tenant, people, pilot_tool
):
    """An approval and a rejection each write one event for the subscribed endpoint
    (isms.webhooks: the outbox row commits or rolls back with the decision)."""
    from isms.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

    with in_tenant(org_a):
        endpoint = WebhookEndpoint.objects.create(
            organization=org_a,
            url="https://hooks.example.com/gate",
            event_types=[
                WebhookEventType.CHANGE_REQUEST_APPROVED,
                WebhookEventType.CHANGE_REQUEST_REJECTED,
            ],
            signing_secret="whsec_gate",
        )
        refused = _request(people, pilot_tool)
        with pytest.raises(Conflict):  # the checklist is not complete: nothing emitted
            gate.change_request_approve(actor=people.approver_actor, change_request=refused)
        assert not WebhookEvent.objects.exists()
        gate.change_request_reject(
            actor=people.approver_actor, change_request=refused, reason="No DPA"
        )
        second_tool = AssetFactory(
            organization=org_a,
            name="Meeting note taker",
            asset_type=AssetType.AI_SAAS_TOOL,
            lifecycle=Lifecycle.PILOT,
            owner=people.contributor,
        )
        approved = _request(people, second_tool)
        _complete(people, approved)
        gate.change_request_approve(actor=people.approver_actor, change_request=approved)
        events = [(e.event_type, e.data) for e in WebhookEvent.objects.order_by("pk")]
        assert [kind for kind, _ in events] == [
            "change_request.rejected",
            "change_request.approved",
        ]
        assert events[0][1]["id"] == refused.pk and events[0][1]["reason"] == "No DPA"
        assert events[1][1]["id"] == approved.pk
        assert events[1][1]["asset_id"] == approved.asset_id
        assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == {endpoint.pk}
