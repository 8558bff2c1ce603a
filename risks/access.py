"""Who may do what in the risks app: one policy per model (isms.policy), nothing else decides.

Rules (scopes from isms.access; `risks:*` unless said otherwise):

- Risk — view: read. change (edit, status, treatment actions, ask for acceptance): write and
  either manage (officers, admins, read-write keys) or the owner's guardian grant
  `change_risk` (a contributor edits the risks they own; the grant moves with the owner).
- TreatmentAction — change/delete: whoever may change its risk. update_status: also the
  action's assignee (its named owner), for the status only.
- Risk — approve_plan: the risk's owner only (named exception below).
- RiskAcceptance — approve (accept): the risk's owner only, whatever their role; reject: the
  owner, or top management above appetite. Above the organisation's appetite, accepting also
  needs a top-management endorsement of the current score (endorse: a member with the
  `top_management` designation, i.e. `risks:accept_above_appetite`; refused with code
  `authority_required`). withdraw: the requester or manage.
  *Named exception* (ISO/IEC 27001:2022 6.1.3 f: risk owners approve the treatment plan and
  accept the residual risk): the owner of the risk (guardian grant on the risk, with
  `records:own` and write) decides without `risks:approve`; nobody else does, an officer
  included. It is not in `approvals`, so the generic approve-scope rule does not apply.
- AIChangeRequest — approve/reject: the designated approver, holding `risks:approve`, never the
  requester. withdraw, record_evidence: the requester or manage.
- ImpactAssessment — change/delete (draft): write and either manage or the asset owner's grant
  (`assets.change_asset`). approve: `risks:approve`, never whoever prepared it.
- StatementOfApplicability — change/submit: manage. approve: `risks:approve`, never whoever
  submitted it (the preparer). SoARow — change: manage. SoASnapshot — read only.
- RiskSnapshot (register / treatment plan) — take: manage, a person. approve/reject:
  `risks:approve` (whoever approves SoA snapshots), never whoever took it. Never changed.
- RiskCriteria — change: manage; changing the appetite (acceptance threshold) itself also
  needs `risks:accept_above_appetite` (top management sets where "above" starts).
"""

from __future__ import annotations

from isms import permissions, policy
from isms.access import ACCEPT_ABOVE_APPETITE, OWN_SCOPE, Actor
from isms.errors import ErrorCode, NotPermitted
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    FundamentalRightsAssessment,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskCriteria,
    RiskSnapshot,
    SoARow,
    SoASnapshot,
    StatementOfApplicability,
    TreatmentAction,
)

DOMAIN = "risks"
WRITE = "risks:write"
MANAGE = "risks:manage"


def require_scope(actor: Actor, scope: str) -> None:
    """For acts on no object yet (creating): the scope, with its code."""
    if not actor.has_scope(scope):
        raise NotPermitted(actor.missing_scopes_message([scope]), code=ErrorCode.MISSING_SCOPE)


def require_person(actor: Actor, what: str) -> None:
    if actor.user_id is None:
        raise NotPermitted(f"A person {what} (not an API key).")


@policy.register
class RiskPolicy(ModelPolicy):
    model = Risk
    domain = DOMAIN
    owner_grant = "change_risk"

    def describe(self, obj) -> str:
        return f"the risk “{obj.title}”" if obj.title else "this risk"

    def rule_approve_plan(self, actor: Actor, obj) -> Refusal | None:
        """The named exception (6.1.3 f): the risk owner approves the treatment plan."""
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.user is not None and risk_owner(actor, obj):
            return None
        return Refusal(
            "Only the risk owner approves its treatment plan (ISO/IEC 27001:2022 6.1.3 f)."
        )


def risk_owner(actor: Actor, risk: Risk) -> bool:
    """The actor is the risk's owner: holds the owner's grant (and may own records at all)."""
    if actor.user is None or not actor.has_scope(OWN_SCOPE):
        return False
    return policy.policy_for(Risk).owns(actor, risk)


@policy.register
class TreatmentActionPolicy(ModelPolicy):
    model = TreatmentAction
    domain = DOMAIN

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "change", obj.risk)

    def rule_update_status(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.user_id is not None and actor.user_id == obj.owner_id:
            return None
        return self.rule_change(actor, obj)


def _withdraw_refusal(policy_: ModelPolicy, actor: Actor, obj, what: str) -> Refusal | None:
    refused = policy_._scope_refusal(actor, policy_.write_scope)
    if refused is not None:
        return refused
    if actor.has_scope(policy_.manage_scope):
        return None
    if actor.user_id is not None and actor.user_id == obj.requested_by_id:
        return None
    return Refusal(f"Only whoever asked for {what} or a compliance officer may withdraw it.")


@policy.register
class RiskAcceptancePolicy(ModelPolicy):
    """Accepting a residual risk is not a generic approval (no `approvals`, no risks:approve):
    it is the risk owner's decision, the named exception of isms.policy (ISO/IEC 27001:2022
    6.1.3 f: risk owners approve the treatment plan and accept the residual risk, whatever
    the treatment option). Segregation of duties is kept where the standard puts it: above
    the appetite a second, named person — a top-management member (the membership
    designation behind `risks:accept_above_appetite`) — endorses the acceptance first."""

    model = RiskAcceptance
    domain = DOMAIN
    approvals = frozenset()

    def owner_refusal(self, actor: Actor, obj, verb: str) -> Refusal | None:
        """The named exception: only the risk's owner (whatever their role) decides."""
        if actor.user is None:
            return Refusal(f"A named person {verb}s a risk; an API key cannot.")
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if obj.risk_id is not None and risk_owner(actor, obj.risk):
            return None
        owner = getattr(obj.risk, "owner", None) if obj.risk_id else None
        name = f" ({owner.get_full_name() or owner.email})" if owner is not None else ""
        return Refusal(
            f"Only the risk owner{name} may {verb} the residual risk (ISO/IEC 27001:2022 6.1.3 f).",
            ErrorCode.PERMISSION_DENIED,
        )

    def appetite_refusal(self, actor: Actor, obj) -> Refusal | None:
        """Above the appetite: a top-management endorsement of the current score first."""
        criteria = RiskCriteria.objects.first() or RiskCriteria()
        score = obj.risk.current_score
        if not criteria.above_appetite(score):
            return None
        if obj.authority_id is not None and obj.authority_score == score:
            return None
        return Refusal(
            f"The risk scores {score}, above the organisation's appetite of "
            f"{criteria.acceptance_threshold}: a top-management member must endorse the "
            "acceptance before the risk owner accepts it.",
            ErrorCode.AUTHORITY_REQUIRED,
        )

    def rule_approve(self, actor: Actor, obj) -> Refusal | None:
        return self.owner_refusal(actor, obj, "accept") or self.appetite_refusal(actor, obj)

    def rule_reject(self, actor: Actor, obj) -> Refusal | None:
        """The owner declines to accept; so may the top-management authority above appetite."""
        refused = self.owner_refusal(actor, obj, "decline to accept")
        if refused is None or self.rule_endorse(actor, obj) is None:
            return None
        return refused

    def rule_endorse(self, actor: Actor, obj) -> Refusal | None:
        if actor.user is None:
            return Refusal("A named person endorses an acceptance; an API key cannot.")
        if not actor.has_scope(ACCEPT_ABOVE_APPETITE):
            return Refusal(
                "Only a member designated as top management may endorse accepting a risk "
                "above the appetite.",
                ErrorCode.AUTHORITY_REQUIRED,
            )
        return None

    def rule_withdraw(self, actor: Actor, obj) -> Refusal | None:
        return _withdraw_refusal(self, actor, obj, "this acceptance")

    def rule_expire(self, actor: Actor, obj) -> Refusal | None:
        return Refusal("Acceptances expire on their date; nobody expires one by hand.")

    def describe(self, obj) -> str:
        return "this risk acceptance"


@policy.register
class AIChangeRequestPolicy(ModelPolicy):
    model = AIChangeRequest
    domain = DOMAIN
    approvals = frozenset({"approve", "reject"})
    separation_of_duties = {
        "approve": {"requested_by": "requested"},
        "reject": {"requested_by": "requested"},
    }

    def _designated(self, actor: Actor, obj, verb: str) -> Refusal | None:
        if actor.user_id == obj.approver_id:
            return None
        return Refusal(f"Only the designated approver may {verb} this change request.")

    def rule_approve(self, actor: Actor, obj) -> Refusal | None:
        return self._designated(actor, obj, "approve")

    def rule_reject(self, actor: Actor, obj) -> Refusal | None:
        return self._designated(actor, obj, "reject")

    def rule_withdraw(self, actor: Actor, obj) -> Refusal | None:
        return _withdraw_refusal(self, actor, obj, "this change")

    def rule_record_evidence(self, actor: Actor, obj) -> Refusal | None:
        """The gate evidence on a request (oversight, instructions, FRIA): its requester or a
        compliance officer."""
        refused = _withdraw_refusal(self, actor, obj, "this change")
        if refused is None or refused.code != ErrorCode.PERMISSION_DENIED:
            return refused
        return Refusal(
            "Only whoever asked for this change or a compliance officer records its evidence."
        )

    def describe(self, obj) -> str:
        return f"the change request “{obj.title}”" if obj.title else "this change request"


def assess_refusal(actor: Actor, asset) -> Refusal | None:
    """Who prepares the AI impact assessment of an asset: write, and manage or the asset's
    owner (the asset's guardian grant)."""
    if not actor.has_scope(WRITE):
        return Refusal(actor.missing_scopes_message([WRITE]), ErrorCode.MISSING_SCOPE)
    if actor.has_scope(MANAGE):
        return None
    if actor.user is not None and permissions.has_object_permission(
        actor.user, "assets.change_asset", asset
    ):
        return None
    return Refusal(f"Only the owner of {asset.name} or a compliance officer may assess it.")


@policy.register
class ImpactAssessmentPolicy(ModelPolicy):
    model = ImpactAssessment
    domain = DOMAIN
    separation_of_duties = {"approve": {"prepared_by": "prepared"}}

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return assess_refusal(actor, obj.asset)

    def describe(self, obj) -> str:
        return "this AI impact assessment"


@policy.register
class StatementOfApplicabilityPolicy(ManagedPolicy):
    model = StatementOfApplicability
    domain = DOMAIN
    separation_of_duties = {"approve": {"submitted_by": "prepared and submitted"}}

    def rule_submit(self, actor: Actor, obj) -> Refusal | None:
        if actor.user is None:
            return Refusal("A person submits the Statement of Applicability (not an API key).")
        return self.rule_manage(actor, obj)

    def describe(self, obj) -> str:
        return "the Statement of Applicability"


@policy.register
class SoARowPolicy(ManagedPolicy):
    model = SoARow
    domain = DOMAIN


@policy.register
class SoASnapshotPolicy(ModelPolicy):
    model = SoASnapshot
    domain = DOMAIN

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return Refusal("An approved SoA snapshot never changes.", ErrorCode.IMMUTABLE)


@policy.register
class RiskSnapshotPolicy(ModelPolicy):
    model = RiskSnapshot
    domain = DOMAIN
    approvals = frozenset({"approve", "reject"})
    separation_of_duties = {
        "approve": {"taken_by": "took"},
        "reject": {"taken_by": "took"},
    }

    def rule_take(self, actor: Actor, obj) -> Refusal | None:
        if actor.user is None:
            return Refusal("A person takes a snapshot for approval (not an API key).")
        refused = self._scope_refusal(actor, self.write_scope)
        return refused or self._scope_refusal(actor, self.manage_scope)

    def rule_reject(self, actor: Actor, obj) -> Refusal | None:
        return None  # approval_refusal has already checked scope and duties

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return Refusal("A risk snapshot never changes.", ErrorCode.IMMUTABLE)

    def describe(self, obj) -> str:
        return f"this {obj.get_kind_display().lower()} snapshot" if obj.kind else "this snapshot"


@policy.register
class RiskCriteriaPolicy(ManagedPolicy):
    model = RiskCriteria
    domain = DOMAIN

    def rule_set_appetite(self, actor: Actor, obj) -> Refusal | None:
        refused = self.rule_manage(actor, obj)
        return refused or self._scope_refusal(actor, ACCEPT_ABOVE_APPETITE)


@policy.register
class AIActObligationPolicy(ModelPolicy):
    """Obligations come from an approved classification (never created by hand); their owner
    or an officer marks one done."""

    model = AIActObligation
    domain = "risks"

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope):
            return None
        if actor.user is not None and getattr(obj, "owner_id", None) == actor.user_id:
            return None
        return Refusal("Only the obligation's owner or a compliance officer may mark it done.")

    def rule_complete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


@policy.register
class FundamentalRightsAssessmentPolicy(ManagedPolicy):
    """Officers prepare, complete and notify a FRIA (`risks:manage`); everyone reads it."""

    model = FundamentalRightsAssessment
    domain = "risks"

    def rule_complete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)
