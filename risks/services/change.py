"""The AI change gate: change requests and AI impact assessments.

AIChangeRequest: submitted → approved | rejected | withdrawn (the CHANGE_REQUEST workflow).
Approval is the designated approver's (never the requester's, risks.access), only when the
live checklist (risks.selectors.change_request_checklist) is complete. The approval locks the
asset with the request (isms.workflow.transition, one global lock order) and moves it to the
request's target stage — pilot or production: a pilot processes real data and passes the same
gate — inside the same transition, writing only its `lifecycle` and the gate flag: a
concurrent asset edit can neither undo the move nor be undone by it.

What changes an AI system reopens the gate: a material edit of an AI asset in pilot or
production (model or version, data categories, supplier, intended purpose) flags the asset
(assets.services); the approval of a new change request clears the flag.

ImpactAssessment: draft → approved (→ superseded when a newer one is approved; the
IMPACT_ASSESSMENT workflow). Whoever prepared it never approves it. A prohibited practice means
it cannot be approved. Approving sets the asset's risk tier (the asset is locked too).

One open change request per asset and one approved assessment per asset are unique indexes;
a request that loses a race to them gets 409 `duplicate`, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets import services as asset_services
from assets.models import AI_TYPES, Asset, AssetType, Lifecycle
from isms import policy
from isms.access import Actor
from isms.choices import DataCategory
from isms.errors import Conflict, Duplicate, ErrorCode, NotPermitted, TransitionRefused
from isms.models import WebhookEventType
from isms.services.profile import organization_profile
from isms.webhooks.events import emit, object_data
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update, unique_or_conflict
from risks import ai_act
from risks.access import assess_refusal
from risks.models import AIChangeRequest, ImpactAssessment
from risks.models.change import HarmKind, HarmLevel, HarmScale, HarmTo, Reversibility

from .common import member, require_person, require_scope, text
from .obligations import obligations_sync

APPROVE = "risks:approve"
TARGET_STAGES = (Lifecycle.PILOT, Lifecycle.PRODUCTION)
CR = AIChangeRequest.Status
CHANGE_REQUEST = Workflow(
    AIChangeRequest,
    label="risks: AI change request",
    transitions=[
        Transition(
            "approve", {CR.SUBMITTED}, CR.APPROVED, "approved", stamp=("decided_by", "decided_at")
        ),
        Transition(
            "reject", {CR.SUBMITTED}, CR.REJECTED, "rejected", stamp=("decided_by", "decided_at")
        ),
        Transition("withdraw", {CR.SUBMITTED}, CR.WITHDRAWN, "withdrawn"),
    ],
)
IA = ImpactAssessment.Status
IMPACT_ASSESSMENT = Workflow(
    ImpactAssessment,
    label="risks: AI impact assessment",
    transitions=[
        Transition(
            "approve", {IA.DRAFT}, IA.APPROVED, "approved", stamp=("approved_by", "approved_at")
        ),
    ],
)
ONE_OPEN_REQUEST = {
    "aichangerequest_one_open_per_asset": (
        "asset",
        "This asset already has a change request awaiting approval.",
    )
}
ONE_APPROVED_ASSESSMENT = {
    "impactassessment_one_approved_per_asset": (
        "asset",
        "Another impact assessment of this asset was approved at the same moment.",
    )
}


def _check_approver(user, requester_id: int | None) -> None:
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
    target_lifecycle: str = Lifecycle.PRODUCTION,
    oversight_person=None,
    instructions_for_use: str = "",
    fria_reference: str = "",
) -> AIChangeRequest:
    """Any member with risks:write asks for an AI change. Either an existing AI asset, or a
    new one, created `proposed` from the request (owned by the requester)."""
    require_scope(actor, "risks:write")
    require_person(actor, "raises an AI change request")
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
    if target_lifecycle not in TARGET_STAGES:
        errors["target_lifecycle"] = "Choose pilot or production."
    if errors:
        raise ValidationError(errors)
    approver = member(approver, "approver", scope=APPROVE)
    if oversight_person is not None:
        oversight_person = member(oversight_person, "oversight_person")
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
            raise Duplicate(
                f"{asset.name} already has a change request awaiting approval.", field="asset"
            )
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
    with unique_or_conflict(ONE_OPEN_REQUEST):
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
            target_lifecycle=target_lifecycle,
            oversight_person=oversight_person,
            instructions_for_use=(instructions_for_use or "").strip(),
            fria_reference=(fria_reference or "").strip(),
        )


EVIDENCE_FIELDS = ("oversight_person", "instructions_for_use", "fria_reference")


@transaction.atomic
def change_request_record_evidence(
    *, actor: Actor, change_request: AIChangeRequest, **fields
) -> AIChangeRequest:
    """The gate evidence of a high-risk system on a pending request: named human oversight,
    where the instructions for use and the FRIA are filed (requester or manage)."""
    unknown = set(fields) - set(EVIDENCE_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    (fresh,) = lock(change_request)
    policy.require(actor, "record_evidence", fresh)
    if fresh.status != CR.SUBMITTED:
        raise TransitionRefused(
            f"This change request is {fresh.get_status_display().lower()}: its evidence is kept "
            "as it was decided."
        )
    if fields.get("oversight_person") is not None:
        fields["oversight_person"] = member(fields["oversight_person"], "oversight_person")
    for name in ("instructions_for_use", "fria_reference"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    model_update(fresh, data=fields, fields=EVIDENCE_FIELDS, clean=False)
    return fresh


def _promote(change_request: AIChangeRequest, asset: Asset) -> list[str]:
    """Inside the approval's transition, both rows locked: check the live checklist, then move
    the asset to production writing its `lifecycle` only (assets' lifecycle table applies)."""
    from risks.selectors import change_request_checklist

    checklist = change_request_checklist(change_request)
    if checklist.blocked:
        raise Conflict(
            "Blocked: the impact assessment found a prohibited practice (EU AI Act Art. 5). "
            "This change cannot be approved.",
            code=ErrorCode.GATE_CLOSED,
        )
    if not checklist.ready:
        missing = "; ".join(item.label for item in checklist.failing)
        raise Conflict(
            f"Not every required step is complete: {missing}.", code=ErrorCode.GATE_CLOSED
        )
    target = change_request.target_lifecycle
    written = []
    stays = asset.lifecycle == target or (
        asset.lifecycle == Lifecycle.PRODUCTION and target == Lifecycle.PILOT
    )
    if not stays:
        if target not in asset_services.LIFECYCLE_TRANSITIONS[asset.lifecycle]:
            raise TransitionRefused(
                f"{asset.name} cannot move from {Lifecycle(asset.lifecycle).label} to "
                f"{Lifecycle(target).label}.",
                field="lifecycle",
            )
        asset.lifecycle = target
        written.append("lifecycle")
    if asset.change_required_since is not None:
        asset.change_required_since = None
        asset.change_required_reason = ""
        written += ["change_required_since", "change_required_reason"]
    if written:
        asset.save(update_fields=[*written, "updated"])
    return []


@transaction.atomic
def change_request_approve(*, actor: Actor, change_request: AIChangeRequest) -> AIChangeRequest:
    approved = transition(
        CHANGE_REQUEST,
        change_request,
        "approve",
        actor=actor,
        lock_also=[Asset(pk=change_request.asset_id)],
        apply=_promote,
    )
    emit(
        WebhookEventType.CHANGE_REQUEST_APPROVED,
        data=object_data(approved, "ai_change_request", asset_id=approved.asset_id),
    )
    return approved


def change_request_reject(
    *, actor: Actor, change_request: AIChangeRequest, reason: str
) -> AIChangeRequest:
    reason = text(reason, "reason", "Say why the change is rejected.")

    def record_reason(fresh: AIChangeRequest) -> list[str]:
        fresh.decision_reason = reason
        return ["decision_reason"]

    with transaction.atomic():
        rejected = transition(
            CHANGE_REQUEST,
            change_request,
            "reject",
            actor=actor,
            reason=reason,
            apply=record_reason,
        )
        emit(
            WebhookEventType.CHANGE_REQUEST_REJECTED,
            data=object_data(
                rejected, "ai_change_request", asset_id=rejected.asset_id, reason=reason
            ),
        )
    return rejected


def change_request_withdraw(*, actor: Actor, change_request: AIChangeRequest) -> AIChangeRequest:
    return transition(CHANGE_REQUEST, change_request, "withdraw", actor=actor)


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
    "prohibition_exceptions",
    "transparency_duties",
    "ai_act_role",
    "art25_triggers",
    "gpai",
    "gpai_systemic_risk",
    "annex_i_product",
    "annex_iii_use_cases",
    "derogation_conditions",
    "profiles_people",
    "derogation_documentation",
    "environmental_effects",
    "reassessment_triggers",
    "reassess_by",
)
# The fields the classification reads (risks.ai_act.classify) and the ones it writes.
CLASSIFICATION_INPUTS = (
    "prohibited_practices",
    "prohibition_exceptions",
    "transparency_duties",
    "ai_act_role",
    "art25_triggers",
    "gpai",
    "gpai_systemic_risk",
    "annex_i_product",
    "annex_iii_use_cases",
    "derogation_conditions",
    "profiles_people",
)
CLASSIFICATION_OUTPUTS = (
    "risk_tier",
    "obligations",
    "high_risk_areas",
    "classification_reasons",
    "effective_role",
    "fria_required",
    "obligation_items",
)
LIST_CHOICES = {
    "prohibited_practices": ai_act.ProhibitedPractice,
    "prohibition_exceptions": ai_act.ProhibitionException,
    "transparency_duties": ai_act.TransparencyDuty,
    "art25_triggers": ai_act.Art25Trigger,
    "annex_iii_use_cases": ai_act.AnnexIIIUseCase,
    "derogation_conditions": ai_act.DerogationCondition,
}
ONE_CHOICE = {"ai_act_role": ai_act.OperatorRole, "gpai": ai_act.GPAIRelation}
FLAGS = ("gpai_systemic_risk", "annex_i_product", "profiles_people")
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
    """Whoever may manage the register, and the asset's owner (risks.access)."""
    return assess_refusal(actor, asset) is None


HARM_CHOICES = {
    "kind": HarmKind,
    "to": HarmTo,
    "severity": HarmLevel,
    "likelihood": HarmLevel,
}
HARM_OPTIONAL_CHOICES = {"scale": HarmScale, "reversibility": Reversibility}
HARM_TEXTS = ("party", "vulnerable_groups", "jurisdiction")


def clean_harms(entries: list) -> tuple[list[dict], str]:
    """Harms and benefits, any number per affected party (ISO/IEC 42001 6.1.4, ISO/IEC 42005).
    Entries without a description are dropped; the first problem is reported by number."""
    harms: list[dict] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not str(entry.get("description", "")).strip():
            continue
        entry = {"kind": HarmKind.HARM, **entry}
        for key, choices in HARM_CHOICES.items():
            if entry.get(key) not in choices.values:
                return harms, (
                    f"Entry {i + 1}: {key} must be one of {', '.join(choices.values)} "
                    "(say whom it affects, its severity and likelihood)."
                )
        for key, choices in HARM_OPTIONAL_CHOICES.items():
            if entry.get(key) not in ("", None, *choices.values):
                return harms, f"Entry {i + 1}: {key} must be one of {', '.join(choices.values)}."
        clean = {key: entry[key] for key in HARM_CHOICES}
        clean["description"] = str(entry["description"]).strip()
        for key in HARM_OPTIONAL_CHOICES:
            clean[key] = entry.get(key) or ""
        for key in HARM_TEXTS:
            clean[key] = str(entry.get(key) or "").strip()[:200]
        harms.append(clean)
    return harms, ""


def _clean_assessment(values: dict) -> dict:
    errors: dict[str, str] = {}
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    for field, choices in ONE_CHOICE.items():
        if field in values and values[field] not in choices.values:
            errors[field] = f"Unknown value {values[field]!r}; use {', '.join(choices.values)}."
    for field in FLAGS:
        if field in values and not isinstance(values[field], bool):
            errors[field] = "Give true or false."
    for field, choices in LIST_CHOICES.items():
        if field in values:
            bad = [v for v in values[field] or [] if v not in choices.values]
            if bad:
                errors[field] = (
                    f"Unknown value(s) {', '.join(bad)}; use {', '.join(choices.values)}."
                )
            values[field] = sorted(set(values[field] or []))
    if "harms" in values:
        harms, problem = clean_harms(values["harms"] or [])
        if problem:
            errors["harms"] = problem
        values["harms"] = harms
    if values.get("reassess_by") in ("", None) and "reassess_by" in values:
        values["reassess_by"] = None
    for field in set(ASSESSMENT_FIELDS) & set(values):
        if isinstance(values[field], str):
            values[field] = values[field].strip()
    if errors:
        raise ValidationError(errors)
    return values


def classification_facts(assessment: ImpactAssessment) -> ai_act.Facts:
    """The screens of an assessment and the organisation's legal type (its profile)."""
    return ai_act.Facts(
        role=assessment.ai_act_role,
        legal_type=organization_profile().legal_type,
        prohibited=tuple(assessment.prohibited_practices),
        prohibition_exceptions=tuple(assessment.prohibition_exceptions),
        annex_i_product=assessment.annex_i_product,
        use_cases=tuple(assessment.annex_iii_use_cases),
        derogation=tuple(assessment.derogation_conditions),
        profiles_people=assessment.profiles_people,
        transparency=tuple(assessment.transparency_duties),
        gpai=assessment.gpai,
        gpai_systemic_risk=assessment.gpai_systemic_risk,
        art25=tuple(assessment.art25_triggers),
    )


def _derive(assessment: ImpactAssessment) -> ai_act.Classification:
    result = ai_act.classify(classification_facts(assessment))
    assessment.risk_tier = result.tier
    assessment.obligations = ai_act.obligation_lines(result.obligations)
    assessment.obligation_items = [o.as_dict() for o in result.obligations]
    assessment.classification_reasons = result.reasons
    assessment.effective_role = result.effective_role
    assessment.fria_required = result.fria_required
    assessment.high_risk_areas = sorted({ai_act.area_of(c) for c in assessment.annex_iii_use_cases})
    return result


@transaction.atomic
def impact_assessment_create(
    *, actor: Actor, asset: Asset, change_request: AIChangeRequest | None = None, **fields
) -> ImpactAssessment:
    require_scope(actor, "risks:write")
    require_person(actor, "prepares an impact assessment")
    if asset.asset_type not in AI_TYPES:
        raise ValidationError({"asset": f"{asset.name} is not an AI asset."})
    refused = assess_refusal(actor, asset)
    if refused is not None:
        raise NotPermitted(refused.message, code=refused.code)
    if change_request is not None and change_request.asset_id != asset.pk:
        raise ValidationError({"change_request": "That change request is about another asset."})
    values = _clean_assessment(dict(fields))
    if "intended_purpose" not in values:
        values["intended_purpose"] = asset.intended_purpose
    if "ai_act_role" not in values and asset.eu_ai_act_role in ai_act.OperatorRole.values:
        values["ai_act_role"] = asset.eu_ai_act_role
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
    (assessment,) = lock(assessment)
    policy.require(actor, "change", assessment)
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise Conflict(
            f"This assessment is {assessment.get_status_display().lower()} and cannot change: "
            "start a new one (it will supersede this one when approved).",
            code=ErrorCode.IMMUTABLE,
        )
    values = _clean_assessment(dict(fields))
    candidate = ImpactAssessment(
        **{f: values.get(f, getattr(assessment, f)) for f in CLASSIFICATION_INPUTS}
    )
    _derive(candidate)
    values.update({f: getattr(candidate, f) for f in CLASSIFICATION_OUTPUTS})
    model_update(
        assessment,
        data=values,
        fields=(*ASSESSMENT_FIELDS, *CLASSIFICATION_OUTPUTS),
        clean=False,
    )
    return assessment


def _approve_assessment(assessment: ImpactAssessment, asset: Asset) -> list[str]:
    if ai_act.classify(classification_facts(assessment)).blocking:
        raise Conflict(
            "A prohibited practice applies (EU AI Act Art. 5): this assessment cannot be "
            "approved, and the AI change request is blocked.",
            field="prohibited_practices",
            code=ErrorCode.GATE_CLOSED,
        )
    errors = {}
    for field, message in [
        ("intended_purpose", "State the intended purpose (ISO/IEC 42001 6.1.4)."),
        (
            "foreseeable_misuse",
            "Describe the reasonably foreseeable misuse (ISO/IEC 42001 6.1.4, ISO/IEC 42005).",
        ),
        ("affected_people", "Say who is affected."),
        ("human_oversight_measures", "Describe the human oversight."),
    ]:
        if not getattr(assessment, field).strip():
            errors[field] = message
    result = ai_act.classify(classification_facts(assessment))
    if result.derogation_applies and not assessment.derogation_documentation.strip():
        errors["derogation_documentation"] = (
            "Relying on the Art. 6(3) derogation needs its documented assessment (Art. 6(4)): "
            "yours as provider, or where the provider's is filed."
        )
    if errors:
        raise ValidationError(errors)
    # Only status, superseded_by and superseded_at change: the trigger allows nothing else.
    ImpactAssessment.objects.filter(
        asset_id=assessment.asset_id, status=ImpactAssessment.Status.APPROVED
    ).exclude(pk=assessment.pk).update(
        status=ImpactAssessment.Status.SUPERSEDED,
        superseded_by=assessment,
        superseded_at=timezone.now(),
    )
    _derive(assessment)
    if asset.risk_tier != assessment.risk_tier:
        asset_services.asset_set_risk_tier(asset=asset, risk_tier=assessment.risk_tier)
    # The obligations become tracked work; a reclassification supersedes what it drops.
    obligations_sync(assessment, owner_id=asset.owner_id)
    return list(CLASSIFICATION_OUTPUTS)


def impact_assessment_approve(*, actor: Actor, assessment: ImpactAssessment) -> ImpactAssessment:
    """Someone with risks:approve who did not prepare it (risks.access). The asset is locked
    with the assessment: approvals of two assessments of one asset run one after the other."""
    with unique_or_conflict(ONE_APPROVED_ASSESSMENT):
        return transition(
            IMPACT_ASSESSMENT,
            assessment,
            "approve",
            actor=actor,
            lock_also=[Asset(pk=assessment.asset_id)],
            apply=_approve_assessment,
        )


@transaction.atomic
def impact_assessment_discard(*, actor: Actor, assessment: ImpactAssessment) -> None:
    (assessment,) = lock(assessment)
    policy.require(actor, "delete", assessment)
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise Conflict("Only a draft assessment can be discarded; approved ones are kept.")
    assessment.delete()
