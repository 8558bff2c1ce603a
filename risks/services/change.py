"""The AI change gate: change requests and AI impact assessments.

AIChangeRequest: submitted → approved | rejected | withdrawn (CHANGE_TRANSITIONS). Approval
is the designated approver's (never the requester's), only when the live checklist
(risks.selectors.change_request_checklist) is complete; it moves the asset to production
through assets.services.asset_promote_to_production(), the one path there is.

ImpactAssessment: draft → approved (→ superseded when a newer one is approved). A
prohibited practice means it cannot be approved. Approving sets the asset's risk tier.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets import services as asset_services
from assets.models import AI_TYPES, Asset, AssetType, Lifecycle
from isms.access import Actor
from isms.choices import DataCategory
from isms.errors import Conflict, NotPermitted, TransitionRefused
from risks import ai_act
from risks.models import AIChangeRequest, ImpactAssessment
from risks.models.change import HarmLevel, HarmTo

from .common import APPROVER_ROLES, is_risk_manager, member, member_role, require_scope, text

CR = AIChangeRequest.Status
CHANGE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({CR.SUBMITTED}), CR.APPROVED),
    "reject": (frozenset({CR.SUBMITTED}), CR.REJECTED),
    "withdraw": (frozenset({CR.SUBMITTED}), CR.WITHDRAWN),
}


def _transition(change_request: AIChangeRequest, action: str) -> AIChangeRequest:
    change_request = AIChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    allowed, target = CHANGE_TRANSITIONS[action]
    if change_request.status not in allowed:
        done = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[action]
        raise TransitionRefused(
            f"This change request is {change_request.get_status_display().lower()}: it cannot "
            f"be {done}."
        )
    change_request.status = target
    return change_request


def _check_approver(user, requester_id: int | None) -> None:
    role = member_role(user.pk)
    if role not in APPROVER_ROLES:
        raise ValidationError(
            {"approver": "The designated approver must be an officer or admin here."}
        )
    if requester_id is not None and user.pk == requester_id:
        raise ValidationError({"approver": "The requester cannot approve their own change."})


@transaction.atomic
def change_request_create(
    *,
    actor: Actor,
    title: str,
    justification: str,
    data_going_in: str,
    affected_people: str,
    approver,
    asset: Asset | None = None,
    new_asset_name: str = "",
    new_asset_type: str = "",
    description: str = "",
    data_categories: list[str] | None = None,
    supplier=None,
) -> AIChangeRequest:
    """Any member with risks:write asks for an AI change. Either an existing AI asset, or a
    new one, created `proposed` from the request (owned by the requester)."""
    require_scope(actor, "risks:write")
    if actor.user_id is None:
        raise NotPermitted("A person raises an AI change request (not an API key).")
    errors: dict[str, str] = {}
    for field, value, message in [
        ("title", title, "Say what is being introduced or changed."),
        ("justification", justification, "Say why."),
        ("data_going_in", data_going_in, "Say what data goes in."),
        ("affected_people", affected_people, "Say who is affected."),
    ]:
        if not (value or "").strip():
            errors[field] = message
    bad = [c for c in data_categories or [] if c not in DataCategory.values]
    if bad:
        errors["data_categories"] = f"Unknown data categories: {', '.join(bad)}."
    if asset is None and not (new_asset_name or "").strip():
        errors["asset"] = "Choose the AI asset, or name the new one to propose."
    if asset is not None and (new_asset_name or "").strip():
        errors["new_asset_name"] = "Choose an existing asset or propose a new one, not both."
    if asset is None and new_asset_type and new_asset_type not in AI_TYPES:
        errors["new_asset_type"] = "Choose an AI asset type."
    if errors:
        raise ValidationError(errors)
    approver = member(approver, "approver")
    _check_approver(approver, actor.user_id)
    if supplier is not None:
        from suppliers.models import Supplier

        if not Supplier.objects.filter(pk=supplier.pk).exists():
            raise ValidationError(
                {"supplier": f"No supplier with id {supplier.pk} in this organisation."}
            )
    if asset is not None:
        if not Asset.objects.filter(pk=asset.pk).exists():
            raise ValidationError({"asset": f"No asset with id {asset.pk} in this organisation."})
        if asset.asset_type not in AI_TYPES:
            raise ValidationError({"asset": f"{asset.name} is not an AI asset."})
        if not asset.in_register:
            raise ValidationError(
                {"asset": f"{asset.name} is a shadow-AI report: triage it first."}
            )
        if AIChangeRequest.objects.filter(asset=asset, status=CR.SUBMITTED).exists():
            raise Conflict(f"{asset.name} already has a change request awaiting approval.")
    else:
        asset = asset_services.asset_create(
            actor=actor,
            name=new_asset_name.strip(),
            asset_type=new_asset_type or AssetType.AI_SAAS_TOOL,
            owner=actor.user,
            lifecycle=Lifecycle.PROPOSED,
            description=(description or title).strip(),
            intended_purpose=justification.strip(),
            data_categories=list(data_categories or []),
            supplier=supplier,
        )
    return AIChangeRequest.objects.create(
        title=title.strip(),
        description=(description or "").strip(),
        justification=justification.strip(),
        asset=asset,
        data_going_in=data_going_in.strip(),
        data_categories=sorted(set(data_categories or [])),
        affected_people=affected_people.strip(),
        supplier=supplier if supplier is not None else asset.supplier,
        requested_by=actor.user,
        approver=approver,
    )


@transaction.atomic
def change_request_approve(*, actor: Actor, change_request: AIChangeRequest) -> AIChangeRequest:
    from risks.selectors import change_request_checklist

    change_request = _transition(change_request, "approve")
    if actor.user_id != change_request.approver_id:
        raise NotPermitted("Only the designated approver may approve this change request.")
    if actor.user_id == change_request.requested_by_id:
        raise NotPermitted("You asked for this change; someone else must approve it.")
    if not actor.has_scope("risks:approve"):
        raise NotPermitted("Approving an AI change needs the authority to approve (risks:approve).")
    checklist = change_request_checklist(change_request)
    if checklist.blocked:
        raise Conflict(
            "Blocked: the impact assessment found a prohibited practice (EU AI Act Art. 5). "
            "This change cannot be approved."
        )
    if not checklist.ready:
        missing = "; ".join(item.label for item in checklist.failing)
        raise Conflict(f"Not every required step is complete: {missing}.")
    change_request.decided_by = actor.user
    change_request.decided_at = timezone.now()
    change_request.save()
    asset = Asset.objects.select_for_update().get(pk=change_request.asset_id)
    if asset.lifecycle != Lifecycle.PRODUCTION:
        asset_services.asset_promote_to_production(
            actor=actor, asset=asset, change_request=change_request
        )
    return change_request


@transaction.atomic
def change_request_reject(
    *, actor: Actor, change_request: AIChangeRequest, reason: str
) -> AIChangeRequest:
    reason = text(reason, "reason", "Say why the change is rejected.")
    change_request = _transition(change_request, "reject")
    if actor.user_id != change_request.approver_id:
        raise NotPermitted("Only the designated approver may reject this change request.")
    change_request.decided_by = actor.user
    change_request.decided_at = timezone.now()
    change_request.decision_reason = reason
    change_request.save()
    return change_request


@transaction.atomic
def change_request_withdraw(*, actor: Actor, change_request: AIChangeRequest) -> AIChangeRequest:
    if actor.user_id != change_request.requested_by_id and not is_risk_manager(actor):
        raise NotPermitted("Only the requester or an officer may withdraw a change request.")
    change_request = _transition(change_request, "withdraw")
    change_request.save()
    return change_request


# --- AI impact assessments -------------------------------------------------------------------

ASSESSMENT_FIELDS = (
    "intended_purpose",
    "affected_people",
    "foreseeable_misuse",
    "harms",
    "human_oversight_measures",
    "transparency_measures",
    "data_quality_notes",
    "prohibited_practices",
    "high_risk_areas",
    "transparency_duties",
)
IMPACT_ASSESSED_TYPES = frozenset(
    {
        AssetType.AI_SYSTEM,
        AssetType.AI_MODEL,
        AssetType.AI_AGENT,
        AssetType.AI_SAAS_TOOL,
        AssetType.AI_API,
    }
)


def can_assess(actor: Actor, asset: Asset) -> bool:
    """Officers, admins, read-write keys, and the asset's owner."""
    if is_risk_manager(actor):
        return True
    return actor.has_scope("risks:write") and actor.user_id == asset.owner_id


def _clean_assessment(values: dict) -> dict:
    errors: dict[str, str] = {}
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    for field, choices in [
        ("prohibited_practices", ai_act.ProhibitedPractice),
        ("high_risk_areas", ai_act.HighRiskArea),
        ("transparency_duties", ai_act.TransparencyDuty),
    ]:
        if field in values:
            bad = [v for v in values[field] or [] if v not in choices.values]
            if bad:
                errors[field] = (
                    f"Unknown value(s) {', '.join(bad)}; use {', '.join(choices.values)}."
                )
            values[field] = sorted(set(values[field] or []))
    if "harms" in values:
        harms = []
        for i, harm in enumerate(values["harms"] or []):
            if not isinstance(harm, dict) or not str(harm.get("description", "")).strip():
                continue
            if (
                harm.get("to") not in HarmTo.values
                or harm.get("severity") not in HarmLevel.values
                or harm.get("likelihood") not in HarmLevel.values
            ):
                errors["harms"] = (
                    f"Harm {i + 1}: say whom it affects ({', '.join(HarmTo.values)}) and its "
                    f"severity and likelihood ({', '.join(HarmLevel.values)})."
                )
                continue
            harms.append(
                {
                    "to": harm["to"],
                    "description": str(harm["description"]).strip(),
                    "severity": harm["severity"],
                    "likelihood": harm["likelihood"],
                }
            )
        values["harms"] = harms
    for field in set(ASSESSMENT_FIELDS) & set(values):
        if isinstance(values[field], str):
            values[field] = values[field].strip()
    if errors:
        raise ValidationError(errors)
    return values


def _derive(assessment: ImpactAssessment) -> None:
    screens = {
        "prohibited": assessment.prohibited_practices,
        "high_risk_areas": assessment.high_risk_areas,
        "transparency": assessment.transparency_duties,
    }
    assessment.risk_tier = ai_act.risk_tier(**screens)
    assessment.obligations = ai_act.deployer_obligations(**screens)


@transaction.atomic
def impact_assessment_create(
    *, actor: Actor, asset: Asset, change_request: AIChangeRequest | None = None, **fields
) -> ImpactAssessment:
    require_scope(actor, "risks:write")
    if actor.user_id is None:
        raise NotPermitted("A person prepares an impact assessment (not an API key).")
    if asset.asset_type not in AI_TYPES:
        raise ValidationError({"asset": f"{asset.name} is not an AI asset."})
    if not can_assess(actor, asset):
        raise NotPermitted(f"Only the owner of {asset.name}, an officer or an admin may assess it.")
    if change_request is not None and change_request.asset_id != asset.pk:
        raise ValidationError({"change_request": "That change request is about another asset."})
    values = _clean_assessment(dict(fields))
    if "intended_purpose" not in values:
        values["intended_purpose"] = asset.intended_purpose
    assessment = ImpactAssessment(
        asset=asset, change_request=change_request, prepared_by=actor.user, **values
    )
    _derive(assessment)
    assessment.save()
    return assessment


@transaction.atomic
def impact_assessment_update(
    *, actor: Actor, assessment: ImpactAssessment, **fields
) -> ImpactAssessment:
    assessment = ImpactAssessment.objects.select_for_update().get(pk=assessment.pk)
    if not can_assess(actor, assessment.asset):
        raise NotPermitted(
            "Only the asset's owner, an officer or an admin may edit this assessment."
        )
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise Conflict(
            f"This assessment is {assessment.get_status_display().lower()} and cannot change: "
            "start a new one (it will supersede this one when approved)."
        )
    values = _clean_assessment(dict(fields))
    for name, value in values.items():
        setattr(assessment, name, value)
    _derive(assessment)
    assessment.save()
    return assessment


@transaction.atomic
def impact_assessment_approve(*, actor: Actor, assessment: ImpactAssessment) -> ImpactAssessment:
    require_scope(actor, "risks:approve")
    assessment = ImpactAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise TransitionRefused(
            f"This assessment is {assessment.get_status_display().lower()}: "
            "only a draft is approved."
        )
    if assessment.prepared_by_id == actor.user_id:
        raise NotPermitted("You prepared this assessment; someone else must approve it.")
    if assessment.prohibited_practices:
        raise Conflict(
            "A prohibited practice applies (EU AI Act Art. 5): this assessment cannot be "
            "approved, and the AI change request is blocked.",
            field="prohibited_practices",
        )
    errors = {}
    for field, message in [
        ("intended_purpose", "State the intended purpose."),
        ("affected_people", "Say who is affected."),
        ("human_oversight_measures", "Describe the human oversight."),
    ]:
        if not getattr(assessment, field).strip():
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    previous = list(
        ImpactAssessment.objects.select_for_update().filter(
            asset_id=assessment.asset_id, status=ImpactAssessment.Status.APPROVED
        )
    )
    # Only status, superseded_by and superseded_at change: the trigger allows nothing else.
    ImpactAssessment.objects.filter(pk__in=[p.pk for p in previous]).update(
        status=ImpactAssessment.Status.SUPERSEDED, superseded_by=assessment, superseded_at=now
    )
    _derive(assessment)
    assessment.status = ImpactAssessment.Status.APPROVED
    assessment.approved_by = actor.user
    assessment.approved_at = now
    assessment.save()
    asset = Asset.objects.get(pk=assessment.asset_id)
    asset_services.asset_set_risk_tier(asset=asset, risk_tier=assessment.risk_tier)
    return assessment


@transaction.atomic
def impact_assessment_discard(*, actor: Actor, assessment: ImpactAssessment) -> None:
    if not can_assess(actor, assessment.asset):
        raise NotPermitted("Only the asset's owner, an officer or an admin may discard it.")
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise Conflict("Only a draft assessment can be discarded; approved ones are kept.")
    assessment.delete()
